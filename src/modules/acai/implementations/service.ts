import type { SqlRunner } from '../domain/inheritance.js';
import { findImplementations, type ImplementationsQuery } from './store.js';

/** GET /implementations: the filtered list, echoing the filters it applied. */
export async function listImplementations(db: SqlRunner, teamId: string, query: ImplementationsQuery) {
  const rows = await findImplementations(db, teamId, query);
  return {
    ...(query.productName === undefined ? {} : { product_name: query.productName }),
    ...(query.repoUri === undefined ? {} : { repo_uri: query.repoUri, branch_name: query.branchName }),
    implementations: rows,
  };
}
