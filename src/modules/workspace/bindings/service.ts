import type { Db } from '../../../db/handles.js';
import { isPrefixedId, prefixedId } from '../../../lib/ids.js';
import type { WorkspaceBinding } from '../../../generated/prisma/client.js';
import { deviceExists } from '../devices/store.js';
import { bindingNotFound, checkId, deviceNotFound, ID_PREFIX } from '../ids.js';
import type { BindingFields } from './schemas.js';
import * as store from './store.js';

// Workspace bindings: a local folder of one device bound to a cloud environment.

const unknownDevice = () => deviceNotFound([{ field: 'body.deviceId', issue: 'is not a device of this team' }]);

/** The device must belong to the caller's team; anything else looks like it does not exist. */
async function checkDevice(db: Db, teamId: string, deviceId: string): Promise<void> {
  if (!isPrefixedId(ID_PREFIX.device, deviceId)) throw unknownDevice();
  if (!(await deviceExists(db, teamId, deviceId))) throw unknownDevice();
}

/** The device checked a moment ago was deleted before the write: the same 404 as if it never existed. */
async function deviceStillThere<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof store.DeviceGone) throw unknownDevice();
    throw error;
  }
}

/** `ignorePatterns: null` (which the SDK types allow) is stored as no patterns. */
function fieldsData({ ignorePatterns, ...rest }: BindingFields) {
  return { ...rest, ...(ignorePatterns !== undefined ? { ignorePatterns: ignorePatterns ?? [] } : {}) };
}

export async function createBinding(
  db: Db,
  scope: { teamId: string; userId: string },
  input: BindingFields & { deviceId: string; environmentId: string; localPath: string },
): Promise<WorkspaceBinding> {
  const { teamId, userId } = scope;
  await checkDevice(db, teamId, input.deviceId);
  return deviceStillThere(
    store.insertBinding(db, {
      id: prefixedId(ID_PREFIX.binding),
      teamId,
      userId,
      ...fieldsData(input),
      deviceId: input.deviceId,
      environmentId: input.environmentId,
      localPath: input.localPath,
    }),
  );
}

export async function getBinding(db: Db, teamId: string, id: string): Promise<WorkspaceBinding> {
  checkId(ID_PREFIX.binding, id, bindingNotFound);
  const binding = await store.findBinding(db, teamId, id);
  if (!binding) throw bindingNotFound();
  return binding;
}

export async function listBindings(
  db: Db,
  teamId: string,
  query: { deviceId?: string; environmentId?: string; projectId?: string; limit: number; offset: number },
): Promise<{ items: WorkspaceBinding[]; total: number }> {
  const { projectId, ...rest } = query;
  return store.listBindings(db, teamId, { ...rest, ...(projectId !== undefined ? { projectId: projectId === 'none' ? null : projectId } : {}) });
}

export async function updateBinding(db: Db, teamId: string, id: string, input: BindingFields): Promise<WorkspaceBinding> {
  checkId(ID_PREFIX.binding, id, bindingNotFound);
  if (input.deviceId !== undefined) await checkDevice(db, teamId, input.deviceId);
  const binding = await deviceStillThere(store.updateBinding(db, teamId, id, fieldsData(input)));
  if (!binding) throw bindingNotFound();
  return binding;
}

/** Deleting a binding deletes its push and pull sessions (foreign keys cascade). */
export async function deleteBinding(db: Db, teamId: string, id: string): Promise<void> {
  checkId(ID_PREFIX.binding, id, bindingNotFound);
  if (!(await store.deleteBinding(db, teamId, id))) throw bindingNotFound();
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
    createdAt: binding.createdAt.toISOString(),
    updatedAt: binding.updatedAt.toISOString(),
  };
}
