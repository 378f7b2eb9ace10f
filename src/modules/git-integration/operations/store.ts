import type { Prisma } from '../../../generated/prisma/client.js';
import type { Db, RawSql, Tx } from '../../../db/handles.js';
import { canonicalJson, type PipelineContent } from '../pipeline-files.js';
import type { RemoteMeasure } from './remote-state.js';

// The operations feature's tables.
//
// git_operations: the state machine queued -> running -> succeeded | failed | conflict.
// Terminal states are final; a job that finds its operation terminal does nothing
// (that is what makes a retried job harmless).
//
// pipeline_sync_states: one row per pipeline holding the version last exchanged with git
// (the merge base); synced_commit is the commit where it last changed. Written set-based:
// one statement per call, whatever the number of pipelines.

export type OperationKind = 'push' | 'pull';
export type OperationStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'conflict';
export const TERMINAL: readonly OperationStatus[] = ['succeeded', 'failed', 'conflict'];

export interface OperationRow {
  id: string;
  teamId: string;
  kind: OperationKind;
  status: OperationStatus;
  branch: string;
  request: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  attempts: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** How many operations of each kind are in each status, all teams (the metrics' specsync_git_operations gauge). */
export async function countOperations(sql: RawSql): Promise<{ kind: OperationKind; status: OperationStatus; n: number }[]> {
  return sql.$queryRaw`SELECT kind::text, status::text, count(*)::int AS n FROM git_operations GROUP BY 1, 2`;
}

export async function loadOperation(db: Db, id: string): Promise<OperationRow | null> {
  return (await db.gitOperation.findUnique({ where: { id } })) as OperationRow | null;
}

/** Marks the operation running for one more attempt; false when it is already terminal. */
export async function startAttempt(db: Db, id: string): Promise<boolean> {
  const { count } = await db.gitOperation.updateMany({
    where: { id, status: { in: ['queued', 'running'] } },
    data: { status: 'running', attempts: { increment: 1 }, startedAt: new Date() },
  });
  return count > 0;
}

export async function finishOperation(
  db: Db,
  id: string,
  outcome: { status: OperationStatus; result?: Record<string, unknown> | null; error?: string | null },
): Promise<boolean> {
  const { count } = await db.gitOperation.updateMany({
    where: { id, status: { in: ['queued', 'running'] } },
    data: {
      status: outcome.status,
      result: (outcome.result ?? undefined) as Prisma.InputJsonValue | undefined,
      error: outcome.error ?? null,
      finishedAt: new Date(),
    },
  });
  return count > 0;
}

const UNFINISHED: OperationStatus[] = ['queued', 'running'];

/** Whether a push or pull of the team is queued or running. */
export async function hasUnfinishedOperation(db: Db, teamId: string): Promise<boolean> {
  return (await db.gitOperation.findFirst({ where: { teamId, status: { in: UNFINISHED } }, select: { id: true } })) !== null;
}

export function countUnfinishedOperations(db: Db, teamId: string): Promise<number> {
  return db.gitOperation.count({ where: { teamId, status: { in: UNFINISHED } } });
}

export async function insertOperation(
  db: Db,
  row: { id: string; teamId: string; kind: OperationKind; branch: string; request: Record<string, unknown> },
): Promise<OperationRow> {
  return (await db.gitOperation.create({ data: { ...row, status: 'queued', request: row.request as Prisma.InputJsonValue } })) as OperationRow;
}

export async function findTeamOperation(db: Db, teamId: string, id: string): Promise<OperationRow | null> {
  return (await db.gitOperation.findFirst({ where: { id, teamId } })) as OperationRow | null;
}

/** Newest first, without `result` (never read: a page of large results would be read and sent whole). */
export async function listTeamOperations(
  db: Db,
  teamId: string,
  query: { take: number; beforeId?: string; kind?: OperationKind; status?: OperationStatus },
): Promise<Omit<OperationRow, 'result'>[]> {
  const rows = await db.gitOperation.findMany({
    where: { teamId, kind: query.kind, status: query.status, ...(query.beforeId ? { id: { lt: query.beforeId } } : {}) },
    omit: { result: true },
    orderBy: { id: 'desc' },
    take: query.take,
  });
  return rows as Omit<OperationRow, 'result'>[];
}

// ── pipeline_sync_states ──

export interface SyncedPipeline extends PipelineContent {
  id: string;
  path: string;
  blobSha: string;
  /** The app's version that was synced; null = the pipeline's current version. */
  version: number | null;
}

export async function upsertSyncStates(tx: Tx, teamId: string, commit: string, rows: SyncedPipeline[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO pipeline_sync_states
      (pipeline_id, team_id, path, synced_definition, synced_name, synced_version, synced_blob_sha, synced_commit, synced_at, updated_at)
    SELECT u.id, p.team_id, u.path, u.def::jsonb, u.name, COALESCE(u.version, p.version), u.sha, ${commit}, now(), now()
    FROM unnest(
      ${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.path)}::text[], ${rows.map((r) => canonicalJson(r.definition))}::text[],
      ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.blobSha)}::text[], ${rows.map((r) => r.version)}::int[]
    ) AS u(id, path, def, name, sha, version)
    JOIN pipelines p ON p.id = u.id AND p.team_id = ${teamId}::uuid
    ON CONFLICT (team_id, pipeline_id) DO UPDATE SET
      path = EXCLUDED.path, synced_definition = EXCLUDED.synced_definition, synced_name = EXCLUDED.synced_name,
      synced_version = EXCLUDED.synced_version, synced_blob_sha = EXCLUDED.synced_blob_sha,
      synced_commit = EXCLUDED.synced_commit, synced_at = EXCLUDED.synced_at, updated_at = now()
    -- Rows already synced at this content keep their row (and synced_commit, the commit
    -- where it last changed): a push of one edit among thousands rewrites one row.
    WHERE pipeline_sync_states.synced_blob_sha IS DISTINCT FROM EXCLUDED.synced_blob_sha
       OR pipeline_sync_states.synced_version <> EXCLUDED.synced_version
       OR pipeline_sync_states.path <> EXCLUDED.path`;
}

export async function deleteSyncStates(tx: Tx, teamId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.$executeRaw`DELETE FROM pipeline_sync_states WHERE team_id = ${teamId}::uuid AND pipeline_id = ANY(${ids}::text[])`;
}

/**
 * The team's pull of `branch` with this strategy that is queued and not yet started, if any. An
 * auto_pull joins it instead of queuing another: its fetch comes after this delivery's push. Read
 * under the team's integration row lock (submitOperation's `join`), so two deliveries cannot both miss it.
 */
export async function findQueuedPull(db: Db, teamId: string, branch: string, strategy: string): Promise<OperationRow | null> {
  const row = await db.gitOperation.findFirst({
    where: {
      teamId,
      kind: 'pull',
      status: 'queued',
      branch,
      AND: [{ request: { path: ['strategy'], equals: strategy } }, { request: { path: ['dry_run'], equals: false } }],
    },
    orderBy: { id: 'asc' },
  });
  return row as OperationRow | null;
}

/** The remote as the team's latest finished push or pull measured it (its result's `remote`), or null. */
export async function readLatestOperationRemote(db: Db, teamId: string): Promise<RemoteMeasure | null> {
  const [row] = await db.$queryRaw<{ remote: RemoteMeasure }[]>`
    SELECT o.result->'remote' AS remote FROM git_operations o
     WHERE o.team_id = ${teamId}::uuid AND o.status IN ('succeeded', 'conflict') AND o.result ? 'remote'
     ORDER BY o.created_at DESC LIMIT 1`;
  return row?.remote ?? null;
}
