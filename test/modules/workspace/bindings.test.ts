import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { expectError, ISO, newBinding, newDevice, teamTokens } from './helpers.js';

const BINDING_FIELDS = [
  'createdAt', 'deviceId', 'environmentId', 'executionMode', 'id', 'ignorePatterns', 'lastPulledSnapshotId', 'lastPushedSnapshotId',
  'localPath', 'name', 'projectId', 'syncMode', 'syncRoot', 'updatedAt', 'userId',
];

describe('workspace bindings', () => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof teamTokens>>;
  let b: Awaited<ReturnType<typeof teamTokens>>;

  beforeAll(async () => {
    t = await createTestApp();
    a = await teamTokens(t, 'ws-wb-a');
    b = await teamTokens(t, 'ws-wb-b');
  });
  afterAll(async () => t?.close());

  it('creates a binding with defaults and reads it back', async () => {
    const device = await newDevice(t, a.rw);
    const res = await t
      .http()
      .post('/v1/workspace-bindings')
      .set('authorization', a.rw)
      .send({ deviceId: device.id, environmentId: 'env_abc', localPath: '/Users/me/app' });
    expect(res.status).toBe(201);
    const binding = res.body.binding;
    expect(Object.keys(binding).sort()).toEqual(BINDING_FIELDS);
    expect(binding).toMatchObject({
      deviceId: device.id,
      environmentId: 'env_abc',
      localPath: '/Users/me/app',
      projectId: null,
      name: null,
      syncRoot: '/Users/me/app',
      ignorePatterns: [],
      syncMode: 'manual',
      executionMode: 'legacy_remote',
      lastPushedSnapshotId: null,
      lastPulledSnapshotId: null,
    });
    expect(binding.id).toMatch(/^wb_[0-9a-z]{26}$/);
    expect(binding.updatedAt).toMatch(ISO);
    const read = await t.http().get(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.readOnly);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ binding });
  });

  it('updates a binding, also moving it to another device of the team', async () => {
    const binding = await newBinding(t, a.rw, { projectId: 'proj_1', ignorePatterns: ['node_modules'], syncMode: 'watch' });
    const other = await newDevice(t, a.rw, { name: 'Second' });
    const res = await t
      .http()
      .patch(`/v1/workspace-bindings/${binding.id}`)
      .set('authorization', a.rw)
      .send({ deviceId: other.id, projectId: null, executionMode: 'bridge_local', lastPushedSnapshotId: 'snap_1', name: 'App' });
    expect(res.status).toBe(200);
    expect(res.body.binding).toMatchObject({
      id: binding.id,
      deviceId: other.id,
      projectId: null,
      executionMode: 'bridge_local',
      syncMode: 'watch',
      ignorePatterns: ['node_modules'],
      lastPushedSnapshotId: 'snap_1',
      name: 'App',
    });
  });

  it('refuses a device of another team or an unknown device (404), on create and on update', async () => {
    const theirs = await newDevice(t, b.rw);
    for (const deviceId of [theirs.id, 'dev_00000000000000000000000000', 'garbage']) {
      const created = await t
        .http()
        .post('/v1/workspace-bindings')
        .set('authorization', a.rw)
        .send({ deviceId, environmentId: 'env', localPath: '/x' });
      expectError(created, 404, 'not_found');
      expect(created.body.details).toEqual([{ field: 'body.deviceId', issue: expect.any(String) }]);
    }
    const mine = await newBinding(t, a.rw);
    expectError(await t.http().patch(`/v1/workspace-bindings/${mine.id}`).set('authorization', a.rw).send({ deviceId: theirs.id }), 404, 'not_found');
    const unchanged = await t.http().get(`/v1/workspace-bindings/${mine.id}`).set('authorization', a.rw);
    expect(unchanged.body.binding.deviceId).toBe(mine.deviceId);
  });

  it('filters by deviceId, environmentId and projectId (none = without project), with paging', async () => {
    const team = await teamTokens(t, 'ws-wb-filter');
    const d1 = await newDevice(t, team.rw);
    const d2 = await newDevice(t, team.rw);
    const x = await newBinding(t, team.rw, { deviceId: d1.id, environmentId: 'env_x', projectId: 'p1' });
    const y = await newBinding(t, team.rw, { deviceId: d1.id, environmentId: 'env_y' });
    const z = await newBinding(t, team.rw, { deviceId: d2.id, environmentId: 'env_x' });
    const ids = async (query: string) => {
      const res = await t.http().get(`/v1/workspace-bindings${query}`).set('authorization', team.readOnly);
      expect(res.status).toBe(200);
      expect(res.body.object).toBe('list');
      return { ids: res.body.data.map((item: { id: string }) => item.id), total: res.body.total_count };
    };
    expect(await ids('')).toEqual({ ids: [z.id, y.id, x.id], total: 3 });
    expect(await ids(`?deviceId=${d1.id}`)).toEqual({ ids: [y.id, x.id], total: 2 });
    expect(await ids('?environmentId=env_x')).toEqual({ ids: [z.id, x.id], total: 2 });
    expect(await ids('?projectId=p1')).toEqual({ ids: [x.id], total: 1 });
    expect(await ids('?projectId=none')).toEqual({ ids: [z.id, y.id], total: 2 });
    expect(await ids('?limit=1&offset=1')).toEqual({ ids: [y.id], total: 3 });
    expect(await ids('?offset=5')).toEqual({ ids: [], total: 3 });
    const other = await t.http().get('/v1/workspace-bindings').set('authorization', a.readOnly);
    expect(other.body.data.map((item: { id: string }) => item.id)).not.toContain(x.id);
  });

  it('deletes a binding', async () => {
    const binding = await newBinding(t, a.rw);
    const res = await t.http().delete(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw);
    expect(res.status).toBe(204);
    expectError(await t.http().get(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw), 404, 'not_found');
    expectError(await t.http().delete(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw), 404, 'not_found');
  });

  it('rejects invalid bodies with 400', async () => {
    const device = await newDevice(t, a.rw);
    const post = (body: object) => t.http().post('/v1/workspace-bindings').set('authorization', a.rw).send(body);
    const missing = await post({ deviceId: device.id, environmentId: 'env' });
    expectError(missing, 400, 'invalid_request');
    expect(missing.body.details).toEqual([{ field: 'body.localPath', issue: expect.any(String) }]);
    expectError(await post({ deviceId: device.id, localPath: '/x' }), 400, 'invalid_request');
    expectError(await post({ environmentId: 'env', localPath: '/x' }), 400, 'invalid_request');
    expectError(await post({ deviceId: device.id, environmentId: 'env', localPath: '/x', syncMode: 'always' }), 400, 'invalid_request');
    expectError(await post({ deviceId: device.id, environmentId: 'env', localPath: 'a\u0000b' }), 400, 'invalid_request');
    const binding = await newBinding(t, a.rw, { deviceId: device.id });
    expectError(await t.http().patch(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw).send({}), 400, 'invalid_request');
    expectError(await t.http().patch(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw).send({ localPath: null }), 400, 'invalid_request');
  });

  it('answers 404 for unknown, malformed and other teams\' binding ids', async () => {
    const theirs = await newBinding(t, b.rw);
    for (const id of ['wb_00000000000000000000000000', 'wb_UPPER', 'x'.repeat(200), theirs.id]) {
      expectError(await t.http().get(`/v1/workspace-bindings/${id}`).set('authorization', a.rw), 404, 'not_found');
      expectError(await t.http().patch(`/v1/workspace-bindings/${id}`).set('authorization', a.rw).send({ name: 'x' }), 404, 'not_found');
      expectError(await t.http().delete(`/v1/workspace-bindings/${id}`).set('authorization', a.rw), 404, 'not_found');
    }
    expect((await t.http().get(`/v1/workspace-bindings/${theirs.id}`).set('authorization', b.rw)).status).toBe(200);
  });

  it('answers 401 without a valid token and 403 without the scope', async () => {
    const binding = await newBinding(t, a.rw);
    expectError(await t.http().get('/v1/workspace-bindings'), 401, 'unauthorized');
    expectError(await t.http().get(`/v1/workspace-bindings/${binding.id}`).set('authorization', 'Bearer bad'), 401, 'unauthorized');
    expectError(await t.http().get('/v1/workspace-bindings').set('authorization', a.none), 403, 'forbidden');
    expectError(await t.http().get(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.none), 403, 'forbidden');
    const body = { deviceId: binding.deviceId, environmentId: 'env', localPath: '/x' };
    expectError(await t.http().post('/v1/workspace-bindings').set('authorization', a.readOnly).send(body), 403, 'forbidden');
    expectError(await t.http().patch(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.readOnly).send({ name: 'n' }), 403, 'forbidden');
    expectError(await t.http().delete(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.readOnly), 403, 'forbidden');
  });
});
