import type { Sql } from '../../../db/handles.js';
import { findImplementations, type ImplementationsQuery } from './store.js';

/** GET /implementations: the filtered list, echoing the filters it applied. */
export async function listImplementations(db: Sql, teamId: string, query: ImplementationsQuery) {
  const rows = await findImplementations(db, teamId, query);
  return {
    ...(query.productName === undefined ? {} : { product_name: query.productName }),
    ...(query.repoUri === undefined ? {} : { repo_uri: query.repoUri, branch_name: query.branchName }),
    implementations: rows,
  };
}
