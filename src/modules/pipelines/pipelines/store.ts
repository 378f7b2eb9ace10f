import type { Db, Tx } from '../../../db/handles.js';

// The pipelines table: only this file writes it. Deleted pipelines stay as tombstones
// (deleted_at set) that only the git integration reads, so a push can remove their files.
// The git integration's reads join its own pipeline_sync_states (the last synced version),
// and a pull writes its whole merge here, set-based: one statement per kind of change.

export interface PipelineRecord {
  id: string;
  teamId: string;
  name: string;
  definition: Record<string, unknown>;
  version: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const toRecord = (row: {
  id: string;
  teamId: string;
  name: string;
  definition: unknown;
  version: number;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}): PipelineRecord => ({ ...row, definition: row.definition as Record<string, unknown> });

/** Live (not deleted) pipeline of the team, or null. */
export async function findLivePipeline(db: Db, teamId: string, id: string): Promise<PipelineRecord | null> {
  const row = await db.pipeline.findFirst({ where: { id, teamId, deletedAt: null } });
  return row ? toRecord(row) : null;
}

/** One page of live pipelines ordered by id, starting after `afterId`. */
export async function listLivePipelines(
  db: Db,
  teamId: string,
  page: { afterId?: string; take: number },
): Promise<PipelineRecord[]> {
  const rows = await db.pipeline.findMany({
    where: { teamId, deletedAt: null, ...(page.afterId ? { id: { gt: page.afterId } } : {}) },
    orderBy: { id: 'asc' },
    take: page.take,
  });
  return rows.map(toRecord);
}

export async function insertPipeline(db: Db, teamId: string, row: { id: string; name: string; definition: Record<string, unknown> }): Promise<PipelineRecord> {
  return toRecord(await db.pipeline.create({ data: { id: row.id, teamId, name: row.name, definition: row.definition as object } }));
}

/**
 * Applies a partial update of a live pipeline and bumps `version`, only at `expectedVersion`
 * when given (one conditional UPDATE: two writers holding the same version cannot both win).
 * False when nothing was updated.
 */
export async function updateLivePipeline(
  db: Db,
  teamId: string,
  id: string,
  input: { name?: string; definition?: Record<string, unknown>; expectedVersion?: number },
): Promise<boolean> {
  const { count } = await db.pipeline.updateMany({
    where: { id, teamId, deletedAt: null, ...(input.expectedVersion !== undefined ? { version: input.expectedVersion } : {}) },
    data: {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.definition !== undefined ? { definition: input.definition as object } : {}),
      version: { increment: 1 },
    },
  });
  return count > 0;
}

/** Soft delete of a live pipeline (a tombstone for the git integration); false when there was none. */
export async function softDeleteLivePipeline(db: Db, teamId: string, id: string): Promise<boolean> {
  const { count } = await db.pipeline.updateMany({ where: { id, teamId, deletedAt: null }, data: { deletedAt: new Date(), version: { increment: 1 } } });
  return count > 0;
}

/** The ids among `ids` that are not pipelines of the team (deleted ones count as known). */
export async function findUnknownPipelineIds(db: Db, teamId: string, ids: string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const found = await db.$queryRaw<{ id: string }[]>`
    SELECT id FROM pipelines WHERE team_id = ${teamId}::uuid AND id = ANY(${unique}::text[])`;
  const known = new Set(found.map((r) => r.id));
  return unique.filter((id) => !known.has(id));
}

export interface PipelineSnapshot {
  id: string;
  name: string;
  definition: Record<string, unknown>;
  version: number;
  deleted: boolean;
  /** It has a pipeline_sync_states row: git has a file of it. */
  synced: boolean;
}

/**
 * What a push writes. Without `ids`: every live pipeline of the team, plus deleted ones that
 * were synced before (their files are removed). With ids: exactly those, deleted or not.
 */
export function readPipelinesToPush(db: Db, teamId: string, ids: string[] | undefined): Promise<PipelineSnapshot[]> {
  return db.$queryRaw<PipelineSnapshot[]>`
    SELECT p.id, p.name, p.definition, p.version, (p.deleted_at IS NOT NULL) AS deleted, (s.pipeline_id IS NOT NULL) AS synced
    FROM pipelines p LEFT JOIN pipeline_sync_states s ON s.team_id = p.team_id AND s.pipeline_id = p.id
    WHERE p.team_id = ${teamId}::uuid
      AND (${ids ?? null}::text[] IS NULL OR p.id = ANY(${ids ?? []}::text[]))
      AND (${ids ?? null}::text[] IS NOT NULL OR p.deleted_at IS NULL OR s.pipeline_id IS NOT NULL)
    ORDER BY p.id`;
}

export interface PipelineWithBase {
  id: string;
  name: string;
  definition: Record<string, unknown>;
  deleted: boolean;
  base_name: string | null;
  base_definition: Record<string, unknown> | null;
}

/** Every pipeline of the team (tombstones too) with its last synced version, locked until the pull's transaction ends. */
export function lockPipelinesWithBases(tx: Tx, teamId: string): Promise<PipelineWithBase[]> {
  return tx.$queryRaw<PipelineWithBase[]>`
    SELECT p.id, p.name, p.definition, (p.deleted_at IS NOT NULL) AS deleted, s.synced_name AS base_name, s.synced_definition AS base_definition
    FROM pipelines p LEFT JOIN pipeline_sync_states s ON s.team_id = p.team_id AND s.pipeline_id = p.id
    WHERE p.team_id = ${teamId}::uuid
    FOR UPDATE OF p`;
}

interface PipelineContentRow {
  id: string;
  name: string;
  definition: Record<string, unknown>;
}

/** What a pull applies: new pipelines (version 1), content written over existing ones (version bumped, a tombstone restored), soft deletes. */
export interface PipelineChanges {
  create: PipelineContentRow[];
  update: PipelineContentRow[];
  softDelete: string[];
}

export async function applyPipelineChanges(tx: Db, teamId: string, changes: PipelineChanges): Promise<void> {
  const columns = (rows: PipelineContentRow[]) =>
    [rows.map((p) => p.id), rows.map((p) => p.name), rows.map((p) => JSON.stringify(p.definition))] as const;
  if (changes.create.length) {
    const [ids, names, defs] = columns(changes.create);
    await tx.$executeRaw`
      INSERT INTO pipelines (id, team_id, name, definition, version, created_at, updated_at)
      SELECT u.id, ${teamId}::uuid, u.name, u.def::jsonb, 1, now(), now()
      FROM unnest(${ids}::text[], ${names}::text[], ${defs}::text[]) AS u(id, name, def)`;
  }
  if (changes.update.length) {
    const [ids, names, defs] = columns(changes.update);
    await tx.$executeRaw`
      UPDATE pipelines p SET name = u.name, definition = u.def::jsonb, version = p.version + 1, deleted_at = NULL, updated_at = now()
      FROM unnest(${ids}::text[], ${names}::text[], ${defs}::text[]) AS u(id, name, def)
      WHERE p.id = u.id AND p.team_id = ${teamId}::uuid`;
  }
  if (changes.softDelete.length) {
    await tx.$executeRaw`
      UPDATE pipelines SET deleted_at = now(), updated_at = now()
      WHERE team_id = ${teamId}::uuid AND id = ANY(${changes.softDelete}::text[]) AND deleted_at IS NULL`;
  }
}
