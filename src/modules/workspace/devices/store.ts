import type { Db } from '../../../db/handles.js';
import { isRecordNotFound } from '../../../db/errors.js';
import type { Device, Prisma } from '../../../generated/prisma/client.js';

// The `devices` table. Every read and write is addressed by id and team.

export type DeviceData = Omit<Prisma.DeviceUncheckedUpdateInput, 'id' | 'teamId' | 'userId'>;

export async function insertDevice(db: Db, row: Prisma.DeviceUncheckedCreateInput): Promise<Device> {
  return db.device.create({ data: row });
}

export async function findDevice(db: Db, teamId: string, id: string): Promise<Device | null> {
  return db.device.findFirst({ where: { id, teamId } });
}

export async function deviceExists(db: Db, teamId: string, id: string): Promise<boolean> {
  return (await db.device.findFirst({ where: { id, teamId }, select: { id: true } })) !== null;
}

/** Newest first; `total` counts the whole filtered list. */
export async function listDevices(
  db: Db,
  teamId: string,
  query: { status?: 'online' | 'offline'; limit: number; offset: number },
  onlineSince: Date,
): Promise<{ items: Device[]; total: number }> {
  // Spelled out rather than NOT(online): NOT over a NULL lastSeenAt would drop never-seen devices.
  const byStatus: Record<string, Prisma.DeviceWhereInput> = {
    online: { status: 'online', lastSeenAt: { gte: onlineSince } },
    offline: { OR: [{ status: { not: 'online' } }, { lastSeenAt: null }, { lastSeenAt: { lt: onlineSince } }] },
  };
  const where: Prisma.DeviceWhereInput = { teamId, ...(query.status ? byStatus[query.status] : {}) };
  const [items, total] = await Promise.all([
    db.device.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: query.limit, skip: query.offset }),
    db.device.count({ where }),
  ]);
  return { items, total };
}

/** undefined when the team has no such device. */
export async function updateDevice(db: Db, teamId: string, id: string, data: DeviceData): Promise<Device | undefined> {
  try {
    return await db.device.update({ where: { id, teamId }, data });
  } catch (error) {
    if (isRecordNotFound(error)) return undefined;
    throw error;
  }
}

/** false when the team has no such device. Its bindings and their sessions go with it (foreign keys cascade). */
export async function deleteDevice(db: Db, teamId: string, id: string): Promise<boolean> {
  const { count } = await db.device.deleteMany({ where: { id, teamId } });
  return count > 0;
}
