import type { Db } from '../../../db/handles.js';
import { isForeignKeyViolation, isRecordNotFound } from '../../../db/errors.js';
import type { Prisma, WorkspaceBinding } from '../../../generated/prisma/client.js';

// The `workspace_bindings` table. Every read and write is addressed by id and team.

export type BindingData = Omit<Prisma.WorkspaceBindingUncheckedUpdateInput, 'id' | 'teamId' | 'userId'>;

/** The binding columns a session copies when it is prepared. */
export interface BindingRef {
  id: string;
  device_id: string;
  environment_id: string;
  project_id: string | null;
}

/** Thrown when the binding's device was deleted between the caller's check and the write. */
export class DeviceGone extends Error {}

/** A device deleted between the check and the write surfaces as a foreign-key violation. */
async function deviceMustStillExist<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new DeviceGone();
    throw error;
  }
}

export async function insertBinding(db: Db, row: Prisma.WorkspaceBindingUncheckedCreateInput): Promise<WorkspaceBinding> {
  return deviceMustStillExist(db.workspaceBinding.create({ data: row }));
}

export async function findBinding(db: Db, teamId: string, id: string): Promise<WorkspaceBinding | null> {
  return db.workspaceBinding.findFirst({ where: { id, teamId } });
}

export async function bindingExists(db: Db, teamId: string, id: string): Promise<boolean> {
  const rows = await db.$queryRaw<unknown[]>`
    SELECT 1 FROM workspace_bindings WHERE id = ${id} AND team_id = ${teamId}::uuid`;
  return rows.length > 0;
}

/** Newest first; `total` counts the whole filtered list. `projectId: null` lists the bindings without a project. */
export async function listBindings(
  db: Db,
  teamId: string,
  query: { deviceId?: string; environmentId?: string; projectId?: string | null; limit: number; offset: number },
): Promise<{ items: WorkspaceBinding[]; total: number }> {
  const where: Prisma.WorkspaceBindingWhereInput = {
    teamId,
    ...(query.deviceId !== undefined ? { deviceId: query.deviceId } : {}),
    ...(query.environmentId !== undefined ? { environmentId: query.environmentId } : {}),
    ...(query.projectId !== undefined ? { projectId: query.projectId } : {}),
  };
  const [items, total] = await Promise.all([
    db.workspaceBinding.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit, skip: query.offset }),
    db.workspaceBinding.count({ where }),
  ]);
  return { items, total };
}

/** undefined when the team has no such binding. */
export async function updateBinding(db: Db, teamId: string, id: string, data: BindingData): Promise<WorkspaceBinding | undefined> {
  try {
    return await deviceMustStillExist(db.workspaceBinding.update({ where: { id, teamId }, data }));
  } catch (error) {
    if (isRecordNotFound(error)) return undefined;
    throw error;
  }
}

/** false when the team has no such binding. Its push and pull sessions go with it (foreign keys cascade). */
export async function deleteBinding(db: Db, teamId: string, id: string): Promise<boolean> {
  const { count } = await db.workspaceBinding.deleteMany({ where: { id, teamId } });
  return count > 0;
}

/**
 * Locks the binding for the rest of the transaction, so the session prepares of one binding
 * (push and pull alike) run one after another. NO KEY UPDATE still lets session inserts take
 * their foreign-key share lock on it.
 */
export async function lockBinding(db: Db, teamId: string, id: string): Promise<BindingRef | undefined> {
  const rows = await db.$queryRaw<BindingRef[]>`
    SELECT id, device_id, environment_id, project_id FROM workspace_bindings
     WHERE id = ${id} AND team_id = ${teamId}::uuid
       FOR NO KEY UPDATE`;
  return rows[0];
}
