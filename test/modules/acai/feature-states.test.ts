import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { getWith, patchStates, seedAcai, storedStates, type Seeded } from './fixtures.js';
import { scenario } from './scenario.js';

let t: TestApp;
let token: string;
let seeded: Seeded;

const WRITE_SCOPES = ['impls:read', 'specs:read', 'states:write'] as const;
const body = (implementation: string, states: Record<string, unknown>, feature = 'auth', product = 'api') => ({
  product_name: product,
  feature_name: feature,
  implementation_name: implementation,
  states,
});
const patch = (payload: unknown, as: string | null = token) => patchStates(t, as, payload);
const idOf = (name: string) => seeded.implementationIds[name]!;

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
  seeded = await seedAcai(t.db.prisma, scenario('team-a'));
});
afterAll(async () => t?.close());

describe('PATCH /api/v1/feature-states', () => {
  it('feature-states.ENDPOINT.1 feature-states.ENDPOINT.2 feature-states.REQUEST.1 feature-states.REQUEST.2 feature-states.REQUEST.3 feature-states.REQUEST.4 feature-states.REQUEST.4-1 feature-states.RESPONSE.1 feature-states.RESPONSE.2 feature-states.RESPONSE.3 feature-states.RESPONSE.4 writes states and reports what it wrote', async () => {
    const res = await patch(body('prod', { 'auth.LOGIN.2': { status: 'assigned', comment: 'on it' } }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        product_name: 'api',
        feature_name: 'auth',
        implementation_name: 'prod',
        implementation_id: idOf('api/prod'),
        states_written: 1,
        warnings: [],
      },
    });
    const stored = await storedStates(t.db.prisma, idOf('api/prod'), 'auth');
    expect(stored!['auth.LOGIN.2']).toMatchObject({ status: 'assigned', comment: 'on it' });
    expect(Date.parse(stored!['auth.LOGIN.2']!.updated_at!)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('feature-states.WRITE.3 feature-states.REQUEST.4-3 replaces written ACIDs and keeps untouched ones', async () => {
    await patch(body('prod', { 'auth.LOGIN.2': { status: 'completed' } }));
    const stored = await storedStates(t.db.prisma, idOf('api/prod'), 'auth');
    expect(stored!['auth.LOGIN.2']).toMatchObject({ status: 'completed' });
    expect(stored!['auth.LOGIN.2']!.comment).toBeUndefined(); // the whole entry is replaced
    expect(stored!['auth.LOGIN.1']).toMatchObject({ status: 'completed', comment: 'shipped' }); // untouched
    expect(stored!['auth.OLD.9']).toMatchObject({ status: 'blocked' });
  });

  it('feature-states.WRITE.4 feature-states.WRITE.5 feature-states.REQUEST.4-2 a null status is stored explicitly, never deleted', async () => {
    const res = await patch(body('prod', { 'auth.LOGIN.1': { status: null } }));
    expect(res.status).toBe(200);
    const stored = await storedStates(t.db.prisma, idOf('api/prod'), 'auth');
    expect(stored).toHaveProperty('auth.LOGIN.1');
    expect(stored!['auth.LOGIN.1']!.status).toBeNull();
    const read = await getWith(t, '/feature-context', token, { product_name: 'api', feature_name: 'auth', implementation_name: 'prod' });
    expect(read.body.data.acids[0].state.status).toBeNull();
  });

  it('feature-states.WRITE.2 a first write snapshots the parent states, then merges', async () => {
    // dev has no billing row; its parent prod has billing.PAY.1 accepted
    const res = await patch(body('dev', { 'billing.PAY.2': { status: 'assigned' } }, 'billing'));
    expect(res.status).toBe(200);
    const stored = await storedStates(t.db.prisma, idOf('api/dev'), 'billing');
    expect(stored!['billing.PAY.1']).toMatchObject({ status: 'accepted' });
    expect(stored!['billing.PAY.2']).toMatchObject({ status: 'assigned' });
    const read = await getWith(t, '/feature-context', token, { product_name: 'api', feature_name: 'billing', implementation_name: 'dev' });
    expect(read.body.data.states_source).toEqual({ source_type: 'local', implementation_name: 'dev' });
  });

  it('feature-states.WRITE.2 a first write snapshots the nearest ancestor that has states', async () => {
    // feat -> dev -> prod: dev (written above) is now the nearest ancestor with billing states
    await patch(body('feat', { 'billing.PAY.1': { status: 'rejected' } }, 'billing'));
    const stored = await storedStates(t.db.prisma, idOf('api/feat'), 'billing');
    expect(Object.keys(stored!).sort()).toEqual(['billing.PAY.1', 'billing.PAY.2']);
    expect(stored!['billing.PAY.1']!.status).toBe('rejected');
  });

  it('feature-states.WRITE.2 after the snapshot, parent changes no longer reach the child (data-model.INHERITANCE.6)', async () => {
    await patch(body('prod', { 'billing.PAY.1': { status: 'blocked' } }, 'billing'));
    const child = await storedStates(t.db.prisma, idOf('api/dev'), 'billing');
    expect(child!['billing.PAY.1']!.status).toBe('accepted');
  });

  it('feature-states.WRITE.1 feature-states.WRITE.6 feature-states.REQUEST.6 writes only the selected implementation and feature, nothing else', async () => {
    const snapshot = async () => ({
      specs: await t.db.prisma.spec.findMany({ orderBy: { id: 'asc' } }),
      refs: await t.db.prisma.featureBranchRef.findMany({ orderBy: { id: 'asc' } }),
      tracked: await t.db.prisma.trackedBranch.count(),
      impls: await t.db.prisma.implementation.findMany({ orderBy: { id: 'asc' } }),
      products: await t.db.prisma.product.count(),
      prodAuth: await storedStates(t.db.prisma, idOf('api/prod'), 'auth'),
      webAuth: await storedStates(t.db.prisma, idOf('web/prod'), 'auth'),
    });
    const before = await snapshot();
    expect((await patch(body('dev', { 'auth.LOGIN.1': { status: 'incomplete' } }))).status).toBe(200);
    expect(await snapshot()).toEqual(before);
    expect((await storedStates(t.db.prisma, idOf('api/dev'), 'auth'))!['auth.LOGIN.1']!.status).toBe('incomplete');
  });

  it('feature-states.WRITE.7 feature-states.WRITE.7-note feature-states.RESPONSE.4 persists states for ACIDs missing from the resolved spec, with a warning', async () => {
    const res = await patch(body('prod', { 'auth.FUTURE.1': { status: 'assigned' }, 'auth.LOGIN.2': { status: 'accepted' } }));
    expect(res.status).toBe(200);
    expect(res.body.data.states_written).toBe(2);
    expect(res.body.data.warnings).toEqual([expect.stringContaining('auth.FUTURE.1')]);
    const stored = await storedStates(t.db.prisma, idOf('api/prod'), 'auth');
    expect(stored!['auth.FUTURE.1']).toMatchObject({ status: 'assigned' });
    const read = await getWith(t, '/feature-context', token, {
      product_name: 'api',
      feature_name: 'auth',
      implementation_name: 'prod',
      include_dangling_states: 'true',
    });
    expect(read.body.data.dangling_states.map((d: { acid: string }) => d.acid)).toEqual(['auth.FUTURE.1', 'auth.OLD.9']);
  });

  it('feature-states.RESPONSE.5 answers 404 with a detail for an unknown product, implementation or unresolvable feature', async () => {
    const product = await patch(body('prod', { 'auth.LOGIN.1': { status: null } }, 'auth', 'nope'));
    expect(product.status).toBe(404);
    expect(product.body.errors.detail).toBe("Product 'nope' not found");
    const impl = await patch(body('nope', { 'auth.LOGIN.1': { status: null } }));
    expect(impl.status).toBe(404);
    expect(impl.body.errors.detail).toMatch(/Implementation 'nope' not found/);
    const feature = await patch(body('lonely', { 'auth.LOGIN.1': { status: null } }));
    expect(feature.status).toBe(404);
    expect(feature.body.errors.detail).toMatch(/Feature 'auth' has no spec/);
    expect(await storedStates(t.db.prisma, idOf('api/lonely'), 'auth')).toBeNull();
  });

  it('feature-states.VALIDATION.1 feature-states.REQUEST.4-4 feature-states.RESPONSE.6 rejects missing fields and empty states with 422', async () => {
    for (const payload of [
      { feature_name: 'auth', implementation_name: 'prod', states: { 'auth.LOGIN.1': { status: null } } },
      { product_name: 'api', implementation_name: 'prod', states: { 'auth.LOGIN.1': { status: null } } },
      { product_name: 'api', feature_name: 'auth', states: { 'auth.LOGIN.1': { status: null } } },
      { product_name: 'api', feature_name: 'auth', implementation_name: 'prod' },
      body('prod', {}),
      body('prod', { 'auth.LOGIN.1': 'completed' }),
    ]) {
      const res = await patch(payload);
      expect(res.status, JSON.stringify(payload)).toBe(422);
      expect(typeof res.body.errors.detail).toBe('string');
    }
    expect((await patch(body('prod', {}))).body.errors.detail).toMatch(/at least one ACID/);
  });

  it('feature-states.VALIDATION.3 feature-states.REQUEST.4-2 status is required and must be a known value or null', async () => {
    const missing = await patch(body('prod', { 'auth.LOGIN.1': { comment: 'x' } }));
    expect(missing.status).toBe(422);
    expect(missing.body.errors.detail).toMatch(/status/);
    const unknown = await patch(body('prod', { 'auth.LOGIN.1': { status: 'done' } }));
    expect(unknown.status).toBe(422);
    const badComment = await patch(body('prod', { 'auth.LOGIN.1': { status: 'blocked', comment: 42 } }));
    expect(badComment.status).toBe(422);
    for (const status of ['assigned', 'blocked', 'incomplete', 'completed', 'rejected', 'accepted', null]) {
      expect((await patch(body('feat', { 'auth.LOGIN.1': { status } }))).status).toBe(200);
    }
  });

  it('feature-states.REQUEST.5 feature-states.VALIDATION.2 every ACID must be a full ACID of the requested feature', async () => {
    const foreign = await patch(body('prod', { 'billing.PAY.1': { status: 'completed' } }));
    expect(foreign.status).toBe(422);
    expect(foreign.body.errors.detail).toMatch(/must start with 'auth\.'/);
    const partial = await patch(body('prod', { 'auth.LOGIN': { status: 'completed' } }));
    expect(partial.status).toBe(422);
    expect(partial.body.errors.detail).toMatch(/full ACID/);
    const bare = await patch(body('prod', { auth: { status: 'completed' } }));
    expect(bare.status).toBe(422);
    expect((await patch(body('prod', { 'auth.LOGIN.1-1': { status: 'completed' } }))).status).toBe(200);
  });

  it('feature-states.TX.1 a rejected write changes nothing', async () => {
    const before = await storedStates(t.db.prisma, idOf('api/prod'), 'auth');
    const res = await patch(body('prod', { 'auth.LOGIN.1': { status: 'accepted' }, 'billing.PAY.1': { status: 'accepted' } }));
    expect(res.status).toBe(422);
    expect(await storedStates(t.db.prisma, idOf('api/prod'), 'auth')).toEqual(before);
  });

  it('feature-states.TX.2 concurrent writes to the same feature and implementation never fail; the last write wins per ACID', async () => {
    // A fresh row (first-write snapshot path) hit by many writers at once.
    const writers = Array.from({ length: 40 }, (_, i) =>
      patch(body('feat', { [`search.CONC.${i}`]: { status: 'assigned' }, 'search.SHARED.1': { status: 'blocked', comment: `writer ${i}` } }, 'search')),
    );
    const results = await Promise.all(writers);
    expect(results.map((r) => r.status)).toEqual(results.map(() => 200));
    const stored = await storedStates(t.db.prisma, idOf('api/feat'), 'search');
    for (let i = 0; i < 40; i++) expect(stored![`search.CONC.${i}`]).toMatchObject({ status: 'assigned' });
    expect(stored!['search.SHARED.1']!.comment).toMatch(/^writer \d+$/);

    // Then sequential: the later write is what stays.
    await patch(body('feat', { 'search.SHARED.1': { status: 'completed', comment: 'first' } }, 'search'));
    await patch(body('feat', { 'search.SHARED.1': { status: 'accepted', comment: 'last' } }, 'search'));
    expect((await storedStates(t.db.prisma, idOf('api/feat'), 'search'))!['search.SHARED.1']).toMatchObject({ status: 'accepted', comment: 'last' });
  });

  it('feature-states.ABUSE.2 feature-states.ABUSE.2-1 feature-states.RESPONSE.6-1 rejects more than 500 ACIDs with a helpful 422', async () => {
    const states = Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`auth.BULK.${i}`, { status: 'assigned' }]));
    const res = await patch(body('prod', states));
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(/501 ACIDs; the maximum per request is 500/);
    const ok = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`auth.BULK.${i}`, { status: 'assigned' }]));
    expect((await patch(body('dev', ok))).status).toBe(200);
  });

  it('feature-states.ABUSE.2-2 rejects a comment longer than 2000 characters with 422', async () => {
    const res = await patch(body('prod', { 'auth.LOGIN.1': { status: 'blocked', comment: 'x'.repeat(2001) } }));
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(/auth\.LOGIN\.1.*2001 characters; the maximum is 2000/);
    expect((await patch(body('prod', { 'auth.LOGIN.1': { status: 'blocked', comment: 'x'.repeat(2000) } }))).status).toBe(200);
  });

  it('feature-states.ENDPOINT.3 feature-states.AUTH.1 feature-states.RESPONSE.7 answers 401 without a valid token', async () => {
    const res = await patch(body('prod', { 'auth.LOGIN.1': { status: null } }), null);
    expect(res.status).toBe(401);
    expect(typeof res.body.errors.detail).toBe('string');
    expect((await patch(body('prod', { 'auth.LOGIN.1': { status: null } }), 'at_wrong')).status).toBe(401);
  });

  it('feature-states.AUTH.2 feature-states.RESPONSE.8 needs impls:read, specs:read and states:write', async () => {
    for (const missing of WRITE_SCOPES) {
      const limited = await t.token({ team: 'team-a', scopes: WRITE_SCOPES.filter((s) => s !== missing) });
      const res = await patch(body('prod', { 'auth.LOGIN.1': { status: 'rejected' } }), limited);
      expect(res.status).toBe(403);
      expect(res.body.errors.detail).toContain(missing);
    }
    const readOnly = await t.token({ team: 'team-a', scopes: ['impls:read', 'specs:read', 'states:read', 'refs:read'] });
    expect((await patch(body('prod', { 'auth.LOGIN.1': { status: 'rejected' } }), readOnly)).status).toBe(403);
    expect((await storedStates(t.db.prisma, idOf('api/prod'), 'auth'))!['auth.LOGIN.1']!.status).not.toBe('rejected');
  });

  it('feature-states.AUTH.3 another team sees 404 and writes nothing', async () => {
    const other = await t.token({ team: 'team-b' });
    const before = await t.db.prisma.featureImplState.count();
    const res = await patch(body('prod', { 'auth.LOGIN.1': { status: 'rejected' } }), other);
    expect(res.status).toBe(404);
    expect(await t.db.prisma.featureImplState.count()).toBe(before);
  });
});

describe('PATCH /api/v1/feature-states limits (configured by environment)', () => {
  let limited: TestApp;
  let limitedToken: string;

  beforeAll(async () => {
    limited = await createTestApp({
      env: {
        RATE_LIMITS: 'on',
        ACAI_FEATURE_STATES_MAX_BODY_BYTES: '2000',
        ACAI_FEATURE_STATES_MAX_ACIDS: '3',
        ACAI_FEATURE_STATES_MAX_COMMENT_LENGTH: '10',
        ACAI_FEATURE_STATES_WRITES_PER_MINUTE: '6',
      },
    });
    limitedToken = await limited.token({ team: 'team-a' });
    await seedAcai(limited.db.prisma, scenario('team-a'));
  });
  afterAll(async () => limited?.close());

  const send = (payload: unknown) => patchStates(limited, limitedToken, payload);

  it('feature-states.ABUSE.1 feature-states.ABUSE.1-1 feature-states.ABUSE.3 feature-states.RESPONSE.9 feature-states.ABUSE.5 feature-states.ABUSE.5-1 feature-states.ABUSE.5-2 feature-states.ABUSE.5-3 core.OPERATIONS.2 rejects an oversized body with 413 before writing, and logs it safely', async () => {
    const secret = 'PAYLOAD-SECRET-'.repeat(200);
    const res = await send(body('prod', { 'auth.LOGIN.1': { status: 'blocked', comment: secret } }));
    expect(res.status).toBe(413);
    expect(typeof res.body.errors.detail).toBe('string');
    const prodId = (await limited.db.prisma.implementation.findFirst({ where: { name: 'prod', product: { name: 'api' } } }))!.id;
    expect((await storedStates(limited.db.prisma, prodId, 'auth'))!['auth.LOGIN.1']!.status).toBe('completed');

    const line = limited.logs.lines.find((l) => l.event === 'abuse_rejection' && l.status === 413);
    expect(line).toMatchObject({ endpoint: 'PATCH /api/v1/feature-states', team_id: expect.any(String), token_id: expect.any(String) });
    expect(line!.request_id).toEqual(expect.any(String));
    expect(line!.request_bytes).toBeGreaterThan(2000);
    expect(limited.logs.text()).not.toContain(limitedToken);
    expect(limited.logs.text()).not.toContain('PAYLOAD-SECRET');
  });

  it('feature-states.ABUSE.3 feature-states.ABUSE.2 semantic caps come from the environment', async () => {
    const many = await send(body('prod', { 'auth.A.1': { status: null }, 'auth.A.2': { status: null }, 'auth.A.3': { status: null }, 'auth.A.4': { status: null } }));
    expect(many.status).toBe(422);
    expect(many.body.errors.detail).toMatch(/maximum per request is 3/);
    const long = await send(body('prod', { 'auth.A.1': { status: null, comment: 'x'.repeat(11) } }));
    expect(long.status).toBe(422);
    const line = limited.logs.lines.find((l) => l.event === 'abuse_rejection' && l.status === 422);
    expect(line).toMatchObject({ states_count: 4, team_id: expect.any(String) });
  });

  it('feature-states.ABUSE.4 feature-states.ABUSE.4-1 feature-states.ABUSE.4-2 feature-states.RESPONSE.10 rate-limits state writes per token with 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await send(body('prod', { 'auth.LOGIN.2': { status: 'assigned' } }))).status);
    expect(statuses).toContain(429);
    const limitedRes = await send(body('prod', { 'auth.LOGIN.2': { status: 'assigned' } }));
    expect(limitedRes.status).toBe(429);
    expect(limitedRes.headers['retry-after']).toBeDefined();
    expect(typeof limitedRes.body.errors.detail).toBe('string');
    // another token has its own budget
    const fresh = await limited.token({ team: 'team-a' });
    expect((await patchStates(limited, fresh, body('prod', { 'auth.LOGIN.2': { status: 'assigned' } }))).status).toBe(200);
    // reads are not limited by the state-write budget
    expect((await getWith(limited, '/implementations', limitedToken, { product_name: 'api' })).status).toBe(200);
  });
});
