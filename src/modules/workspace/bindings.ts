import type { Prisma, PrismaClient } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import { isPrefixedId, prefixedId } from '../../lib/ids.js';
import type { WorkspaceBinding } from '../../generated/prisma/client.js';
import type { BindingFields } from './binding-schemas.js';
import { bindingNotFound, checkId, ID_PREFIX, iso, orNotFound } from './records.js';

// Workspace bindings: a local folder of one device bound to a cloud environment.

const unknownDevice = () =>
  new AppError(404, 'not_found', 'Device not found', { details: [{ field: 'body.deviceId', issue: 'is not a device of this team' }] });

/** The device must belong to the caller's team; anything else looks like it does not exist. */
async function checkDevice(prisma: PrismaClient, teamId: string, deviceId: string): Promise<void> {
  if (!isPrefixedId(ID_PREFIX.device, deviceId)) throw unknownDevice();
  const device = await prisma.device.findFirst({ where: { id: deviceId, teamId }, select: { id: true } });
  if (!device) throw unknownDevice();
}

/** A device deleted between the check and the write surfaces as a foreign-key violation. */
async function deviceMustStillExist<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'P2003') throw unknownDevice();
    throw error;
  }
}

/** `ignorePatterns: null` (which the SDK types allow) is stored as no patterns. */
function fieldsData({ ignorePatterns, ...rest }: BindingFields) {
  return { ...rest, ...(ignorePatterns !== undefined ? { ignorePatterns: ignorePatterns ?? [] } : {}) };
}

export async function createBinding(
  prisma: PrismaClient,
  scope: { teamId: string; userId: string },
  input: BindingFields & { deviceId: string; environmentId: string; localPath: string },
): Promise<WorkspaceBinding> {
  const { teamId, userId } = scope;
  await checkDevice(prisma, teamId, input.deviceId);
  return deviceMustStillExist(
    prisma.workspaceBinding.create({ data: { id: prefixedId(ID_PREFIX.binding), teamId, userId, ...fieldsData(input), deviceId: input.deviceId, environmentId: input.environmentId, localPath: input.localPath } }),
  );
}

export async function getBinding(prisma: PrismaClient, teamId: string, id: string): Promise<WorkspaceBinding> {
  checkId(ID_PREFIX.binding, id, bindingNotFound);
  const binding = await prisma.workspaceBinding.findFirst({ where: { id, teamId } });
  if (!binding) throw bindingNotFound();
  return binding;
}

export async function listBindings(
  prisma: PrismaClient,
  teamId: string,
  query: { deviceId?: string; environmentId?: string; projectId?: string; limit: number; offset: number },
): Promise<{ items: WorkspaceBinding[]; total: number }> {
  const where: Prisma.WorkspaceBindingWhereInput = {
    teamId,
    ...(query.deviceId !== undefined ? { deviceId: query.deviceId } : {}),
    ...(query.environmentId !== undefined ? { environmentId: query.environmentId } : {}),
    ...(query.projectId !== undefined ? { projectId: query.projectId === 'none' ? null : query.projectId } : {}),
  };
  const [items, total] = await Promise.all([
    prisma.workspaceBinding.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit, skip: query.offset }),
    prisma.workspaceBinding.count({ where }),
  ]);
  return { items, total };
}

export async function updateBinding(prisma: PrismaClient, teamId: string, id: string, input: BindingFields): Promise<WorkspaceBinding> {
  checkId(ID_PREFIX.binding, id, bindingNotFound);
  if (input.deviceId !== undefined) await checkDevice(prisma, teamId, input.deviceId);
  return deviceMustStillExist(orNotFound(prisma.workspaceBinding.update({ where: { id, teamId }, data: fieldsData(input) }), bindingNotFound));
}

/** Deleting a binding deletes its push and pull sessions (foreign keys cascade). */
export async function deleteBinding(prisma: PrismaClient, teamId: string, id: string): Promise<void> {
  checkId(ID_PREFIX.binding, id, bindingNotFound);
  const { count } = await prisma.workspaceBinding.deleteMany({ where: { id, teamId } });
  if (count === 0) throw bindingNotFound();
}

export function toBindingBody(binding: WorkspaceBinding) {
  return {
    id: binding.id,
    userId: binding.userId,
    deviceId: binding.deviceId,
    environmentId: binding.environmentId,
    projectId: binding.projectId,
    localPath: binding.localPath,
    name: binding.name,
    syncRoot: binding.syncRoot ?? binding.localPath,
    ignorePatterns: binding.ignorePatterns,
    syncMode: binding.syncMode as 'off' | 'manual' | 'watch',
    executionMode: binding.executionMode as 'legacy_remote' | 'bridge_local',
    lastPushedSnapshotId: binding.lastPushedSnapshotId,
    lastPulledSnapshotId: binding.lastPulledSnapshotId,
    createdAt: iso(binding.createdAt),
    updatedAt: iso(binding.updatedAt),
  };
}
