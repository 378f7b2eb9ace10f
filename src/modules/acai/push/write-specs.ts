import { uuidv7 } from '../../../lib/ids.js';
import type { PushSql } from './sql.js';
import type { SpecRow } from './plan.js';

/**
 * All specs of a push in one statement (INSERT_SPEC, UPDATE_SPEC): a new (branch, product,
 * feature) inserts, an existing one is overwritten whole (UPDATE_SPEC.3) keeping its id
 * (SPEC_IDENTITY.1), and an unchanged one is not touched at all (IDEMPOTENCY.1).
 */
export async function writeSpecs(db: PushSql, branchId: string, productId: string, specs: SpecRow[], now: Date) {
  if (specs.length === 0) return { created: 0, updated: 0 };
  const payload = JSON.stringify(specs.map((spec) => ({ id: uuidv7(), ...spec })));
  const rows = await db.$queryPrepared<{ inserted: boolean }[]>`
    INSERT INTO specs AS s (id, product_id, branch_id, path, last_seen_commit, parsed_at, feature_name, feature_description,
                            feature_version, raw_content, requirements, created_at, updated_at)
    SELECT x.id, ${productId}::uuid, ${branchId}::uuid, x.path, x.last_seen_commit, ${now}, x.feature_name, x.description,
           x.version, x.raw_content, x.requirements, ${now}, ${now}
      FROM jsonb_to_recordset(${payload}::jsonb)
        AS x(id uuid, feature_name text, description text, version text, path text, raw_content text, last_seen_commit text, requirements jsonb)
    ON CONFLICT (branch_id, product_id, feature_name) DO UPDATE
       SET path = EXCLUDED.path, last_seen_commit = EXCLUDED.last_seen_commit, parsed_at = EXCLUDED.parsed_at,
           feature_description = EXCLUDED.feature_description, feature_version = EXCLUDED.feature_version,
           raw_content = EXCLUDED.raw_content, requirements = EXCLUDED.requirements, updated_at = EXCLUDED.updated_at
     WHERE (s.path, s.last_seen_commit, s.feature_description, s.feature_version, s.raw_content, s.requirements)
           IS DISTINCT FROM
           (EXCLUDED.path, EXCLUDED.last_seen_commit, EXCLUDED.feature_description, EXCLUDED.feature_version, EXCLUDED.raw_content, EXCLUDED.requirements)
    RETURNING (xmax = 0) AS inserted`;
  const created = rows.filter((r) => r.inserted).length;
  return { created, updated: rows.length - created };
}
