import { Prisma } from '../../../generated/prisma/client.js';
import { notFound } from '../../../lib/errors.js';

// Implementations form chains through parent_implementation_id (prod <- dev <- feature ...).
// Specs, states and refs of an implementation fall back to the nearest ancestor that has
// them. Everything here walks the chain with one recursive CTE, never a query per level.

/** Anything that runs tagged-template SQL: the Prisma client or a transaction client. */
export type SqlRunner = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

/** Deeper chains are treated as cut there; real chains are 3-4 levels (data-model.INHERITANCE.5). */
export const MAX_CHAIN_DEPTH = 32;

export interface ChainLink {
  id: string;
  name: string;
  /** 0 for the implementation itself, 1 for its parent, ... */
  depth: number;
}

export interface ChainBranch {
  branchId: string;
  branchName: string;
  repoUri: string;
  /** Depth of the nearest implementation in the chain that tracks this branch. */
  depth: number;
}

export interface ImplementationContext {
  teamId: string;
  product: { id: string; name: string };
  implementation: { id: string; name: string };
  /** The implementation first, then its ancestors in the same product, nearest first. */
  chain: ChainLink[];
  /** Every branch tracked by some implementation of the chain. */
  branches: ChainBranch[];
}

/**
 * Recursive CTE `chain(root_id, impl_id, impl_name, depth)` over the ancestors of every
 * implementation selected by `roots` (a query returning `id`), within each root's product.
 * The visited path guards against cycles.
 */
export function chainCte(roots: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`chain(root_id, impl_id, impl_name, parent_id, product_id, depth, path) AS (
      SELECT i.id, i.id, i.name, i.parent_implementation_id, i.product_id, 0, ARRAY[i.id]
        FROM implementations i
       WHERE i.id IN (${roots})
      UNION ALL
      SELECT c.root_id, p.id, p.name, p.parent_implementation_id, p.product_id, c.depth + 1, c.path || p.id
        FROM chain c
        JOIN implementations p ON p.id = c.parent_id AND p.product_id = c.product_id
       WHERE NOT p.id = ANY(c.path) AND c.depth < ${MAX_CHAIN_DEPTH}
    )`;
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

/**
 * Finds the implementation `implementationName` of product `productName` in the team
 * (names match case-insensitively, an exact spelling wins) and loads its ancestor chain
 * and every branch the chain tracks, in one statement. Throws a 404 that says which
 * part was not found.
 */
export async function resolveImplementation(
  db: SqlRunner,
  teamId: string,
  productName: string,
  implementationName: string,
): Promise<ImplementationContext> {
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

  if (rows.length === 0) throw await notFoundDetail(db, teamId, productName, implementationName);

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

/** Only on the error path: tells apart an unknown product from an unknown implementation. */
async function notFoundDetail(db: SqlRunner, teamId: string, productName: string, implementationName: string) {
  const products = await db.$queryRaw<{ name: string }[]>`
    SELECT name FROM products WHERE team_id = ${teamId}::uuid AND lower(name) = lower(${productName}) LIMIT 1`;
  if (products.length === 0) return notFound(`Product '${productName}' not found`);
  return notFound(`Implementation '${implementationName}' not found in product '${products[0]!.name}'`);
}

/** The chain's branch ids and depths as two parallel arrays, for `unnest(...)` in SQL. */
export function branchArrays(context: ImplementationContext): { ids: string[]; depths: number[] } {
  return { ids: context.branches.map((b) => b.branchId), depths: context.branches.map((b) => b.depth) };
}

/** The chain's implementation ids and depths as two parallel arrays, for `unnest(...)` in SQL. */
export function chainArrays(context: ImplementationContext): { ids: string[]; depths: number[] } {
  return { ids: context.chain.map((l) => l.id), depths: context.chain.map((l) => l.depth) };
}

export function linkAt(context: ImplementationContext, depth: number): ChainLink {
  return context.chain.find((l) => l.depth === depth) ?? context.chain[0]!;
}
