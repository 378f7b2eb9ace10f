import type { Sql } from '../../../db/handles.js';
import { implementationNotFound, productNotFound, type ImplementationContext } from '../domain/inheritance.js';
import { findImplementations, selectImplementationChain, type ImplementationsQuery } from './store.js';

/** GET /implementations: the filtered list, echoing the filters it applied. */
export async function listImplementations(db: Sql, teamId: string, query: ImplementationsQuery) {
  const rows = await findImplementations(db, teamId, query);
  return {
    ...(query.productName === undefined ? {} : { product_name: query.productName }),
    ...(query.repoUri === undefined ? {} : { repo_uri: query.repoUri, branch_name: query.branchName }),
    implementations: rows,
  };
}

/**
 * The implementation `implementationName` of product `productName`, with its ancestor chain and
 * the branches the chain tracks (see selectImplementationChain), for every read. A 404 that says
 * which part was not found otherwise.
 */
export async function loadImplementationChain(
  db: Sql,
  teamId: string,
  productName: string,
  implementationName: string,
): Promise<ImplementationContext> {
  const found = await selectImplementationChain(db, teamId, productName, implementationName);
  if (!('missing' in found)) return found;
  throw found.missing === 'product' ? productNotFound(productName) : implementationNotFound(implementationName, found.productName);
}
