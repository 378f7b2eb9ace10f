import { lockKey, pushTransaction, upsertBranch, writeRefs, writeSpecs, type PushDatabase } from './store.js';
import type { PushPlan } from './plan.js';
import { resolvePushImplementation } from './implementation.js';
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
    const implementation = await resolvePushImplementation(tx, { teamId, branchId, plan, now, requireImplsWrite });

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
