import { unprocessable } from '../../../lib/errors.js';
import { pushDigest } from './digest.js';
import type { PushPlan } from './plan.js';
import { findReplay, lockKey, pushTransaction, type PushDatabase } from './store.js';
import { contextStatement, type PushContext } from './context.js';
import { alreadyTracks, decideImplementation, type ImplementationDecision } from './implementation.js';
import { IMPLEMENTATION_NAME_TAKEN, REPOSITORY_TRACKED, writeStatement } from './write.js';
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

/** A body that missed its raw-digest lookup (raw-replay.ts): its digest, and the team's data version that read saw. */
export interface RawMiss {
  digest: Buffer;
  version: string;
}

export interface PushAuth {
  /** Whether the token holds impls:write (part of the digest: it decides what a push may create). */
  mayWriteImpls: boolean;
  /** Throws 403 unless the token may create or link implementations (AUTH.4). */
  requireImplsWrite: () => void;
}

/**
 * POST /push, in at most three round trips whatever its size. An identical push on unchanged
 * data is answered from the first, one read with no lock and no write (findReplay): the stored
 * answer of this branch's last push, when its digest matches and the team's data version has not
 * moved since. A large body was looked up by its raw digest before it was parsed (raw-replay.ts):
 * that read's version stands in for this one, so a push that changes something still takes three
 * round trips; a re-formatted copy of a large push then takes the full path, which writes no row.
 *
 * Otherwise ONE transaction (push.TX.1) of two round trips: any rejection rolls back the branch,
 * product, implementation, specs and refs alike. The first takes a transaction-scoped lock on
 * (team, repo, branch), so concurrent pushes to one branch run one after the other and the second
 * sees the branch and implementation the first created (TX.2, last write wins); then upserts the
 * branch and reads everything the decisions need (context.ts). The implementation and the
 * warnings are decided here, and the second round trip writes it all in one statement with COMMIT
 * (write.ts).
 */
export async function push(db: PushDatabase, teamId: string, plan: PushPlan, auth: PushAuth, raw: RawMiss | null = null): Promise<PushResult> {
  const digest = pushDigest(plan, auth.mayWriteImpls);
  const seen = raw ? { version: raw.version, response: null } : await findReplay<PushResult>(db.sql, teamId, plan, digest);
  if (seen.response) return seen.response;

  const now = new Date();
  return pushTransaction(db, lockKey(teamId, plan.repoUri, plan.branchName), async (connection) => {
    const [ctx] = await connection.open<PushContext>(contextStatement(teamId, plan, now));
    const { branch } = ctx!;
    const decision = decideImplementation(ctx!, plan, auth.requireImplsWrite);
    const implementation = decision.implementation;
    const warnings = [
      ...commitWarnings(plan),
      ...requirementWarnings(plan),
      ...refWarnings(plan, ctx!.definitions, decision.chainOf, implementation?.name ?? null),
    ];
    const answer = (specsCreated: number, specsUpdated: number): PushResult => ({
      branch_id: branch.id,
      implementation_id: implementation?.id ?? null,
      implementation_name: implementation?.name ?? null,
      product_name: implementation?.productName ?? null,
      specs_created: specsCreated,
      specs_updated: specsUpdated,
      warnings: capWarnings(warnings),
    });
    const statement = writeStatement({
      teamId,
      branchId: branch.id,
      plan,
      now,
      newProduct: decision.newProduct,
      productId: implementation?.productId ?? null,
      newImplementation: decision.newImplementation,
      linkId: decision.linkId,
      wroteBefore: branch.written || decision.linkId !== null,
      digest,
      rawDigest: raw?.digest ?? null,
      seenVersion: seen.version,
      // Once this push has committed, the same push again writes nothing and finds everything as this one left it.
      replay: answer(0, 0),
    });
    const [counts] = await connection.commit<{ created: number; updated: number }>(statement).catch((error: unknown) => {
      throw conflict(error, decision, plan) ?? error;
    });
    return answer(counts!.created, counts!.updated);
  });
}

/**
 * A concurrent push to another branch can take the new implementation's name, or link the
 * implementation to another branch of the repository, between the context read and the write:
 * the write then breaks a unique constraint, answered as the same rejection as when the context
 * read had seen it.
 */
function conflict(error: unknown, decision: ImplementationDecision, plan: PushPlan): Error | null {
  const { code, constraint } = error as { code?: string; constraint?: string };
  if (code !== '23505') return null;
  if (constraint === IMPLEMENTATION_NAME_TAKEN && decision.nameTaken) return unprocessable(decision.nameTaken);
  if (constraint === REPOSITORY_TRACKED && decision.implementation) return unprocessable(alreadyTracks(decision.implementation.name, plan.repoUri));
  return null;
}
