import { uuidv7 } from '../../../lib/ids.js';
import { lockKey, pushTransaction, type PushDatabase, type PushSql } from './sql.js';
import type { PushPlan } from './plan.js';
import { resolveImplementation } from './resolve-implementation.js';
import { writeSpecs } from './write-specs.js';
import { writeRefs } from './write-refs.js';
import { capWarnings, commitWarnings, refWarnings, requirementWarnings } from './warnings.js';

export interface PushResult {
  branch_id: string;
  implementation_id: string | null;
  implementation_name: string | null;
  product_name: string | null;
  specs_created: number;
  specs_updated: number;
  warnings: string[];
}

/**
 * POST /push as ONE transaction (push.TX.1): any rejection rolls back the branch, product,
 * implementation, specs and refs alike. The first statement takes a transaction-scoped lock
 * on (team, repo, branch), so concurrent pushes to one branch run one after the other and the
 * second sees the branch and implementation the first created (TX.2, last write wins).
 * The number of statements does not depend on the number of specs, requirements or refs.
 */
export async function push(db: PushDatabase, teamId: string, plan: PushPlan, requireImplsWrite: () => void): Promise<PushResult> {
  const now = new Date();
  return pushTransaction(db, lockKey(teamId, plan.repoUri, plan.branchName), async (tx) => {
    const branchId = await upsertBranch(tx, teamId, plan, now);
    const implementation = await resolveImplementation(tx, { teamId, branchId, plan, now, requireImplsWrite });

    let counts = { created: 0, updated: 0 };
    if (plan.hasSpecs) {
      // A spec push always has an implementation context, hence a product.
      counts = await writeSpecs(tx, branchId, implementation!.productId, plan.specs, now);
    }
    await writeRefs(tx, branchId, plan.refs, plan.override, plan.commitHash, now);
    const warnings = [...commitWarnings(plan), ...requirementWarnings(plan), ...(await refWarnings(tx, branchId, implementation, plan))];

    return {
      branch_id: branchId,
      implementation_id: implementation?.id ?? null,
      implementation_name: implementation?.name ?? null,
      product_name: implementation?.productName ?? null,
      specs_created: counts.created,
      specs_updated: counts.updated,
      warnings: capWarnings(warnings),
    };
  });
}

/** Branch get-or-create by (team, repo_uri, branch_name), recording the pushed commit (REQUEST.3-note); unchanged rows are not rewritten. */
async function upsertBranch(db: PushSql, teamId: string, plan: PushPlan, now: Date): Promise<string> {
  const rows = await db.$queryPrepared<{ id: string }[]>`
    WITH upserted AS (
      INSERT INTO branches AS b (id, team_id, repo_uri, branch_name, last_seen_commit, created_at, updated_at)
      VALUES (${uuidv7()}::uuid, ${teamId}::uuid, ${plan.repoUri}, ${plan.branchName}, ${plan.commitHash}, ${now}, ${now})
      ON CONFLICT (team_id, repo_uri, branch_name) DO UPDATE
         SET last_seen_commit = EXCLUDED.last_seen_commit, updated_at = EXCLUDED.updated_at
       WHERE b.last_seen_commit IS DISTINCT FROM EXCLUDED.last_seen_commit
      RETURNING id
    )
    SELECT id FROM upserted
    UNION ALL
    SELECT id FROM branches WHERE team_id = ${teamId}::uuid AND repo_uri = ${plan.repoUri} AND branch_name = ${plan.branchName}
    LIMIT 1`;
  return rows[0]!.id;
}
