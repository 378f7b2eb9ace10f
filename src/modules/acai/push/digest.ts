import { createHash } from 'node:crypto';
import type { PushPlan } from './plan.js';

/**
 * Bump when the plan's shape or meaning changes, or what the route accepts (the body schema, the
 * caps' rules, the scope checks): the raw digest (raw-replay.ts) stands for a body the full path
 * accepted, so no replay stored before may answer a push after.
 */
export const DIGEST_VERSION = 1;

/**
 * SHA-256 of everything a push's answer depends on besides the stored data: the plan (branch,
 * commit, product, implementation names, specs, refs, override) and whether the token may
 * create implementations. Two pushes with the same digest on the same data get the same answer.
 */
export function pushDigest(plan: PushPlan, mayWriteImpls: boolean): Buffer {
  const canonical = JSON.stringify([
    DIGEST_VERSION,
    mayWriteImpls,
    plan.repoUri,
    plan.branchName,
    plan.commitHash,
    plan.productName,
    plan.targetImplName,
    plan.parentImplName,
    plan.override,
    plan.specs,
    [...plan.refs],
  ]);
  return createHash('sha256').update(canonical).digest();
}
