import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { expectError, ISO, newBinding, newDevice, teamTokens } from './helpers.js';

const DEVICE_FIELDS = [
  'appVersion', 'capabilities', 'createdAt', 'daemonVersion', 'hostname', 'id', 'lastSeenAt', 'name', 'platform', 'status', 'updatedAt', 'userId',
];

describe('workspace devices', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof teamTokens>>;
  let b: Awaited<ReturnType<typeof teamTokens>>;

  beforeAll(async () => {
    t = await createTestApp({ env: { WORKSPACE_METADATA_MAX_BYTES: '256', WORKSPACE_DEVICE_OFFLINE_AFTER_SECONDS: '60' } });
    a = await teamTokens(t, 'ws-dev-a');
    b = await teamTokens(t, 'ws-dev-b');
  });
  afterAll(async () => t?.close());

  it('registers a device (online, seen now) and reads it back', async () => {
    const res = await t
      .http()
      .post('/v1/devices')
      .set('authorization', a.rw)
      .send({ name: 'Work laptop', platform: 'darwin', hostname: 'mbp.local', appVersion: '1.2.0', daemonVersion: '0.9.1', capabilities: { watch: true } });
    expect(res.status).toBe(201);
    const device = res.body.device;
    expect(Object.keys(device).sort()).toEqual(DEVICE_FIELDS);
    expect(device).toMatchObject({ name: 'Work laptop', platform: 'darwin', hostname: 'mbp.local', status: 'online', capabilities: { watch: true } });
    expect(device.id).toMatch(/^dev_[0-9a-z]{26}$/);
    expect(device.lastSeenAt).toMatch(ISO);
    expect(device.createdAt).toMatch(ISO);

    const read = await t.http().get(`/v1/devices/${device.id}`).set('authorization', a.readOnly);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ device });
  });

  it('defaults optional fields and can register an offline device', async () => {
    const device = await newDevice(t, a.rw, { name: 'Desktop', status: 'offline' });
    expect(device).toMatchObject({ platform: null, hostname: null, appVersion: null, daemonVersion: null, capabilities: {}, status: 'offline', lastSeenAt: null });
  });

  it('updates, heartbeats and filters by status', async () => {
    const device = await newDevice(t, a.rw, { name: 'Filtered', status: 'offline' });
    const patched = await t.http().patch(`/v1/devices/${device.id}`).set('authorization', a.rw).send({ name: 'Renamed', hostname: null, daemonVersion: '1.0.0' });
    expect(patched.status).toBe(200);
    expect(patched.body.device).toMatchObject({ id: device.id, name: 'Renamed', hostname: null, daemonVersion: '1.0.0', status: 'offline' });

    const offline = await t.http().get('/v1/devices?status=offline&limit=200').set('authorization', a.readOnly);
    expect(offline.body.data.map((d: { id: string }) => d.id)).toContain(device.id);

    const beat = await t.http().post(`/v1/devices/${device.id}/heartbeat`).set('authorization', a.rw).send({ appVersion: '2.0.0' });
    expect(beat.status).toBe(200);
    expect(beat.body.device).toMatchObject({ status: 'online', appVersion: '2.0.0', name: 'Renamed' });
    expect(Date.parse(beat.body.device.lastSeenAt)).toBeGreaterThan(Date.now() - 10_000);

    const bare = await t.http().post(`/v1/devices/${device.id}/heartbeat`).set('authorization', a.rw);
    expect(bare.status).toBe(200);
    expect(bare.body.device.status).toBe('online');

    const online = await t.http().get('/v1/devices?status=online&limit=200').set('authorization', a.readOnly);
    expect(online.body.data.map((d: { id: string }) => d.id)).toContain(device.id);
    const stillOffline = await t.http().get('/v1/devices?status=offline&limit=200').set('authorization', a.readOnly);
    expect(stillOffline.body.data.map((d: { id: string }) => d.id)).not.toContain(device.id);

    const off = await t.http().patch(`/v1/devices/${device.id}`).set('authorization', a.rw).send({ status: 'offline' });
    expect(off.body.device.status).toBe('offline');
  });

  it('reports a device whose heartbeat is older than the offline delay as offline', async () => {
    const device = await newDevice(t, a.rw, { name: 'Stale' });
    await t.db.prisma.device.update({ where: { id: device.id }, data: { lastSeenAt: new Date(Date.now() - 61_000) } });
    const read = await t.http().get(`/v1/devices/${device.id}`).set('authorization', a.readOnly);
    expect(read.body.device.status).toBe('offline');
    const offline = await t.http().get('/v1/devices?status=offline&limit=200').set('authorization', a.readOnly);
    expect(offline.body.data.map((d: { id: string }) => d.id)).toContain(device.id);
    const online = await t.http().get('/v1/devices?status=online&limit=200').set('authorization', a.readOnly);
    expect(online.body.data.map((d: { id: string }) => d.id)).not.toContain(device.id);
  });

  it('lists newest first with limit, offset and total_count, only the own team', async () => {
    const team = await teamTokens(t, 'ws-dev-list');
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await newDevice(t, team.rw, { name: `D${i}` })).id);
    const page = await t.http().get('/v1/devices?limit=2&offset=1').set('authorization', team.readOnly);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ object: 'list', total_count: 3 });
    expect(page.body.data.map((d: { id: string }) => d.id)).toEqual([ids[1], ids[0]]);
    const other = await t.http().get('/v1/devices').set('authorization', b.readOnly);
    expect(other.body.data.map((d: { id: string }) => d.id)).not.toContain(ids[0]);
  });

  it('deleting a device deletes its bindings', async () => {
    const binding = await newBinding(t, a.rw);
    const deleted = await t.http().delete(`/v1/devices/${binding.deviceId}`).set('authorization', a.rw);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe('');
    expectError(await t.http().get(`/v1/devices/${binding.deviceId}`).set('authorization', a.rw), 404, 'not_found');
    expectError(await t.http().get(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw), 404, 'not_found');
    expectError(await t.http().delete(`/v1/devices/${binding.deviceId}`).set('authorization', a.rw), 404, 'not_found');
  });

  it('rejects invalid bodies and queries with 400', async () => {
    expectError(await t.http().post('/v1/devices').set('authorization', a.rw).send({}), 400, 'invalid_request');
    expectError(await t.http().post('/v1/devices').set('authorization', a.rw).send({ name: '' }), 400, 'invalid_request');
    expectError(await t.http().post('/v1/devices').set('authorization', a.rw).send({ name: 'x', status: 'sleeping' }), 400, 'invalid_request');
    expectError(await t.http().post('/v1/devices').set('authorization', a.rw).send({ name: 'x', unknown: 1 }), 400, 'invalid_request');
    const big = await t.http().post('/v1/devices').set('authorization', a.rw).send({ name: 'x', capabilities: { blob: 'x'.repeat(300) } });
    expectError(big, 400, 'invalid_request');
    expect(JSON.stringify(big.body.details)).toContain('256 bytes');
    const device = await newDevice(t, a.rw);
    expectError(await t.http().patch(`/v1/devices/${device.id}`).set('authorization', a.rw).send({}), 400, 'invalid_request');
    expectError(await t.http().get('/v1/devices?limit=0').set('authorization', a.rw), 400, 'invalid_request');
    expectError(await t.http().get('/v1/devices?status=asleep').set('authorization', a.rw), 400, 'invalid_request');
  });

  it('answers 404 for unknown, malformed and other teams\' device ids', async () => {
    const theirs = await newDevice(t, b.rw);
    for (const id of ['dev_00000000000000000000000000', 'nope', 'dev_%27;drop', theirs.id]) {
      expectError(await t.http().get(`/v1/devices/${id}`).set('authorization', a.rw), 404, 'not_found');
      expectError(await t.http().patch(`/v1/devices/${id}`).set('authorization', a.rw).send({ name: 'x' }), 404, 'not_found');
      expectError(await t.http().post(`/v1/devices/${id}/heartbeat`).set('authorization', a.rw), 404, 'not_found');
      expectError(await t.http().delete(`/v1/devices/${id}`).set('authorization', a.rw), 404, 'not_found');
    }
    const still = await t.http().get(`/v1/devices/${theirs.id}`).set('authorization', b.rw);
    expect(still.body.device.name).toBe('Laptop');
  });

  it('answers 401 without a valid token and 403 without the scope', async () => {
    const device = await newDevice(t, a.rw);
    expectError(await t.http().get('/v1/devices'), 401, 'unauthorized');
    expectError(await t.http().get('/v1/devices').set('authorization', 'Bearer nope'), 401, 'unauthorized');
    expectError(await t.http().post('/v1/devices').send({ name: 'x' }), 401, 'unauthorized');
    expectError(await t.http().get('/v1/devices').set('authorization', a.none), 403, 'forbidden');
    expectError(await t.http().get(`/v1/devices/${device.id}`).set('authorization', a.none), 403, 'forbidden');
    expectError(await t.http().post('/v1/devices').set('authorization', a.readOnly).send({ name: 'x' }), 403, 'forbidden');
    expectError(await t.http().patch(`/v1/devices/${device.id}`).set('authorization', a.readOnly).send({ name: 'x' }), 403, 'forbidden');
    expectError(await t.http().post(`/v1/devices/${device.id}/heartbeat`).set('authorization', a.readOnly), 403, 'forbidden');
    expectError(await t.http().delete(`/v1/devices/${device.id}`).set('authorization', a.readOnly), 403, 'forbidden');
  });
});
