import type { Logger } from 'pino';
import { isExpected, safeMessage } from '../errors.js';
import { withTeamClone, type GitDeps } from '../git-context.js';
import { recordLastError } from '../settings/store.js';
import { pullPayload, pushPayload } from './payloads.js';
import type { GitOperationJob } from './queue.js';
import { finishOperation, loadOperation, startAttempt, TERMINAL } from './store.js';
import { runPull } from './pull-job.js';
import { runPush } from './push-job.js';

// The job handler of a push or pull (queue.ts): loads the operation, parses its stored
// request (payloads.ts) and runs it (push-job.ts, pull-job.ts).
//
// Crash recovery: a worker that dies leaves its job `active`; its heartbeat stops,
// pg-boss fails the job at its next monitor pass (or at the latest expires it,
// GIT_OPERATION_EXPIRE_SECONDS) and retries it, and the handler simply runs the
// operation again (push and pull are idempotent, see their files). The handler
// never throws: on key_strict_fifo a *failed* job blocks its key, which would
// stall the team's queue (only a database outage can make it throw, and then a
// retry is what we want). Its last pg-boss attempt is reserved for giving up
// cleanly: the operation is marked failed with the reason.

/** Attempts that do work; pg-boss gets one more, used only to record the failure. */
export const WORK_ATTEMPTS = 3;

export async function handleOperation(deps: GitDeps, data: GitOperationJob, retryCount: number, log: Logger): Promise<void> {
  const op = await loadOperation(deps.prisma, data.operationId);
  if (!op || TERMINAL.includes(op.status)) return;
  if (retryCount >= WORK_ATTEMPTS) {
    const reason = `The operation was interrupted ${op.attempts} time(s) (server restart or timeout) and was abandoned`;
    await finishOperation(deps.prisma, op.id, { status: 'failed', error: reason });
    log.warn({ operationId: op.id }, 'git operation abandoned after repeated interruptions');
    return;
  }
  if (!(await startAttempt(deps.prisma, op.id))) return;
  if (op.status === 'running') log.info({ operationId: op.id, attempts: op.attempts }, 'resuming interrupted git operation');

  try {
    await withTeamClone(deps.config, op.teamId, () =>
      op.kind === 'push' ? runPush(deps, op, pushPayload.parse(op.request)) : runPull(deps, op, pullPayload.parse(op.request)),
    );
  } catch (error) {
    const message = safeMessage(error);
    log.warn({ operationId: op.id, kind: op.kind, error: message }, 'git operation failed');
    // Unexpected errors (ours, the database's) carry no git output or credentials; operators need them.
    if (!isExpected(error)) log.error({ operationId: op.id, err: error }, 'unexpected error in git operation');
    // If even this write fails (database gone), the error propagates and pg-boss retries the job.
    await finishOperation(deps.prisma, op.id, { status: 'failed', error: message });
    await recordLastError(deps.prisma, op.teamId, message).catch(() => undefined);
  }
}

