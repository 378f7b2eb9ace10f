import { createHash } from 'node:crypto';
import { codeFingerprint } from '../../../lib/code-fingerprint.js';
import type { PushPlan } from './plan.js';

/**
 * The code's fingerprint: a replay stands for an answer (and, for the raw digest of raw-replay.ts,
 * an acceptance) of this exact code, so a deploy that changes the plan, the body schema, the caps'
 * rules, the scope checks or the warnings never serves an answer stored by the code before it.
 */
export const DIGEST_VERSION = codeFingerprint();

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
