import type { Db } from '../../../db/handles.js';
import { prefixedId } from '../../../lib/ids.js';
import type { Device, Prisma } from '../../../generated/prisma/client.js';
import { checkId, deviceNotFound, ID_PREFIX } from '../ids.js';
import * as store from './store.js';

// Devices: the desktop daemons of a team. A device is online while it keeps sending
// heartbeats; `offlineAfterMs` without one and it is reported offline, whatever is stored.

export interface DeviceFields {
  name?: string;
  platform?: string | null;
  hostname?: string | null;
  appVersion?: string | null;
  daemonVersion?: string | null;
  /** null clears them (stored as `{}`). */
  capabilities?: Record<string, unknown> | null;
  status?: 'online' | 'offline';
  /** ISO 8601; wins over the `lastSeenAt` a status change sets. */
  lastSeenAt?: string | null;
}

interface Scope {
  teamId: string;
  userId: string;
}

/** Going online is a heartbeat: it stamps `lastSeenAt`. */
function statusChange(status: 'online' | 'offline' | undefined, now = new Date()) {
  if (status === 'online') return { status, lastSeenAt: now };
  if (status === 'offline') return { status };
  return {};
}

/** A reported time ahead of the server's clock is recorded as now: a fast clock cannot keep a device online. */
function seenAt(value: string | null, now = new Date()): Date | null {
  if (value === null) return null;
  const date = new Date(value);
  return date.getTime() > now.getTime() ? now : date;
}

function fieldsData({ status, capabilities, lastSeenAt, ...rest }: DeviceFields) {
  return {
    ...rest,
    ...(capabilities !== undefined ? { capabilities: (capabilities ?? {}) as Prisma.InputJsonObject } : {}),
    ...statusChange(status),
    ...(lastSeenAt !== undefined ? { lastSeenAt: seenAt(lastSeenAt) } : {}),
  };
}

export async function createDevice(db: Db, scope: Scope, input: DeviceFields & { name: string }): Promise<Device> {
  const data = fieldsData({ status: 'online', ...input });
  return store.insertDevice(db, { ...data, id: prefixedId(ID_PREFIX.device), teamId: scope.teamId, userId: scope.userId, name: input.name });
}

export async function getDevice(db: Db, teamId: string, id: string): Promise<Device> {
  checkId(ID_PREFIX.device, id, deviceNotFound);
  const device = await store.findDevice(db, teamId, id);
  if (!device) throw deviceNotFound();
  return device;
}

export async function listDevices(
  db: Db,
  teamId: string,
  query: { status?: 'online' | 'offline'; limit: number; offset: number },
  offlineAfterMs: number,
): Promise<{ items: Device[]; total: number }> {
  return store.listDevices(db, teamId, query, new Date(Date.now() - offlineAfterMs));
}

export async function updateDevice(db: Db, teamId: string, id: string, input: DeviceFields): Promise<Device> {
  checkId(ID_PREFIX.device, id, deviceNotFound);
  const device = await store.updateDevice(db, teamId, id, fieldsData(input));
  if (!device) throw deviceNotFound();
  return device;
}

export async function heartbeat(
  db: Db,
  teamId: string,
  id: string,
  input: Pick<DeviceFields, 'appVersion' | 'daemonVersion' | 'capabilities'> | null | undefined,
): Promise<Device> {
  return updateDevice(db, teamId, id, { ...input, status: 'online' });
}

/** Deleting a device deletes its workspace bindings and their sessions (foreign keys cascade). */
export async function deleteDevice(db: Db, teamId: string, id: string): Promise<void> {
  checkId(ID_PREFIX.device, id, deviceNotFound);
  if (!(await store.deleteDevice(db, teamId, id))) throw deviceNotFound();
}

export function toDeviceBody(device: Device, offlineAfterMs: number, now = Date.now()) {
  const fresh = device.lastSeenAt !== null && now - device.lastSeenAt.getTime() < offlineAfterMs;
  return {
    id: device.id,
    userId: device.userId,
    name: device.name,
    platform: device.platform,
    hostname: device.hostname,
    appVersion: device.appVersion,
    daemonVersion: device.daemonVersion,
    status: device.status === 'online' && fresh ? ('online' as const) : ('offline' as const),
    capabilities: (device.capabilities ?? {}) as Record<string, unknown>,
    lastSeenAt: device.lastSeenAt ? device.lastSeenAt.toISOString() : null,
    createdAt: device.createdAt.toISOString(),
    updatedAt: device.updatedAt.toISOString(),
  };
}
