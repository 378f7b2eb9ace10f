import { rawSql } from '../../../db/raw-sql.js';
import { pushDigest } from './digest.js';
import type { PushPlan } from './plan.js';
import {
  findReplay,
  lockKey,
  pushTransaction,
  recordPushStatement,
  upsertBranch,
  writeRefs,
  writeSpecs,
  type PushDatabase,
} from './store.js';
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

export interface PushAuth {
  /** Whether the token holds impls:write (part of the digest: it decides what a push may create). */
  mayWriteImpls: boolean;
  /** Throws 403 unless the token may create or link implementations (AUTH.4). */
  requireImplsWrite: () => void;
}

/**
 * POST /push. An identical push on unchanged data is answered from one read with no lock and no
 * write (findReplay): the stored answer of this branch's last push, when its digest matches and
 * the team's data version has not moved since.
 *
 * Otherwise ONE transaction (push.TX.1): any rejection rolls back the branch, product,
 * implementation, specs and refs alike. The first statement takes a transaction-scoped lock
 * on (team, repo, branch), so concurrent pushes to one branch run one after the other and the
 * second sees the branch and implementation the first created (TX.2, last write wins).
 * The number of statements does not depend on the number of specs, requirements or refs.
 */
export async function push(db: PushDatabase, teamId: string, plan: PushPlan, auth: PushAuth): Promise<PushResult> {
  const digest = pushDigest(plan, auth.mayWriteImpls);
  const seen = await findReplay<PushResult>(rawSql(db.pool, db), teamId, plan, digest);
  if (seen.response) return seen.response;

  const now = new Date();
  return pushTransaction(db, lockKey(teamId, plan.repoUri, plan.branchName), async (tx, literal) => {
    const branch = await upsertBranch(tx, teamId, plan, now);
    const implementation = await resolvePushImplementation(tx, { teamId, branchId: branch.id, plan, now, requireImplsWrite: auth.requireImplsWrite });

    let counts = { created: 0, updated: 0 };
    if (plan.hasSpecs) {
      // A spec push always has an implementation context, hence a product.
      counts = await writeSpecs(tx, branch.id, implementation!.productId, plan.specs, now);
    }
    const refsWritten = await writeRefs(tx, branch.id, plan.refs, plan.override, plan.commitHash, now);
    const warnings = [...commitWarnings(plan), ...requirementWarnings(plan), ...(await refWarnings(tx, branch.id, implementation, plan))];

    const result: PushResult = {
      branch_id: branch.id,
      implementation_id: implementation?.id ?? null,
      implementation_name: implementation?.name ?? null,
      product_name: implementation?.productName ?? null,
      specs_created: counts.created,
      specs_updated: counts.updated,
      warnings: capWarnings(warnings),
    };
    const wrote = branch.written || implementation?.linkedNow === true || counts.created + counts.updated > 0 || refsWritten > 0;
    // Once this push has committed, the same push again writes nothing and finds everything as this one left it.
    const replay: PushResult = { ...result, specs_created: 0, specs_updated: 0 };
    const lastStatement = recordPushStatement(literal, { teamId, branchId: branch.id, digest, seenVersion: seen.version, wrote, replay, now });
    return { result, lastStatement };
  });
}
