import { fromPrisma } from 'pg-boss';
import type { PrismaClient, Tx } from '../../../db/handles.js';
import type { JobRunner } from '../../../jobs/runner.js';
import { AppError, invalidRequest, unavailable } from '../../../lib/errors.js';
import { isPrefixedId, prefixedId } from '../../../lib/ids.js';
import { decodeCursor, encodeCursor } from '../../../lib/cursor.js';
import { findUnknownPipelineIds } from '../../pipelines/pipelines/store.js';
import { integrationDisabled, notConfigured, operationNotFound } from '../errors.js';
import { findOperationSettings, lockIntegrationRow } from '../settings/store.js';
import { publicRequest, toStoredPayload, type OperationRequest } from './payloads.js';
import { GIT_OPERATIONS_QUEUE, type GitOperationJob } from './queue.js';
import {
  countUnfinishedOperations,
  findTeamOperation,
  insertOperation,
  listTeamOperations,
  type OperationKind,
  type OperationRow,
  type OperationStatus,
} from './store.js';

// Submitting and reading operations. The operation row and its job are inserted
// in the same transaction: there is never a row without a job or a job without a row.
// A team has at most GIT_MAX_QUEUED_OPERATIONS unfinished operations (429 beyond).

interface EnqueueDeps {
  prisma: PrismaClient;
  jobs: JobRunner | null;
  /** Operations a team may have queued or running (GIT_MAX_QUEUED_OPERATIONS). */
  maxQueuedPerTeam: number;
}

/** A team at its cap waits for its oldest operations to finish; a few seconds is a fair first guess. */
const QUEUE_FULL_RETRY_SECONDS = 10;

interface SubmitOptions {
  /**
   * Read under the team's lock before anything is counted or inserted: an operation of the team that
   * already does what this one would (the webhook's auto_pull joins a queued pull of the branch),
   * returned instead of a new one. Concurrent submissions of the team wait for each other's lock, so
   * they cannot both miss it.
   */
  join?: (tx: Tx, branch: string) => Promise<OperationRow | null>;
}

export async function submitOperation(
  deps: EnqueueDeps,
  teamId: string,
  kind: OperationKind,
  request: OperationRequest,
  options: SubmitOptions = {},
): Promise<OperationRow> {
  if (!deps.jobs) throw unavailable('Background jobs are disabled on this server (JOBS=off); git operations cannot run');
  const config = await findOperationSettings(deps.prisma, teamId);
  if (!config) throw notConfigured();
  if (!config.enabled) throw integrationDisabled();
  const branch = request.branch ?? config.defaultBranch;
  if (kind === 'push' && 'pipeline_ids' in request && request.pipeline_ids) await checkPipelineIds(deps.prisma, teamId, request.pipeline_ids);
  if (kind === 'push' && 'create_pull_request' in request && request.create_pull_request && branch === config.defaultBranch) {
    throw invalidRequest('A pull request needs a branch other than the default branch', [
      { field: 'body.branch', issue: `is the default branch "${branch}"` },
    ]);
  }

  const id = prefixedId('gitop');
  const jobs = deps.jobs;
  const outcome = await deps.prisma.$transaction(async (tx) => {
    // The team's config row is locked so that concurrent submissions of one team count one after another.
    await lockIntegrationRow(tx, teamId);
    const joined = options.join ? await options.join(tx, branch) : null;
    if (joined) return { row: joined, created: false };
    const pending = await countUnfinishedOperations(tx, teamId);
    if (pending >= deps.maxQueuedPerTeam) {
      throw new AppError(429, 'rate_limited', `This team already has ${pending} git operations queued or running; retry when some have finished`, {
        retryAfter: QUEUE_FULL_RETRY_SECONDS,
      });
    }
    const created = await insertOperation(tx, { id, teamId, kind, branch, request: toStoredPayload(request, branch) });
    const job: GitOperationJob = { operationId: id, teamId };
    // Fair order between teams: a team's n-th waiting operation ranks behind every team's
    // (n-1)-th, so one team's backlog never runs ahead of another team's first operation.
    await jobs.enqueue(GIT_OPERATIONS_QUEUE, job, { singletonKey: teamId, priority: -pending, db: fromPrisma(tx) });
    return { row: created, created: true };
  });
  if (outcome.created) jobs.wake(GIT_OPERATIONS_QUEUE); // committed: no need to wait for the next poll
  return outcome.row;
}

/** Every named pipeline must belong to the team (deleted ones too: their file is removed). */
async function checkPipelineIds(prisma: PrismaClient, teamId: string, ids: string[]): Promise<void> {
  const missing = await findUnknownPipelineIds(prisma, teamId, ids);
  if (missing.length) {
    throw invalidRequest('Unknown pipeline ids', missing.slice(0, 20).map((id) => ({ field: 'body.pipeline_ids', issue: `${id} does not exist` })));
  }
}

export async function getOperation(prisma: PrismaClient, teamId: string, id: string): Promise<OperationRow> {
  const row = isPrefixedId('gitop', id) ? await findTeamOperation(prisma, teamId, id) : null;
  if (!row) throw operationNotFound();
  return row;
}

/** A page of operations without their `result` (never read: a page of large results would be read and sent whole). */
export async function listOperations(
  prisma: PrismaClient,
  teamId: string,
  query: { limit: number; cursor?: string; kind?: OperationKind; status?: OperationStatus },
): Promise<{ items: Omit<OperationRow, 'result'>[]; nextCursor: string | null }> {
  const after = query.cursor ? decodeCursor(query.cursor, 'gitop') : undefined;
  const rows = await listTeamOperations(prisma, teamId, { take: query.limit + 1, beforeId: after, kind: query.kind, status: query.status });
  const items = rows.slice(0, query.limit);
  return { items, nextCursor: rows.length > query.limit ? encodeCursor(items[items.length - 1]!.id) : null };
}

export function toOperationBody(row: OperationRow) {
  return { ...toOperationSummary(row), result: row.result };
}

export function toOperationSummary(row: Omit<OperationRow, 'result'>) {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    branch: row.branch,
    request: publicRequest(row.request),
    error: row.error,
    attempts: row.attempts,
    created_at: row.createdAt.toISOString(),
    started_at: row.startedAt?.toISOString() ?? null,
    finished_at: row.finishedAt?.toISOString() ?? null,
  };
}
