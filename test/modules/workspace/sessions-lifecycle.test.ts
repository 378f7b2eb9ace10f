import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { expectError, ISO, newBinding, teamTokens } from './helpers.js';

// Push and pull sessions share the prepare / reuse / supersede / cancel lifecycle.

const SEED_FIELDS = [
  'createdAt', 'deviceId', 'environmentId', 'id', 'metadata', 'plan', 'planSignature', 'projectId', 'status', 'updatedAt', 'userId',
  'workspaceBindingId',
];
const PULL_FIELDS = [
  ...SEED_FIELDS, 'preview', 'previewAppliedAt', 'previewMetadata', 'previewSignature', 'result', 'resultAppliedAt', 'resultMetadata',
  'resultSignature',
].sort();

const FLAVOURS = [
  { segment: 'push-sessions', key: 'pushSession', prefix: 'wps', fields: SEED_FIELDS },
  { segment: 'pull-sessions', key: 'pullSession', prefix: 'wpl', fields: PULL_FIELDS },
] as const;

const plan = (n: number) => ({ files: [{ path: `src/file-${n}.ts`, sha: `${n}`.padStart(8, '0') }], deletes: [] });

describe.each(FLAVOURS)('workspace $segment lifecycle', ({ segment, key, prefix, fields }) => {
  let t: TestApp;
  let a: Awaited<ReturnType<typeof teamTokens>>;
  let b: Awaited<ReturnType<typeof teamTokens>>;
  let userId: string;

  beforeAll(async () => {
    t = await createTestApp({
      env: {
        BODY_LIMIT_BYTES: '16384',
        WORKSPACE_PLAN_MAX_BYTES: '2048',
        WORKSPACE_METADATA_MAX_BYTES: '256',
        WORKSPACE_SIGNATURE_MAX_LENGTH: '64',
      },
    });
    a = await teamTokens(t, `ws-${prefix}-a`);
    b = await teamTokens(t, `ws-${prefix}-b`);
    userId = (await t.db.prisma.user.findFirstOrThrow({ where: { name: `ws-${prefix}-a-dev` } })).id;
  });
  afterAll(async () => t?.close());

  const sessions = (bindingId: string) => `/v1/workspace-bindings/${bindingId}/${segment}`;
  const prepare = (bindingId: string, body: object, auth = a.rw) => t.http().post(sessions(bindingId)).set('authorization', auth).send(body);

  it('prepares a session with exactly the documented fields, then reuses it for the same signature', async () => {
    const binding = await newBinding(t, a.rw, { environmentId: 'env_42', projectId: 'proj_7' });
    const first = await prepare(binding.id, { planSignature: 'sig_aa', plan: plan(1), metadata: { client: 'daemon' } });
    expect(first.status).toBe(201);
    expect(Object.keys(first.body).sort()).toEqual(['created', key]);
    expect(first.body.created).toBe(true);
    const session = first.body[key];
    expect(Object.keys(session).sort()).toEqual(fields);
    expect(session).toMatchObject({
      workspaceBindingId: binding.id,
      userId,
      deviceId: binding.deviceId,
      environmentId: 'env_42',
      projectId: 'proj_7',
      status: 'prepared',
      planSignature: 'sig_aa',
      plan: plan(1),
      metadata: { client: 'daemon' },
    });
    expect(session.id).toMatch(new RegExp(`^${prefix}_[0-9a-z]{26}$`));
    expect(session.createdAt).toMatch(ISO);
    expect(session.updatedAt).toMatch(ISO);

    // The same plan again (a retry, even with other metadata): the very same session.
    const again = await prepare(binding.id, { planSignature: 'sig_aa', plan: plan(1), metadata: { retry: true } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ [key]: session, created: false });

    const read = await t.http().get(`${sessions(binding.id)}/${session.id}`).set('authorization', a.readOnly);
    expect(read.status).toBe(200);
    expect(read.body).toEqual({ [key]: session });
  });

  it('omitted metadata and a binding without project come back as null', async () => {
    const binding = await newBinding(t, a.rw);
    const res = await prepare(binding.id, { planSignature: 'sig_1', plan: {} });
    expect(res.status).toBe(201);
    expect(res.body[key]).toMatchObject({ metadata: null, projectId: null, plan: {} });
  });

  it('a different plan supersedes the prepared session; the list shows newest first', async () => {
    const binding = await newBinding(t, a.rw);
    const one = (await prepare(binding.id, { planSignature: 'sig_1', plan: plan(1) })).body[key];
    const twoRes = await prepare(binding.id, { planSignature: 'sig_2', plan: plan(2) });
    expect(twoRes.status).toBe(201);
    const two = twoRes.body[key];
    expect(two.id).not.toBe(one.id);

    const old = await t.http().get(`${sessions(binding.id)}/${one.id}`).set('authorization', a.rw);
    expect(old.body[key]).toMatchObject({ status: 'superseded', planSignature: 'sig_1' });
    expect(Date.parse(old.body[key].updatedAt)).toBeGreaterThanOrEqual(Date.parse(one.updatedAt));

    // Going back to the first plan does not revive a superseded session: it creates a new one.
    const three = await prepare(binding.id, { planSignature: 'sig_1', plan: plan(1) });
    expect(three.status).toBe(201);
    expect(three.body[key].id).not.toBe(one.id);

    const list = await t.http().get(sessions(binding.id)).set('authorization', a.readOnly);
    expect(list.status).toBe(200);
    expect(list.body.object).toBe('list');
    expect(list.body.total_count).toBe(3);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([three.body[key].id, two.id, one.id]);
    expect(list.body.data.map((s: { status: string }) => s.status)).toEqual(['prepared', 'superseded', 'superseded']);
    expect(Object.keys(list.body.data[0]).sort()).toEqual(fields);

    const superseded = await t.http().get(`${sessions(binding.id)}?status=superseded&limit=1&offset=1`).set('authorization', a.readOnly);
    expect(superseded.body).toMatchObject({ object: 'list', total_count: 2 });
    expect(superseded.body.data.map((s: { id: string }) => s.id)).toEqual([one.id]);
    const prepared = await t.http().get(`${sessions(binding.id)}?status=prepared`).set('authorization', a.readOnly);
    expect(prepared.body.total_count).toBe(1);
    expectError(await t.http().get(`${sessions(binding.id)}?status=done`).set('authorization', a.readOnly), 400, 'invalid_request');
  });

  it('cancels a prepared session; cancelled and superseded sessions cannot be cancelled (409)', async () => {
    const binding = await newBinding(t, a.rw);
    const one = (await prepare(binding.id, { planSignature: 'sig_1', plan: plan(1) })).body[key];
    const two = (await prepare(binding.id, { planSignature: 'sig_2', plan: plan(2) })).body[key];

    const cancel = (id: string) => t.http().post(`${sessions(binding.id)}/${id}/cancel`).set('authorization', a.rw);
    const cancelled = await cancel(two.id);
    expect(cancelled.status).toBe(200);
    expect(Object.keys(cancelled.body)).toEqual([key]);
    expect(cancelled.body[key]).toMatchObject({ id: two.id, status: 'cancelled' });

    const twice = await cancel(two.id);
    expectError(twice, 409, 'conflict');
    expect(twice.body.error).toMatch(/cancelled/);
    const supersededCancel = await cancel(one.id);
    expectError(supersededCancel, 409, 'conflict');
    expect(supersededCancel.body.error).toMatch(/superseded/);

    // Nothing is prepared any more: the same plan gets a fresh session.
    const fresh = await prepare(binding.id, { planSignature: 'sig_2', plan: plan(2) });
    expect(fresh.status).toBe(201);
    expect(fresh.body[key].id).not.toBe(two.id);
  });

  it('rejects invalid prepare bodies with 400 and oversized bodies with 413', async () => {
    const binding = await newBinding(t, a.rw);
    const bad = async (body: unknown, field: string) => {
      const res = await prepare(binding.id, body as object);
      expectError(res, 400, 'invalid_request');
      expect(res.body.details.map((d: { field: string }) => d.field)).toContain(field);
      return res;
    };
    await bad({ plan: {} }, 'body.planSignature');
    await bad({ planSignature: 'sig', plan: [] }, 'body.plan');
    await bad({ planSignature: 'sig' }, 'body.plan');
    await bad({ planSignature: 42, plan: {} }, 'body.planSignature');
    await bad({ planSignature: '', plan: {} }, 'body.planSignature');
    await bad({ planSignature: 's'.repeat(65), plan: {} }, 'body.planSignature');
    await bad({ planSignature: 'sig', plan: {}, metadata: 'x' }, 'body.metadata');
    const bigPlan = await bad({ planSignature: 'sig', plan: { blob: 'x'.repeat(2100) } }, 'body.plan');
    expect(bigPlan.body.details[0].issue).toBe('must be at most 2048 bytes of JSON');
    await bad({ planSignature: 'sig', plan: {}, metadata: { blob: 'x'.repeat(300) } }, 'body.metadata');

    const huge = await prepare(binding.id, { planSignature: 'sig', plan: { blob: 'x'.repeat(40_000) } });
    expectError(huge, 413, 'payload_too_large');
    const list = await t.http().get(sessions(binding.id)).set('authorization', a.rw);
    expect(list.body.total_count).toBe(0);
  });

  it('answers 404 for unknown, malformed and other teams\' bindings and sessions', async () => {
    const mine = await newBinding(t, a.rw);
    const mySession = (await prepare(mine.id, { planSignature: 'sig_m', plan: {} })).body[key];
    const sibling = await newBinding(t, a.rw);
    const theirs = await newBinding(t, b.rw);
    const theirSession = (await prepare(theirs.id, { planSignature: 'sig_t', plan: {} }, b.rw)).body[key];

    for (const bindingId of ['wb_00000000000000000000000000', 'not-an-id', theirs.id]) {
      expectError(await prepare(bindingId, { planSignature: 'sig', plan: {} }), 404, 'not_found');
      expectError(await t.http().get(sessions(bindingId)).set('authorization', a.rw), 404, 'not_found');
    }
    const missing = [
      [mine.id, `${prefix}_00000000000000000000000000`],
      [mine.id, 'garbage'],
      [mine.id, prefix === 'wps' ? mySession.id.replace('wps_', 'wpl_') : mySession.id.replace('wpl_', 'wps_')],
      [sibling.id, mySession.id], // a session is only reachable under its own binding
      [theirs.id, theirSession.id],
      [mine.id, theirSession.id],
    ];
    for (const [bindingId, id] of missing) {
      expectError(await t.http().get(`${sessions(bindingId!)}/${id}`).set('authorization', a.rw), 404, 'not_found');
      expectError(await t.http().post(`${sessions(bindingId!)}/${id}/cancel`).set('authorization', a.rw), 404, 'not_found');
    }
    const untouched = await t.http().get(`${sessions(theirs.id)}/${theirSession.id}`).set('authorization', b.rw);
    expect(untouched.body[key].status).toBe('prepared');
  });

  it('answers 401 without a valid token and 403 without the scope', async () => {
    const binding = await newBinding(t, a.rw);
    const session = (await prepare(binding.id, { planSignature: 'sig', plan: {} })).body[key];
    const body = { planSignature: 'sig', plan: {} };
    expectError(await t.http().post(sessions(binding.id)).send(body), 401, 'unauthorized');
    expectError(await t.http().get(sessions(binding.id)).set('authorization', 'Bearer wrong'), 401, 'unauthorized');
    expectError(await t.http().get(`${sessions(binding.id)}/${session.id}`), 401, 'unauthorized');
    expectError(await prepare(binding.id, body, a.readOnly), 403, 'forbidden');
    expectError(await prepare(binding.id, body, a.none), 403, 'forbidden');
    expectError(await t.http().get(sessions(binding.id)).set('authorization', a.none), 403, 'forbidden');
    expectError(await t.http().get(`${sessions(binding.id)}/${session.id}`).set('authorization', a.none), 403, 'forbidden');
    expectError(await t.http().post(`${sessions(binding.id)}/${session.id}/cancel`).set('authorization', a.readOnly), 403, 'forbidden');
    const still = await t.http().get(`${sessions(binding.id)}/${session.id}`).set('authorization', a.readOnly);
    expect(still.body[key].status).toBe('prepared');
  });

  it('sessions go with their binding when it is deleted', async () => {
    const binding = await newBinding(t, a.rw);
    const session = (await prepare(binding.id, { planSignature: 'sig', plan: {} })).body[key];
    expect((await t.http().delete(`/v1/workspace-bindings/${binding.id}`).set('authorization', a.rw)).status).toBe(204);
    expectError(await t.http().get(`${sessions(binding.id)}/${session.id}`).set('authorization', a.rw), 404, 'not_found');
    const table = prefix === 'wps' ? t.db.prisma.pushSession : t.db.prisma.pullSession;
    expect(await (table as typeof t.db.prisma.pushSession).count({ where: { id: session.id } })).toBe(0);
  });
});
