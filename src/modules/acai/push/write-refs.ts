import { uuidv7 } from '../../../lib/ids.js';
import type { PushSql } from './sql.js';
import type { RefBuckets } from './plan.js';

/**
 * Every touched (branch, feature) refs bucket in one statement (WRITE_REFS.1), whether or not
 * a spec or an implementation exists (REFS.3, WRITE_REFS.2-3). Without override, incoming ACID
 * keys replace theirs and the others stay (REFS.5); with override the bucket is replaced
 * (REFS.6). A bucket whose refs and commit would not change is left alone.
 */
export async function writeRefs(db: PushSql, branchId: string, buckets: RefBuckets, override: boolean, commit: string, now: Date): Promise<void> {
  if (buckets.size === 0) return;
  const payload = JSON.stringify([...buckets].map(([feature_name, refs]) => ({ id: uuidv7(), feature_name, refs })));
  await db.$queryPrepared`
    INSERT INTO feature_branch_refs AS r (id, branch_id, feature_name, refs, commit, pushed_at, created_at, updated_at)
    SELECT x.id, ${branchId}::uuid, x.feature_name, x.refs, ${commit}, ${now}, ${now}, ${now}
      FROM jsonb_to_recordset(${payload}::jsonb) AS x(id uuid, feature_name text, refs jsonb)
    ON CONFLICT (branch_id, feature_name) DO UPDATE
       SET refs = CASE WHEN ${override}::boolean OR jsonb_typeof(r.refs) <> 'object' THEN EXCLUDED.refs ELSE r.refs || EXCLUDED.refs END,
           commit = EXCLUDED.commit, pushed_at = EXCLUDED.pushed_at, updated_at = EXCLUDED.updated_at
     WHERE (r.refs, r.commit) IS DISTINCT FROM
           (CASE WHEN ${override}::boolean OR jsonb_typeof(r.refs) <> 'object' THEN EXCLUDED.refs ELSE r.refs || EXCLUDED.refs END, EXCLUDED.commit)`;
}
