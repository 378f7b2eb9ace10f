import { Prisma } from '../../../generated/prisma/client.js';
import type { Sql } from '../../../db/handles.js';
import { chainCte } from '../../acai/implementations/store.js';
import { STATUS_VALUES } from '../../acai/domain/state.js';

// The coverage of a product in ONE statement: every active implementation, and for each the
// features its chain resolves a spec for, with requirement counts by resolved status. Resolution
// is acai's (feature-context.RESOLUTION): the nearest implementation of the chain whose tracked
// branches hold the feature's spec (then the newest, then the smallest branch name), and the
// nearest feature_impl_states row (a local row, even empty, stops inheritance). Deprecated
// requirements do not count. Status names are fixed (acai's), so the counts are columns.

export interface CoverageRow {
  product_id: string;
  product_name: string;
  impl_id: string | null;
  impl_name: string | null;
  parent_id: string | null;
  feature_name: string | null;
  spec_depth: number | null;
  states_from: string | null;
  states_depth: number | null;
  /** Requirements of the resolved spec (deprecated ones excluded); null where the feature has no spec. */
  total: number | null;
  /** `n_<status>`: how many have that resolved status (`n_none`: no status); a status of no known name counts in total only. */
  [count: `n_${string}`]: number | null;
}

/** The statuses counted per cell, `none` being no status. */
export const COUNTED_STATUSES = [...STATUS_VALUES, 'none'] as const;

export async function selectCoverage(db: Sql, teamId: string, productName: string, featureName?: string): Promise<CoverageRow[]> {
  const onlyFeature = (column: Prisma.Sql) => (featureName === undefined ? Prisma.empty : Prisma.sql`AND ${column} = ${featureName}`);
  return db.$queryRaw<CoverageRow[]>`
    WITH RECURSIVE
    product AS (
      SELECT id, name FROM products
       WHERE team_id = ${teamId}::uuid AND lower(name) = lower(${productName})
       ORDER BY (name = ${productName}) DESC, id LIMIT 1
    ),
    -- every active implementation of the product (root) with its ancestors in the product, nearest first
    ${chainCte(Prisma.sql`SELECT i.id FROM implementations i JOIN product p ON p.id = i.product_id WHERE i.team_id = ${teamId}::uuid AND i.is_active`)},
    chain_branches AS (
      SELECT c.root_id, tb.branch_id, min(c.depth) AS depth
        FROM chain c JOIN tracked_branches tb ON tb.implementation_id = c.impl_id
       GROUP BY c.root_id, tb.branch_id
    ),
    resolved_specs AS (
      SELECT DISTINCT ON (cb.root_id, s.feature_name) cb.root_id, s.feature_name, s.requirements, cb.depth
        FROM chain_branches cb
        JOIN specs s ON s.branch_id = cb.branch_id
        JOIN product p ON p.id = s.product_id
        JOIN branches b ON b.id = s.branch_id
       WHERE true ${onlyFeature(Prisma.sql`s.feature_name`)}
       ORDER BY cb.root_id, s.feature_name, cb.depth, s.updated_at DESC, b.branch_name, s.id
    ),
    resolved_states AS (
      SELECT DISTINCT ON (c.root_id, f.feature_name) c.root_id, f.feature_name, c.impl_name, c.depth,
             CASE WHEN jsonb_typeof(f.states) = 'object' THEN f.states ELSE '{}'::jsonb END AS states
        FROM chain c JOIN feature_impl_states f ON f.implementation_id = c.impl_id
       WHERE true ${onlyFeature(Prisma.sql`f.feature_name`)}
       ORDER BY c.root_id, f.feature_name, c.depth
    ),
    -- one row per (implementation, feature) with a spec; the counts come from a per-row aggregate
    -- over that spec's requirements (no grouping of the whole matrix)
    cells AS MATERIALIZED (
      SELECT sp.root_id, sp.feature_name, sp.depth AS spec_depth, st.impl_name AS states_from, st.depth AS states_depth, n.*
        FROM resolved_specs sp
        LEFT JOIN resolved_states st ON st.root_id = sp.root_id AND st.feature_name = sp.feature_name
        CROSS JOIN LATERAL (
          SELECT count(*)::int AS total,
                 ${Prisma.join(
                   COUNTED_STATUSES.map((status) => Prisma.sql`(count(*) FILTER (WHERE r.status = ${status}))::int AS ${Prisma.raw(`n_${status}`)}`),
                 )}
            FROM (
              SELECT COALESCE(st.states -> e.key ->> 'status', 'none') AS status
                FROM jsonb_each(CASE WHEN jsonb_typeof(sp.requirements) = 'object' THEN sp.requirements ELSE '{}'::jsonb END) AS e
               WHERE NOT (jsonb_typeof(e.value) = 'object'
                          AND COALESCE(e.value -> 'deprecated', e.value -> 'is_deprecated') = 'true'::jsonb)
            ) r
        ) n
    )
    SELECT p.id::text AS product_id, p.name AS product_name, i.id::text AS impl_id, i.name AS impl_name,
           i.parent_implementation_id::text AS parent_id, c.feature_name, c.spec_depth, c.states_from, c.states_depth,
           c.total, ${Prisma.join(COUNTED_STATUSES.map((status) => Prisma.raw(`c.n_${status}`)))}
      FROM product p
      LEFT JOIN implementations i ON i.product_id = p.id AND i.team_id = ${teamId}::uuid AND i.is_active
      LEFT JOIN cells c ON c.root_id = i.id
     ORDER BY i.name, i.id, c.feature_name`;
}
