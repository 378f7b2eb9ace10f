import type { Prisma, PrismaClient } from '../../db/database.js';

// Data access for live pipelines. Deleted ones stay as tombstones (deleted_at set)
// that only the git integration reads, so a push can remove their files.

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

type Db = PrismaClient | Prisma.TransactionClient;

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
