import { Prisma } from '../../../generated/prisma/client.js';
import { chainCte, type SqlRunner } from '../domain/inheritance.js';

export interface ImplementationsQuery {
  productName?: string;
  repoUri?: string;
  branchName?: string;
  featureName?: string;
}

interface Row {
  implementation_id: string;
  implementation_name: string;
  product_name: string;
}

/**
 * GET /implementations: the team's implementations of one product, or across products
 * tracking one exact branch; optionally only those whose chain resolves a spec of
 * `featureName` in their own product (implementations.FILTERS.5/6). One statement.
 */
export async function listImplementations(db: SqlRunner, teamId: string, query: ImplementationsQuery) {
  const productFilter =
    query.productName === undefined
      ? Prisma.empty
      : Prisma.sql`AND p.id = (
          SELECT id FROM products WHERE team_id = ${teamId}::uuid AND lower(name) = lower(${query.productName})
           ORDER BY (name = ${query.productName}) DESC, id LIMIT 1)`;
  const branchFilter =
    query.repoUri === undefined || query.branchName === undefined
      ? Prisma.empty
      : Prisma.sql`AND EXISTS (
          SELECT 1 FROM tracked_branches tb JOIN branches b ON b.id = tb.branch_id
           WHERE tb.implementation_id = i.id AND b.team_id = ${teamId}::uuid
             AND b.repo_uri = ${query.repoUri} AND b.branch_name = ${query.branchName})`;
  const candidates = Prisma.sql`
    SELECT i.id FROM implementations i JOIN products p ON p.id = i.product_id
     WHERE i.team_id = ${teamId}::uuid AND p.team_id = ${teamId}::uuid ${productFilter} ${branchFilter}`;
  const featureFilter =
    query.featureName === undefined
      ? Prisma.empty
      : Prisma.sql`AND EXISTS (
          SELECT 1 FROM chain c
            JOIN tracked_branches tb ON tb.implementation_id = c.impl_id
            JOIN specs s ON s.branch_id = tb.branch_id AND s.product_id = i.product_id
           WHERE c.root_id = i.id AND s.feature_name = ${query.featureName})`;
  const chain = query.featureName === undefined ? Prisma.empty : Prisma.sql`WITH RECURSIVE ${chainCte(candidates)}`;

  const rows = await db.$queryRaw<Row[]>`
    ${chain}
    SELECT i.id AS implementation_id, i.name AS implementation_name, p.name AS product_name
      FROM implementations i JOIN products p ON p.id = i.product_id
     WHERE i.id IN (${candidates}) ${featureFilter}
     ORDER BY ${query.productName === undefined ? Prisma.sql`p.name, i.name` : Prisma.sql`i.name`}, i.id`;

  return {
    ...(query.productName === undefined ? {} : { product_name: query.productName }),
    ...(query.repoUri === undefined ? {} : { repo_uri: query.repoUri, branch_name: query.branchName }),
    implementations: rows,
  };
}
