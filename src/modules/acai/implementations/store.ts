import { Prisma } from '../../../generated/prisma/client.js';
import type { Sql } from '../../../db/handles.js';
import { MAX_CHAIN_DEPTH, type ChainBranch, type ChainLink, type ImplementationContext } from '../domain/inheritance.js';

// Reads of implementations, products and tracked_branches: the chain of one implementation
// with the branches it tracks, and the filtered lists of GET /implementations. (POST /push
// creates and links them, in push/write.ts.)

/**
 * Recursive CTE `chain(root_id, impl_id, impl_name, parent_id, product_id, depth, path)` over the
 * ancestors of every implementation selected by the roots query (one returning `id`), within each
 * root's product, nearest first (depth 0 is the root). The visited path guards against cycles.
 * The one definition of the inheritance walk: implementation lookups and lists here, the push's
 * context statement (push/context.ts, sent as text) and the dashboard's coverage matrix.
 */
const CHAIN_HEAD = `chain(root_id, impl_id, impl_name, parent_id, product_id, depth, path) AS (
      SELECT i.id, i.id, i.name, i.parent_implementation_id, i.product_id, 0, ARRAY[i.id]
        FROM implementations i
       WHERE i.id IN (`;
const CHAIN_TAIL = `)
      UNION ALL
      SELECT c.root_id, p.id, p.name, p.parent_implementation_id, p.product_id, c.depth + 1, c.path || p.id
        FROM chain c
        JOIN implementations p ON p.id = c.parent_id AND p.product_id = c.product_id
       WHERE NOT p.id = ANY(c.path) AND c.depth < ${MAX_CHAIN_DEPTH}
    )`;

/** The chain CTE for a tagged statement (the roots query may carry parameters). */
export function chainCte(roots: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`${Prisma.raw(CHAIN_HEAD)}${roots}${Prisma.raw(CHAIN_TAIL)}`;
}

/** The chain CTE for a statement kept as text (a named prepared statement); `roots` is trusted SQL text. */
export function chainCteText(roots: string): string {
  return CHAIN_HEAD + roots + CHAIN_TAIL;
}

interface ContextRow {
  product_id: string;
  product_name: string;
  impl_id: string;
  impl_name: string;
  depth: number;
  branch_id: string | null;
  branch_name: string | null;
  repo_uri: string | null;
}

/** What selectImplementationChain did not find: the product, or the implementation in it (its stored name). */
export type ChainMiss = { missing: 'product' } | { missing: 'implementation'; productName: string };

/**
 * Finds the implementation `implementationName` of product `productName` in the team
 * (names match case-insensitively, an exact spelling wins) and loads its ancestor chain
 * and every branch the chain tracks, in one statement. When there is none, says which
 * part was not found (the service turns that into the 404).
 */
export async function selectImplementationChain(
  db: Sql,
  teamId: string,
  productName: string,
  implementationName: string,
): Promise<ImplementationContext | ChainMiss> {
  const target = Prisma.sql`
    SELECT i.id FROM implementations i JOIN products p ON p.id = i.product_id
     WHERE p.team_id = ${teamId}::uuid AND i.team_id = ${teamId}::uuid
       AND lower(p.name) = lower(${productName}) AND lower(i.name) = lower(${implementationName})
     ORDER BY (p.name = ${productName}) DESC, (i.name = ${implementationName}) DESC, i.id
     LIMIT 1`;
  const rows = await db.$queryRaw<ContextRow[]>`
    WITH RECURSIVE ${chainCte(target)}
    SELECT p.id AS product_id, p.name AS product_name, c.impl_id, c.impl_name, c.depth,
           b.id AS branch_id, b.branch_name, b.repo_uri
      FROM chain c
      JOIN products p ON p.id = c.product_id
      LEFT JOIN tracked_branches tb ON tb.implementation_id = c.impl_id
      LEFT JOIN branches b ON b.id = tb.branch_id
     ORDER BY c.depth, b.branch_name, b.repo_uri`;

  if (rows.length === 0) return whichIsMissing(db, teamId, productName);

  const first = rows[0]!;
  const chain: ChainLink[] = [];
  const branches = new Map<string, ChainBranch>();
  for (const row of rows) {
    if (chain[chain.length - 1]?.id !== row.impl_id) chain.push({ id: row.impl_id, name: row.impl_name, depth: row.depth });
    if (row.branch_id && !branches.has(row.branch_id)) {
      branches.set(row.branch_id, {
        branchId: row.branch_id,
        branchName: row.branch_name!,
        repoUri: row.repo_uri!,
        depth: row.depth,
      });
    }
  }
  return {
    teamId,
    product: { id: first.product_id, name: first.product_name },
    implementation: { id: first.impl_id, name: first.impl_name },
    chain,
    branches: [...branches.values()],
  };
}

/** Only on the miss path: tells apart an unknown product from an unknown implementation. */
async function whichIsMissing(db: Sql, teamId: string, productName: string): Promise<ChainMiss> {
  const products = await db.$queryRaw<{ name: string }[]>`
    SELECT name FROM products WHERE team_id = ${teamId}::uuid AND lower(name) = lower(${productName}) LIMIT 1`;
  if (products.length === 0) return { missing: 'product' };
  return { missing: 'implementation', productName: products[0]!.name };
}

export interface ImplementationsQuery {
  productName?: string;
  repoUri?: string;
  branchName?: string;
  featureName?: string;
}

export interface ImplementationListRow {
  implementation_id: string;
  implementation_name: string;
  product_name: string;
}

/**
 * The team's implementations of one product, or across products tracking one exact branch;
 * optionally only those whose chain resolves a spec of `featureName` in their own product
 * (implementations.FILTERS.5/6). One statement.
 */
export async function findImplementations(db: Sql, teamId: string, query: ImplementationsQuery): Promise<ImplementationListRow[]> {
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

  return db.$queryRaw<ImplementationListRow[]>`
    ${chain}
    SELECT i.id AS implementation_id, i.name AS implementation_name, p.name AS product_name
      FROM implementations i JOIN products p ON p.id = i.product_id
     WHERE i.id IN (${candidates}) ${featureFilter}
     ORDER BY ${query.productName === undefined ? Prisma.sql`p.name, i.name` : Prisma.sql`i.name`}, i.id`;
}
