import type { PrismaClient, Prisma } from '../../../db/database.js';

// Rows of git_operations: the state machine queued -> running -> succeeded |
// failed | conflict. Terminal states are final; a job that finds its operation
// terminal does nothing (that is what makes a retried job harmless).

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

type Db = PrismaClient | Prisma.TransactionClient;

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
