import type { Logger } from 'pino';
import { AppError } from '../../../lib/errors.js';
import { GitCommandError } from '../../../lib/git/run.js';
import { ProviderError } from '../../../lib/git/providers/http.js';
import type { JobRunner } from '../../../jobs/runner.js';
import type { GitDeps } from '../git-context.js';
import { finishOperation, loadOperation, startAttempt, TERMINAL} from './operation-store.js';
import { runPull } from './pull-job.js';
import { runPush } from './push-job.js';

// The queue that runs git operations. Policy `key_strict_fifo` keyed by team:
// one operation at a time per team, in submission order; teams run in parallel.
//
// Crash recovery: a worker that dies leaves its job `active`; its heartbeat stops,
// pg-boss fails the job at its next monitor pass (or at the latest expires it,
// GIT_OPERATION_EXPIRE_SECONDS) and retries it, and the handler simply runs the
// operation again (push and pull are idempotent, see their files). The handler
// never throws: on key_strict_fifo a *failed* job blocks its key, which would
// stall the team's queue (only a database outage can make it throw, and then a
// retry is what we want). Its last pg-boss attempt is reserved for giving up
// cleanly: the operation is marked failed with the reason.

export const GIT_OPERATIONS_QUEUE = 'git-operations';
/** Attempts that do work; pg-boss gets one more, used only to record the failure. */
const WORK_ATTEMPTS = 3;

export interface GitOperationJob {
  operationId: string;
  teamId: string;
}

export function defineGitOperationsQueue(jobs: JobRunner, deps: GitDeps): void {
  jobs.define<GitOperationJob>({
    name: GIT_OPERATIONS_QUEUE,
    policy: 'key_strict_fifo',
    retryLimit: WORK_ATTEMPTS,
    retryDelaySeconds: 1,
    expireInSeconds: deps.config.gitIntegration.operations.expireSeconds,
    heartbeatSeconds: deps.config.gitIntegration.operations.heartbeatSeconds,
    // Each team holds at most one worker (key_strict_fifo), so with more workers than busy
    // teams a newcomer starts at once; beyond that, priorities give fair order (service.ts).
    concurrency: deps.config.gitIntegration.operations.workers,
    handler: (data, context) => handleOperation(deps, data, context.retryCount, context.log),
  });
}

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
    if (op.kind === 'push') await runPush(deps, op);
    else await runPull(deps, op);
  } catch (error) {
    const message = safeMessage(error);
    log.warn({ operationId: op.id, kind: op.kind, error: message }, 'git operation failed');
    // Unexpected errors (ours, the database's) carry no git output or credentials; operators need them.
    if (!isExpected(error)) log.error({ operationId: op.id, err: error }, 'unexpected error in git operation');
    // If even this write fails (database gone), the error propagates and pg-boss retries the job.
    await finishOperation(deps.prisma, op.id, { status: 'failed', error: message });
    await deps.prisma.gitIntegrationConfig.updateMany({ where: { teamId: op.teamId }, data: { lastError: message } }).catch(() => undefined);
  }
}

/** Only messages we wrote or git/provider output that went through the sanitiser reach users. */
export function safeMessage(error: unknown): string {
  return isExpected(error) ? (error as Error).message : 'Internal error while running the git operation';
}

function isExpected(error: unknown): boolean {
  return error instanceof GitCommandError || error instanceof ProviderError || (error instanceof AppError && error.status < 500);
}
