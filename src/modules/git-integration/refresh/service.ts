import type { JobRunner } from '../../../jobs/runner.js';
import type { RefreshDeps } from '../git-context.js';
import { hasUnfinishedOperation } from '../operations/store.js';
import { readRemoteCheckedAt } from '../settings/store.js';
import { GIT_REMOTE_REFRESH_QUEUE, type RemoteRefreshJob } from './queue.js';

// Asking for a fresh remote view. Reads never run git for it: they queue a refresh when the
// view is older than GIT_REMOTE_REFRESH_SECONDS (without waiting for the insert), or, with
// ?refresh=true, queue one and wait a bounded time for a view that started after the request.

/** How long ?refresh=true waits for the fresh view before answering with what there is. */
const REFRESH_WAIT_MS = 10_000;
const WAIT_POLL_MS = 150;
/** A waiting reader asks again at most this often (one queued refresh per team is kept anyway). */
const REASK_AFTER_MS = 1_000;
/** A process asks pg-boss at most this often per team (the queue keeps one waiting refresh anyway). */
const REQUEST_THROTTLE_MS = 2_000;

const lastRequests = new WeakMap<JobRunner, Map<string, number>>();

export async function requestRefresh(jobs: JobRunner, teamId: string): Promise<void> {
  await jobs.enqueue<RemoteRefreshJob>(GIT_REMOTE_REFRESH_QUEUE, { teamId }, { singletonKey: teamId });
  jobs.wake(GIT_REMOTE_REFRESH_QUEUE);
}

/** Queues a refresh now (the remote just changed); never fails the caller. */
export async function refreshNow(deps: RefreshDeps, teamId: string): Promise<void> {
  if (deps.jobs) await requestRefresh(deps.jobs, teamId).catch((error: unknown) => deps.log.warn({ teamId, err: error }, 'could not queue a remote refresh'));
}

/** Queues a refresh when the view is stale; never waits for it and never fails the caller. */
export function refreshIfStale(deps: RefreshDeps, teamId: string, checkedAt: Date | null, now = Date.now()): void {
  const jobs = deps.jobs;
  if (!jobs) return;
  if (checkedAt && now - checkedAt.getTime() < deps.staleAfterSeconds * 1000) return;
  let requests = lastRequests.get(jobs);
  if (!requests) lastRequests.set(jobs, (requests = new Map()));
  const last = requests.get(teamId);
  if (last !== undefined && now - last < Math.min(REQUEST_THROTTLE_MS, deps.staleAfterSeconds * 1000)) return;
  requests.set(teamId, now);
  requestRefresh(jobs, teamId).catch((error: unknown) => deps.log.warn({ teamId, err: error }, 'could not queue a remote refresh'));
}

/**
 * Queues a refresh and waits until one that started after this call has finished, or `timeoutMs`
 * passed. A refresh is skipped while a push or pull of the team is queued or running (it fetches
 * itself), so while none is, the refresh is asked for again: the wait ends soon after such an
 * operation does, not at the deadline.
 */
export async function awaitFreshView(deps: RefreshDeps, teamId: string, timeoutMs = REFRESH_WAIT_MS): Promise<void> {
  const jobs = deps.jobs;
  if (!jobs) return;
  const since = Date.now();
  await requestRefresh(jobs, teamId);
  let askedAt = since;
  const deadline = since + timeoutMs;
  while (Date.now() < deadline) {
    const checkedAt = await readRemoteCheckedAt(deps.prisma, teamId);
    if (checkedAt && checkedAt.getTime() >= since) return;
    if (Date.now() - askedAt >= REASK_AFTER_MS && !(await hasUnfinishedOperation(deps.prisma, teamId))) {
      askedAt = Date.now();
      await requestRefresh(jobs, teamId);
    }
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
  }
}
