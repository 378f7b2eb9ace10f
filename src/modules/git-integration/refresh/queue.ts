import type { JobRunner } from '../../../jobs/runner.js';
import type { GitDeps } from '../git-context.js';
import { refreshRemoteView } from './job.js';

// Background refresh of a team's remote view (fetch, then how far the remote is ahead of the
// last sync). Policy `stately` keyed by team: at most one refresh running and one waiting per
// team across every instance, so a burst of reads or webhooks costs at most two fetches.

export const GIT_REMOTE_REFRESH_QUEUE = 'git-remote-refresh';

export interface RemoteRefreshJob {
  teamId: string;
}

export function defineRemoteRefreshQueue(jobs: JobRunner, deps: GitDeps): void {
  const { operations } = deps.config.gitIntegration;
  jobs.define<RemoteRefreshJob>({
    name: GIT_REMOTE_REFRESH_QUEUE,
    policy: 'stately',
    // A failed refresh is recorded and retried by the next stale read, not by pg-boss.
    retryLimit: 0,
    expireInSeconds: Math.max(60, Math.ceil((operations.networkTimeoutMs * 3) / 1000)),
    concurrency: operations.workers,
    handler: (data, context) => refreshRemoteView(deps, data.teamId, context.log),
  });
}
