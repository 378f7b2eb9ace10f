import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { getWith, READ_SCOPES, seedAcai, storedStates, type Seeded } from './fixtures.js';
import { API, WEB, scenario } from './scenario.js';

let t: TestApp;
let token: string;
let seeded: Seeded;

const ctx = (query: [string, string][] | Record<string, string>, as = token) => getWith(t, '/feature-context', as, query);
const base = (implementation: string, feature = 'auth', product = 'api'): [string, string][] => [
  ['product_name', product],
  ['feature_name', feature],
  ['implementation_name', implementation],
];

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
  seeded = await seedAcai(t.db.prisma, scenario('team-a'));
});
afterAll(async () => t?.close());

describe('GET /api/v1/feature-context', () => {
  it('feature-context.ENDPOINT.1 feature-context.RESPONSE.1 feature-context.RESPONSE.2 feature-context.REQUEST.1 feature-context.REQUEST.2 feature-context.REQUEST.3 returns data for one feature in one implementation', async () => {
    const res = await ctx(base('prod'));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      product_name: 'api',
      feature_name: 'auth',
      implementation_name: 'prod',
      implementation_id: seeded.implementationIds['api/prod'],
    });
  });

  it('feature-context.RESOLUTION.1 feature-context.RESOLUTION.2 feature-context.RESPONSE.3 feature-context.RESPONSE.3-1 feature-context.RESPONSE.3-2 feature-context.RESPONSE.3-3 resolves the newest local spec and says where each section came from', async () => {
    const { data } = (await ctx(base('prod'))).body;
    // web@release holds the newer auth spec, api@main the older one: the newer wins.
    expect(data.acids.find((a: { acid: string }) => a.acid === 'auth.LOGIN.1').requirement).toBe('Users log in with email and password');
    expect(data.spec_source).toEqual({ source_type: 'local', implementation_name: 'prod', branch_names: ['main', 'release'] });
    expect(data.states_source).toEqual({ source_type: 'local', implementation_name: 'prod' });
    expect(data.refs_source).toEqual({ source_type: 'local', implementation_name: 'prod', branch_names: ['main', 'release'] });
  });

  it('feature-context.RESOLUTION.8 breaks an updated_at tie with the smallest branch name', async () => {
    const { data } = (await ctx(base('prod', 'billing'))).body;
    expect(data.acids[0].requirement).toBe('Pay by card'); // api@main ("main" < "release")
  });

  it('feature-context.RESPONSE.4 feature-context.RESPONSE.5 feature-context.RESPONSE.6 feature-context.RESPONSE.7 feature-context.RESPONSE.8 feature-context.REQUEST.6 feature-context.REQUEST.6-note lists ACIDs sorted, without deprecated ones by default, with state and ref counts', async () => {
    const { data } = (await ctx(base('prod'))).body;
    expect(data.acids).toEqual([
      {
        acid: 'auth.LOGIN.1',
        requirement: 'Users log in with email and password',
        note: 'Email is case-insensitive',
        deprecated: false,
        replaced_by: [],
        state: { status: 'completed', comment: 'shipped', updated_at: '2026-01-05T00:00:00.000Z' },
        refs_count: 3,
        test_refs_count: 1,
      },
      {
        acid: 'auth.LOGIN.2',
        requirement: 'Users can log out',
        deprecated: false,
        replaced_by: [],
        state: { status: null },
        refs_count: 1,
        test_refs_count: 0,
      },
    ]);
    expect(data.summary).toEqual({ total_acids: 2, status_counts: { completed: 1, null: 1 } });
  });

  it('feature-context.REQUEST.6 includes deprecated ACIDs with include_deprecated=true', async () => {
    const { data } = (await ctx([...base('prod'), ['include_deprecated', 'true']])).body;
    expect(data.acids.map((a: { acid: string }) => a.acid)).toEqual(['auth.LOGIN.1', 'auth.LOGIN.2', 'auth.LOGIN.3']);
    expect(data.acids[2]).toMatchObject({ deprecated: true, replaced_by: ['auth.LOGIN.2'], state: { status: null } });
    expect(data.summary).toEqual({ total_acids: 3, status_counts: { completed: 1, null: 2 } });
  });

  it('feature-context.REQUEST.4 feature-context.RESPONSE.9 lists refs per ACID with their branch when include_refs=true', async () => {
    const without = (await ctx(base('prod'))).body.data;
    expect(without.acids[0].refs).toBeUndefined();
    const { data } = (await ctx([...base('prod'), ['include_refs', 'true']])).body;
    expect(data.acids[0].refs).toEqual([
      { path: 'src/login.ts:10', is_test: false, repo_uri: API, branch_name: 'main' },
      { path: 'test/login.test.ts:5', is_test: true, repo_uri: API, branch_name: 'main' },
      { path: 'web/login.ts:3', is_test: false, repo_uri: WEB, branch_name: 'release' },
    ]);
  });

  it('feature-context.REQUEST.5 feature-context.RESPONSE.10 feature-context.RESPONSE.10-1 feature-context.RESPONSE.12 reports dangling states', async () => {
    const plain = (await ctx(base('prod'))).body.data;
    expect(plain.dangling_states).toBeUndefined();
    expect(plain.warnings).toHaveLength(1);
    expect(plain.warnings[0]).toMatch(/1 stored state has no matching requirement/);
    const { data } = (await ctx([...base('prod'), ['include_dangling_states', 'true']])).body;
    expect(data.dangling_states).toEqual([{ acid: 'auth.OLD.9', state: { status: 'blocked' } }]);
    expect(data.warnings[0]).toMatch(/dangling/);
  });

  it('feature-context.REQUEST.7 feature-context.REQUEST.7-1 feature-context.RESOLUTION.7 feature-context.RESPONSE.11 feature-context.RESPONSE.4-note filters ACIDs by resolved status, `null` matching no status', async () => {
    const nulls = (await ctx([...base('prod'), ['statuses', 'null']])).body.data;
    expect(nulls.acids.map((a: { acid: string }) => a.acid)).toEqual(['auth.LOGIN.2']);
    expect(nulls.acids[0].state).toEqual({ status: null });
    expect(nulls.summary).toEqual({ total_acids: 1, status_counts: { null: 1 } });

    const both = (await ctx([...base('prod'), ['statuses', 'completed'], ['statuses', 'null']])).body.data;
    expect(both.acids).toHaveLength(2);
    const none = (await ctx([...base('prod'), ['statuses', 'rejected']])).body.data;
    expect(none.acids).toEqual([]);
    expect(none.summary).toEqual({ total_acids: 0, status_counts: {} });
  });

  it('feature-context.RESPONSE.11 an explicitly stored null status reads as null', async () => {
    await t.db.prisma.featureImplState.update({
      where: { implementationId_featureName: { implementationId: seeded.implementationIds['api/prod']!, featureName: 'billing' } },
      data: { states: { 'billing.PAY.1': { status: null, comment: 'reopened' } } },
    });
    const { data } = (await ctx([...base('prod', 'billing'), ['statuses', 'null']])).body;
    expect(data.acids[0].state).toEqual({ status: null, comment: 'reopened' });
    await t.db.prisma.featureImplState.update({
      where: { implementationId_featureName: { implementationId: seeded.implementationIds['api/prod']!, featureName: 'billing' } },
      data: { states: { 'billing.PAY.1': { status: 'accepted' } } },
    });
  });

  it('feature-context.RESOLUTION.3 feature-context.RESOLUTION.5 uses its own spec, and inherits refs from the nearest ancestor that has some', async () => {
    const { data } = (await ctx(base('dev'))).body;
    expect(data.spec_source).toEqual({ source_type: 'local', implementation_name: 'dev', branch_names: ['dev'] });
    expect(data.acids[0].requirement).toBe('DEV login text');
    expect(data.refs_source).toEqual({ source_type: 'inherited', implementation_name: 'prod', branch_names: ['main', 'release'] });
    expect(data.acids[0].refs_count).toBe(3);
  });

  it('feature-context.RESOLUTION.3 feature-context.RESOLUTION.4 walks two levels up for spec and states', async () => {
    const { data } = (await ctx(base('feat', 'billing'))).body;
    expect(data.spec_source).toEqual({ source_type: 'inherited', implementation_name: 'prod', branch_names: ['main', 'release'] });
    expect(data.states_source).toEqual({ source_type: 'inherited', implementation_name: 'prod' });
    expect(data.acids[0].state.status).toBe('accepted');
    expect(data.refs_source).toEqual({ source_type: 'none', branch_names: [] });
  });

  it('feature-context.RESOLUTION.6 an empty local state row stops state inheritance', async () => {
    const dev = (await ctx(base('dev'))).body.data;
    expect(dev.states_source).toEqual({ source_type: 'local', implementation_name: 'dev' });
    expect(dev.acids.every((a: { state: { status: unknown } }) => a.state.status === null)).toBe(true);
    // feat inherits dev's empty row, not prod's completed state
    const feat = (await ctx(base('feat'))).body.data;
    expect(feat.spec_source).toMatchObject({ source_type: 'inherited', implementation_name: 'dev' });
    expect(feat.states_source).toEqual({ source_type: 'inherited', implementation_name: 'dev' });
    expect(feat.acids[0].state).toEqual({ status: null });
  });

  it('feature-context.RESPONSE.3-1 reports source_type none when nothing resolves for states', async () => {
    const { data } = (await ctx(base('prod', 'auth', 'web'))).body;
    expect(data.states_source).toEqual({ source_type: 'none' });
  });

  it('feature-context.RESOLUTION.9 feature-context.RESOLUTION.10 same-name features in other products have their own spec but share branch refs', async () => {
    const { data } = (await ctx(base('prod', 'auth', 'web'))).body;
    expect(data.acids.map((a: { acid: string }) => a.acid)).toEqual(['auth.WEB.1']);
    expect(data.spec_source).toEqual({ source_type: 'local', implementation_name: 'prod', branch_names: ['main'] });
    expect(data.refs_source).toEqual({ source_type: 'local', implementation_name: 'prod', branch_names: ['main'] });
    const withDeprecated = (await ctx([...base('prod', 'auth', 'web'), ['include_dangling_states', 'true']])).body.data;
    expect(withDeprecated.dangling_states).toEqual([]);
  });

  it('feature-context.RESPONSE.13 answers 404 with a detail for an unknown product, implementation or feature', async () => {
    const product = await ctx(base('prod', 'auth', 'nope'));
    expect(product.status).toBe(404);
    expect(product.body.errors.detail).toBe("Product 'nope' not found");
    const impl = await ctx(base('nope'));
    expect(impl.status).toBe(404);
    expect(impl.body.errors.detail).toBe("Implementation 'nope' not found in product 'api'");
    const feature = await ctx(base('lonely'));
    expect(feature.status).toBe(404);
    expect(feature.body.errors.detail).toMatch(/Feature 'auth' has no spec in product 'api'/);
    const unknown = await ctx(base('prod', 'nope'));
    expect(unknown.status).toBe(404);
  });

  it('feature-context.VALIDATION.1 feature-context.VALIDATION.2 feature-context.RESPONSE.14 rejects missing names, bad booleans and unknown statuses with 422', async () => {
    const missing = await ctx({ product_name: 'api', feature_name: 'auth' });
    expect(missing.status).toBe(422);
    expect(missing.body.errors.detail).toMatch(/implementation_name/);
    const blank = await ctx([...base('prod').slice(0, 2), ['implementation_name', '  ']]);
    expect(blank.status).toBe(422);
    const bool = await ctx([...base('prod'), ['include_refs', 'yes']]);
    expect(bool.status).toBe(422);
    const status = await ctx([...base('prod'), ['statuses', 'done']]);
    expect(status.status).toBe(422);
    expect(status.body.errors.detail).toMatch(/statuses/);
  });

  it('feature-context.ENDPOINT.2 feature-context.AUTH.1 feature-context.RESPONSE.15 answers 401 without a valid, unexpired token', async () => {
    const none = await ctx(base('prod'), null as unknown as string);
    expect(none.status).toBe(401);
    expect(typeof none.body.errors.detail).toBe('string');
    const bad = await ctx(base('prod'), 'at_not-a-real-token');
    expect(bad.status).toBe(401);
    const expired = await t.token({ team: 'team-a', expiresAt: new Date(Date.now() - 1000) });
    expect((await ctx(base('prod'), expired)).status).toBe(401);
  });

  it('feature-context.AUTH.2 feature-context.RESPONSE.16 answers 403 when any read scope is missing', async () => {
    for (const missing of READ_SCOPES) {
      const limited = await t.token({ team: 'team-a', scopes: READ_SCOPES.filter((s) => s !== missing) });
      const res = await ctx(base('prod'), limited);
      expect(res.status).toBe(403);
      expect(res.body.errors.detail).toContain(missing);
    }
  });

  it('feature-context.AUTH.3 another team sees 404, never data', async () => {
    const other = await t.token({ team: 'team-b' });
    await seedAcai(t.db.prisma, { team: 'team-b', products: { web: [{ name: 'other' }] } });
    const res = await ctx(base('prod'), other);
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain('auth.LOGIN');
    const sameProductName = await ctx(base('prod', 'auth', 'web'), other);
    expect(sameProductName.status).toBe(404);
    expect(sameProductName.body.errors.detail).toBe("Implementation 'prod' not found in product 'web'");
  });

  it('feature-context.VALIDATION.3 is read-only', async () => {
    const before = await storedStates(t.db.prisma, seeded.implementationIds['api/feat']!, 'auth');
    const counts = async () => ({
      specs: await t.db.prisma.spec.count(),
      refs: await t.db.prisma.featureBranchRef.count(),
      states: await t.db.prisma.featureImplState.count(),
      impls: await t.db.prisma.implementation.count(),
    });
    const start = await counts();
    await ctx([...base('feat'), ['include_refs', 'true'], ['include_dangling_states', 'true']]);
    expect(await counts()).toEqual(start);
    expect(await storedStates(t.db.prisma, seeded.implementationIds['api/feat']!, 'auth')).toEqual(before);
  });

  it('feature-context names match case-insensitively, as the reference server does', async () => {
    const res = await ctx(base('PROD', 'auth', 'API'));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ product_name: 'api', implementation_name: 'prod' });
  });
});
