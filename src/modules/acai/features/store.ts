import { Prisma } from '../../../generated/prisma/client.js';
import { isObject } from '../../../lib/is-object.js';
import type { Sql } from '../../../db/handles.js';
import { branchArrays, chainArrays, type ImplementationContext } from '../domain/inheritance.js';

// Canonical resolution of specs, states and refs for one implementation, over specs,
// feature_impl_states and feature_branch_refs (feature-context.RESOLUTION,
// implementation-features.DISCOVERY). Each loader is one set-based statement over the chain:
// the nearest depth that has data wins; states and refs are keyed by feature_name, specs also
// by product.

export interface CanonicalSpec {
  featureName: string;
  description: string | null;
  lastSeenCommit: string;
  requirements: Record<string, unknown>;
  depth: number;
  /** Branches of the source implementation that hold this feature's spec, sorted. */
  branchNames: string[];
}

interface CanonicalSpecRow {
  feature_name: string;
  feature_description: string | null;
  last_seen_commit: string;
  requirements: unknown;
  depth: number;
  branch_names: string[];
}

const featureFilter = (column: Prisma.Sql, names: string | string[] | undefined): Prisma.Sql =>
  names === undefined
    ? Prisma.empty
    : typeof names === 'string'
      ? Prisma.sql`AND ${column} = ${names}`
      : Prisma.sql`AND ${column} = ANY(${names}::text[])`;

/**
 * The canonical spec of each feature (or of the given ones) in the context's product: the
 * nearest implementation whose tracked branches hold it, then the newest `updated_at`, then
 * the smallest branch name (feature-context.RESOLUTION.2/3/8).
 */
export async function loadCanonicalSpecs(
  db: Sql,
  context: ImplementationContext,
  featureNames?: string | string[],
): Promise<Map<string, CanonicalSpec>> {
  const branches = branchArrays(context);
  if (branches.ids.length === 0) return new Map();
  const rows = await db.$queryRaw<CanonicalSpecRow[]>`
    WITH candidates AS (
      SELECT s.id, s.feature_name, s.feature_description, s.last_seen_commit, s.requirements, s.updated_at,
             cb.depth, b.branch_name
        FROM specs s
        JOIN unnest(${branches.ids}::uuid[], ${branches.depths}::int[]) AS cb(branch_id, depth) ON cb.branch_id = s.branch_id
        JOIN branches b ON b.id = s.branch_id
       WHERE s.product_id = ${context.product.id}::uuid ${featureFilter(Prisma.sql`s.feature_name`, featureNames)}
    )
    SELECT DISTINCT ON (feature_name)
           feature_name, feature_description, last_seen_commit, requirements, depth,
           array_agg(branch_name) OVER (PARTITION BY feature_name, depth) AS branch_names
      FROM candidates
     ORDER BY feature_name, depth, updated_at DESC, branch_name, id`;
  return new Map(
    rows.map((row) => [
      row.feature_name,
      {
        featureName: row.feature_name,
        description: row.feature_description,
        lastSeenCommit: row.last_seen_commit,
        requirements: isObject(row.requirements) ? row.requirements : {},
        depth: row.depth,
        branchNames: [...new Set(row.branch_names)].sort(),
      },
    ]),
  );
}

export interface ResolvedStates {
  states: Record<string, unknown>;
  depth: number;
}

/**
 * The nearest `feature_impl_states` row of each feature along the chain. A local row stops
 * inheritance even when its map is empty (feature-context.RESOLUTION.4/6).
 */
export async function loadResolvedStates(
  db: Sql,
  context: ImplementationContext,
  featureNames: string | string[],
): Promise<Map<string, ResolvedStates>> {
  const chain = chainArrays(context);
  const rows = await db.$queryRaw<{ feature_name: string; states: unknown; depth: number }[]>`
    SELECT DISTINCT ON (f.feature_name) f.feature_name, f.states, ch.depth
      FROM feature_impl_states f
      JOIN unnest(${chain.ids}::uuid[], ${chain.depths}::int[]) AS ch(impl_id, depth) ON ch.impl_id = f.implementation_id
     WHERE true ${featureFilter(Prisma.sql`f.feature_name`, featureNames)}
     ORDER BY f.feature_name, ch.depth`;
  return new Map(rows.map((row) => [row.feature_name, { states: isObject(row.states) ? row.states : {}, depth: row.depth }]));
}

export interface RefBucket {
  branchName: string;
  repoUri: string;
  refs: Record<string, unknown>;
}

export interface ResolvedRefs {
  depth: number;
  buckets: RefBucket[];
}

/**
 * The refs of one feature: every bucket on the nearest chain depth whose tracked branches have
 * any (feature-context.RESOLUTION.5). Refs are product-blind (RESOLUTION.10).
 */
export async function loadResolvedRefs(
  db: Sql,
  context: ImplementationContext,
  featureName: string,
): Promise<ResolvedRefs | null> {
  const branches = branchArrays(context);
  if (branches.ids.length === 0) return null;
  const rows = await db.$queryRaw<{ refs: unknown; depth: number; branch_name: string; repo_uri: string }[]>`
    WITH buckets AS (
      SELECT r.refs, cb.depth, b.branch_name, b.repo_uri
        FROM feature_branch_refs r
        JOIN unnest(${branches.ids}::uuid[], ${branches.depths}::int[]) AS cb(branch_id, depth) ON cb.branch_id = r.branch_id
        JOIN branches b ON b.id = r.branch_id
       WHERE r.feature_name = ${featureName}
    )
    SELECT refs, depth, branch_name, repo_uri FROM buckets
     WHERE depth = (SELECT min(depth) FROM buckets)
     ORDER BY branch_name, repo_uri`;
  if (rows.length === 0) return null;
  return {
    depth: rows[0]!.depth,
    buckets: rows.map((row) => ({
      branchName: row.branch_name,
      repoUri: row.repo_uri,
      refs: isObject(row.refs) ? row.refs : {},
    })),
  };
}

export interface RefCounts {
  depth: number;
  refs: number;
  testRefs: number;
}

/** Ref counts per feature at each feature's nearest depth with refs (implementation-features.DISCOVERY.5). */
export async function loadRefCounts(
  db: Sql,
  context: ImplementationContext,
  featureNames: string[],
): Promise<Map<string, RefCounts>> {
  const branches = branchArrays(context);
  if (branches.ids.length === 0 || featureNames.length === 0) return new Map();
  const rows = await db.$queryRaw<{ feature_name: string; depth: number; refs: number; test_refs: number }[]>`
    WITH buckets AS (
      SELECT r.feature_name, r.refs, cb.depth, min(cb.depth) OVER (PARTITION BY r.feature_name) AS nearest
        FROM feature_branch_refs r
        JOIN unnest(${branches.ids}::uuid[], ${branches.depths}::int[]) AS cb(branch_id, depth) ON cb.branch_id = r.branch_id
       WHERE r.feature_name = ANY(${featureNames}::text[])
    )
    SELECT k.feature_name, min(k.depth)::int AS depth,
           (count(ref) FILTER (WHERE ref->'is_test' IS DISTINCT FROM 'true'::jsonb))::int AS refs,
           (count(ref) FILTER (WHERE ref->'is_test' = 'true'::jsonb))::int AS test_refs
      FROM buckets k
      LEFT JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(k.refs) = 'object' THEN k.refs ELSE '{}'::jsonb END) AS e(acid, list) ON true
      LEFT JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(e.list) = 'array' THEN e.list ELSE '[]'::jsonb END) AS ref ON true
     WHERE k.depth = k.nearest
     GROUP BY k.feature_name`;
  return new Map(rows.map((row) => [row.feature_name, { depth: row.depth, refs: row.refs, testRefs: row.test_refs }]));
}

