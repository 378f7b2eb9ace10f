import type { JobRunner } from '../../../jobs/runner.js';
import type { GitDeps } from '../git-context.js';
import { handleOperation, WORK_ATTEMPTS } from './job.js';

// The queue that runs git operations. Policy `key_strict_fifo` keyed by team:
// one operation at a time per team, in submission order; teams run in parallel.
// Its job carries only ids: the request itself is the operation row's (payloads.ts).

export const GIT_OPERATIONS_QUEUE = 'git-operations';

export interface GitOperationJob {
  operationId: string;
  teamId: string;
}

export function defineGitOperationsQueue(jobs: JobRunner, deps: GitDeps): void {
  const { operations } = deps.config.gitIntegration;
  jobs.define<GitOperationJob>({
    name: GIT_OPERATIONS_QUEUE,
    policy: 'key_strict_fifo',
    retryLimit: WORK_ATTEMPTS,
    retryDelaySeconds: 1,
    expireInSeconds: operations.expireSeconds,
    heartbeatSeconds: operations.heartbeatSeconds,
    // Each team holds at most one worker (key_strict_fifo), so with more workers than busy
    // teams a newcomer starts at once; beyond that, priorities give fair order (service.ts).
    concurrency: operations.workers,
    handler: (data, context) => handleOperation(deps, data, context.retryCount, context.log),
  });
}
