import type { PrismaClient } from '../../../db/handles.js';
import { conflict, notFound } from '../../../lib/errors.js';
import { isPrefixedId, prefixedId } from '../../../lib/ids.js';
import { decodeCursor, encodeCursor } from '../../../lib/cursor.js';
import { findLivePipeline, insertPipeline, listLivePipelines, softDeleteLivePipeline, updateLivePipeline, type PipelineRecord } from './store.js';

const PIPELINE_ID_PREFIX = 'pl';

const pipelineNotFound = () => notFound('Pipeline not found');

/** A malformed id cannot exist: answer 404 without a query. */
function checkId(id: string): void {
  if (!isPrefixedId(PIPELINE_ID_PREFIX, id)) throw pipelineNotFound();
}

export async function createPipeline(
  prisma: PrismaClient,
  teamId: string,
  input: { name: string; definition: Record<string, unknown> },
): Promise<PipelineRecord> {
  return insertPipeline(prisma, teamId, { id: prefixedId(PIPELINE_ID_PREFIX), ...input });
}

export async function getPipeline(prisma: PrismaClient, teamId: string, id: string): Promise<PipelineRecord> {
  checkId(id);
  const pipeline = await findLivePipeline(prisma, teamId, id);
  if (!pipeline) throw pipelineNotFound();
  return pipeline;
}

export async function listPipelines(
  prisma: PrismaClient,
  teamId: string,
  query: { limit: number; cursor?: string },
): Promise<{ items: PipelineRecord[]; nextCursor: string | null }> {
  const afterId = query.cursor === undefined ? undefined : decodeCursor(query.cursor, PIPELINE_ID_PREFIX);
  const rows = await listLivePipelines(prisma, teamId, { afterId, take: query.limit + 1 });
  const items = rows.slice(0, query.limit);
  const nextCursor = rows.length > query.limit ? encodeCursor(items[items.length - 1]!.id) : null;
  return { items, nextCursor };
}

/** Applies a partial update and bumps `version`; with `expectedVersion`, only at that version (409 otherwise). */
export async function updatePipeline(
  prisma: PrismaClient,
  teamId: string,
  id: string,
  input: { name?: string; definition?: Record<string, unknown>; expectedVersion?: number },
): Promise<PipelineRecord> {
  checkId(id);
  return prisma.$transaction(async (tx) => {
    const updated = await updateLivePipeline(tx, teamId, id, input);
    const current = await findLivePipeline(tx, teamId, id);
    if (!current) throw pipelineNotFound();
    if (!updated) {
      throw conflict(`Pipeline is at version ${current.version}, not ${input.expectedVersion}`, [
        { field: 'body.expected_version', issue: `does not match the current version ${current.version}` },
      ]);
    }
    return current;
  });
}

/** Soft delete: the row stays as a tombstone for the git integration. */
export async function deletePipeline(prisma: PrismaClient, teamId: string, id: string): Promise<void> {
  checkId(id);
  if (!(await softDeleteLivePipeline(prisma, teamId, id))) throw pipelineNotFound();
}

export function toPipelineBody(pipeline: PipelineRecord) {
  return {
    id: pipeline.id,
    name: pipeline.name,
    definition: pipeline.definition,
    version: pipeline.version,
    created_at: pipeline.createdAt.toISOString(),
    updated_at: pipeline.updatedAt.toISOString(),
  };
}
