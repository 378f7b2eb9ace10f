import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { getWith, READ_SCOPES, seedAcai, type Seeded } from './fixtures.js';
import { scenario } from './scenario.js';

let t: TestApp;
let token: string;
let seeded: Seeded;

const list = (query: [string, string][] | Record<string, string>, as: string | null = token) =>
  getWith(t, '/implementation-features', as, query);
const base = (implementation: string, product = 'api'): [string, string][] => [
  ['product_name', product],
  ['implementation_name', implementation],
];
const names = (body: { data: { features: { feature_name: string }[] } }) => body.data.features.map((f) => f.feature_name);

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
  seeded = await seedAcai(t.db.prisma, scenario('team-a'));
});
afterAll(async () => t?.close());

describe('GET /api/v1/implementation-features', () => {
  it('implementation-features.ENDPOINT.1 implementation-features.REQUEST.1 implementation-features.REQUEST.2 implementation-features.RESPONSE.1 implementation-features.RESPONSE.2 implementation-features.RESPONSE.3 returns the worklist sorted by feature name', async () => {
    const res = await list(base('prod'));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ product_name: 'api', implementation_name: 'prod', implementation_id: seeded.implementationIds['api/prod'] });
    expect(names(res.body)).toEqual(['auth', 'billing']);
  });

  it('implementation-features.DISCOVERY.2 implementation-features.DISCOVERY.3 implementation-features.RESPONSE.4 implementation-features.RESPONSE.5 implementation-features.RESPONSE.6 implementation-features.RESPONSE.7 summarises each feature from its canonical spec', async () => {
    const { features } = (await list(base('prod'))).body.data;
    expect(features[0]).toEqual({
      feature_name: 'auth',
      description: 'Authentication', // the newer spec (web@release), not "Old authentication"
      completed_count: 1,
      total_count: 3,
      refs_count: 3,
      test_refs_count: 1,
      has_local_spec: true,
      has_local_states: true,
      spec_last_seen_commit: 'a2',
      states_inherited: false,
      refs_inherited: false,
    });
    expect(features[1]).toMatchObject({ feature_name: 'billing', description: null, completed_count: 1, total_count: 1, refs_count: 0 });
  });

  it('implementation-features.DISCOVERY.8 prefers the smallest branch name on an updated_at tie', async () => {
    const { features } = (await list(base('prod'))).body.data;
    expect(features[1].spec_last_seen_commit).toBe('b1'); // api@main, not web@release (b2)
  });

  it('implementation-features.DISCOVERY.1 implementation-features.DISCOVERY.4 implementation-features.DISCOVERY.5 lists inherited features with inherited states and refs', async () => {
    const { features } = (await list(base('feat'))).body.data;
    expect(features.map((f: { feature_name: string }) => f.feature_name)).toEqual(['auth', 'billing', 'search']);
    const [auth, billing, search] = features;
    // auth: dev's spec; dev's EMPTY state row stops inheritance; refs from prod (dev has none)
    expect(auth).toMatchObject({
      description: 'Dev authentication',
      spec_last_seen_commit: 'a3',
      total_count: 2,
      completed_count: 0,
      has_local_spec: false,
      has_local_states: false,
      states_inherited: true,
      refs_inherited: true,
      refs_count: 3,
      test_refs_count: 1,
    });
    // billing: spec and states two levels up (prod)
    expect(billing).toMatchObject({ completed_count: 1, states_inherited: true, has_local_spec: false, refs_inherited: false, refs_count: 0 });
    // search: spec from dev, refs on feat's own branch
    expect(search).toMatchObject({ has_local_spec: false, refs_inherited: false, refs_count: 1, states_inherited: false, has_local_states: false });
  });

  it('implementation-features.DISCOVERY.4 local states count for completion and stop inheritance', async () => {
    const { features } = (await list(base('dev'))).body.data;
    expect(features.find((f: { feature_name: string }) => f.feature_name === 'auth')).toMatchObject({
      has_local_spec: true,
      has_local_states: true,
      states_inherited: false,
      completed_count: 0,
    });
  });

  it('implementation-features.REQUEST.3 implementation-features.REQUEST.3-1 implementation-features.DISCOVERY.6 keeps features with at least one ACID in the given statuses', async () => {
    expect(names((await list([...base('prod'), ['statuses', 'accepted']])).body)).toEqual(['billing']);
    // auth has LOGIN.2 and LOGIN.3 without status; billing's only ACID is accepted
    expect(names((await list([...base('prod'), ['statuses', 'null']])).body)).toEqual(['auth']);
    expect(names((await list([...base('prod'), ['statuses', 'null'], ['statuses', 'accepted']])).body)).toEqual(['auth', 'billing']);
    expect(names((await list([...base('prod'), ['statuses', 'rejected']])).body)).toEqual([]);
  });

  it('implementation-features.REQUEST.4 implementation-features.REQUEST.4-note implementation-features.DISCOVERY.7 filters out features whose canonical spec is at the given commit, inherited specs included', async () => {
    expect(names((await list([...base('prod'), ['changed_since_commit', 'a2']])).body)).toEqual(['billing']);
    expect(names((await list([...base('prod'), ['changed_since_commit', 'a1']])).body)).toEqual(['auth', 'billing']);
    expect(names((await list([...base('feat'), ['changed_since_commit', 'b1']])).body)).toEqual(['auth', 'search']);
  });

  it('implementation-features.DISCOVERY.9 implementation-features.DISCOVERY.10 keeps same-name features per product, sharing a branch refs bucket', async () => {
    const { features } = (await list(base('prod', 'web'))).body.data;
    expect(features).toHaveLength(1);
    expect(features[0]).toMatchObject({ feature_name: 'auth', total_count: 1, spec_last_seen_commit: 'w1', refs_count: 2, test_refs_count: 1 });
  });

  it('implementation-features.RESPONSE.3 an implementation without branches has an empty worklist', async () => {
    const res = await list(base('lonely'));
    expect(res.status).toBe(200);
    expect(res.body.data.features).toEqual([]);
  });

  it('implementation-features.RESPONSE.9 answers 404 with a detail for an unknown product or implementation', async () => {
    const product = await list(base('prod', 'nope'));
    expect(product.status).toBe(404);
    expect(product.body.errors.detail).toBe("Product 'nope' not found");
    const impl = await list(base('nope'));
    expect(impl.status).toBe(404);
    expect(impl.body.errors.detail).toMatch(/Implementation 'nope' not found/);
  });

  it('implementation-features.VALIDATION.1 implementation-features.VALIDATION.2 implementation-features.RESPONSE.8 rejects missing names and unknown statuses with 422', async () => {
    const missing = await list({ product_name: 'api' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.detail).toMatch(/implementation_name/);
    const status = await list([...base('prod'), ['statuses', 'todo']]);
    expect(status.status).toBe(422);
    expect(status.body.errors.detail).toMatch(/statuses/);
  });

  it('implementation-features.ENDPOINT.2 implementation-features.AUTH.1 implementation-features.RESPONSE.10 answers 401 without a valid token', async () => {
    expect((await list(base('prod'), null)).status).toBe(401);
    const bad = await list(base('prod'), 'at_bogus');
    expect(bad.status).toBe(401);
    expect(typeof bad.body.errors.detail).toBe('string');
  });

  it('implementation-features.AUTH.2 implementation-features.RESPONSE.11 answers 403 when any read scope is missing', async () => {
    for (const missing of READ_SCOPES) {
      const limited = await t.token({ team: 'team-a', scopes: READ_SCOPES.filter((s) => s !== missing) });
      const res = await list(base('prod'), limited);
      expect(res.status).toBe(403);
      expect(res.body.errors.detail).toContain(missing);
    }
  });

  it('implementation-features.AUTH.3 another team sees 404, never data', async () => {
    const other = await t.token({ team: 'team-b' });
    const res = await list(base('prod'), other);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('billing');
  });

  it('implementation-features.VALIDATION.3 returns summaries, not ACID definitions, and writes nothing', async () => {
    const before = await t.db.prisma.featureImplState.count();
    const res = await list(base('feat'));
    expect(JSON.stringify(res.body)).not.toContain('auth.LOGIN');
    expect(await t.db.prisma.featureImplState.count()).toBe(before);
  });
});
