import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { getWith, seedAcai, type Seeded } from './fixtures.js';
import { API, WEB, scenario } from './scenario.js';

let t: TestApp;
let token: string;
let seeded: Seeded;

const list = (query: Record<string, string>, as: string | null = token) => getWith(t, '/implementations', as, query);
const entries = (body: { data: { implementations: { product_name: string; implementation_name: string }[] } }) =>
  body.data.implementations.map((i) => `${i.product_name}/${i.implementation_name}`);

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
  seeded = await seedAcai(t.db.prisma, scenario('team-a'));
  // Another team with the same product, implementation and branch names.
  await seedAcai(t.db.prisma, {
    team: 'team-b',
    products: { api: [{ name: 'prod', branches: [`${API}@main`] }, { name: 'zeta', branches: [`${API}@main`] }] },
    specs: [{ product: 'api', branch: `${API}@main`, feature: 'search', requirements: { 'search.X.1': { requirement: 'x' } } }],
  });
});
afterAll(async () => t?.close());

describe('GET /api/v1/implementations', () => {
  it('implementations.ENDPOINT.1 implementations.REQUEST.1 implementations.FILTERS.1 implementations.RESPONSE.1 implementations.RESPONSE.2 implementations.RESPONSE.4 implementations.RESPONSE.5 implementations.RESPONSE.6 lists a product\'s implementations sorted by name', async () => {
    const res = await list({ product_name: 'api' });
    expect(res.status).toBe(200);
    expect(res.body.data.product_name).toBe('api');
    expect(res.body.data.repo_uri).toBeUndefined();
    expect(res.body.data.implementations).toEqual(
      ['dev', 'feat', 'lonely', 'prod'].map((name) => ({
        implementation_name: name,
        implementation_id: seeded.implementationIds[`api/${name}`],
        product_name: 'api',
      })),
    );
  });

  it('implementations.REQUEST.2 implementations.REQUEST.3 implementations.FILTERS.2 implementations.RESPONSE.3 narrows a product to implementations tracking the exact branch', async () => {
    const res = await list({ product_name: 'api', repo_uri: API, branch_name: 'main' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ product_name: 'api', repo_uri: API, branch_name: 'main' });
    expect(entries(res.body)).toEqual(['api/prod']);
    expect(entries((await list({ product_name: 'api', repo_uri: WEB, branch_name: 'main' })).body)).toEqual([]);
    expect(entries((await list({ product_name: 'api', repo_uri: `${API}.git`, branch_name: 'main' })).body)).toEqual([]);
  });

  it('implementations.REQUEST.1-1 implementations.FILTERS.1-1 implementations.FILTERS.7 implementations.RESPONSE.6-1 without a product lists every product\'s implementations on the branch, by product then name', async () => {
    const res = await list({ repo_uri: API, branch_name: 'main' });
    expect(res.status).toBe(200);
    expect(res.body.data.product_name).toBeUndefined();
    expect(res.body.data).toMatchObject({ repo_uri: API, branch_name: 'main' });
    expect(entries(res.body)).toEqual(['api/prod', 'web/prod']);
  });

  it('implementations.REQUEST.4 implementations.REQUEST.4-note implementations.FILTERS.5 implementations.FILTERS.6 keeps only implementations that resolve the feature in their own product, inheritance included', async () => {
    expect(entries((await list({ product_name: 'api', feature_name: 'search' })).body)).toEqual(['api/dev', 'api/feat']);
    expect(entries((await list({ product_name: 'api', feature_name: 'billing' })).body)).toEqual(['api/dev', 'api/feat', 'api/prod']);
    expect(entries((await list({ repo_uri: API, branch_name: 'main', feature_name: 'auth' })).body)).toEqual(['api/prod', 'web/prod']);
    // web/prod tracks api@main, which has `billing` only for product api
    expect(entries((await list({ repo_uri: API, branch_name: 'main', feature_name: 'billing' })).body)).toEqual(['api/prod']);
    expect(entries((await list({ product_name: 'api', feature_name: 'nope' })).body)).toEqual([]);
  });

  it('implementations.RESPONSE.7 an unknown product or untracked branch gives an empty list', async () => {
    const res = await list({ product_name: 'nope' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ product_name: 'nope', implementations: [] });
    expect(entries((await list({ repo_uri: API, branch_name: 'nope' })).body)).toEqual([]);
  });

  it('implementations.FILTERS.3 implementations.FILTERS.4 implementations.VALIDATION.1 implementations.VALIDATION.1-1 implementations.VALIDATION.2 implementations.RESPONSE.8 validates the lookup mode with 422', async () => {
    const branchOnly = await list({ branch_name: 'main' });
    expect(branchOnly.status).toBe(422);
    expect(branchOnly.body.errors.detail).toMatch(/repo_uri is required when branch_name is provided/);
    const repoOnly = await list({ product_name: 'api', repo_uri: API });
    expect(repoOnly.status).toBe(422);
    expect(repoOnly.body.errors.detail).toMatch(/branch_name is required when repo_uri is provided/);
    const nothing = await list({});
    expect(nothing.status).toBe(422);
    expect(nothing.body.errors.detail).toMatch(/repo_uri and branch_name are required when product_name is omitted/);
    const blank = await list({ product_name: ' ' });
    expect(blank.status).toBe(422);
  });

  it('implementations.VALIDATION.3 feature_name is optional', async () => {
    expect((await list({ repo_uri: API, branch_name: 'dev' })).status).toBe(200);
  });

  it('implementations.ENDPOINT.2 implementations.AUTH.1 implementations.RESPONSE.9 answers 401 without a valid token', async () => {
    const res = await list({ product_name: 'api' }, null);
    expect(res.status).toBe(401);
    expect(typeof res.body.errors.detail).toBe('string');
    const revoked = await t.token({ team: 'team-a' });
    await t.db.prisma.apiToken.updateMany({ where: { revokedAt: null, tokenPrefix: revoked.slice(0, 11) }, data: { revokedAt: new Date() } });
    expect((await list({ product_name: 'api' }, revoked)).status).toBe(401);
  });

  it('implementations.AUTH.2 implementations.AUTH.3 implementations.RESPONSE.10 needs impls:read, and specs:read with feature_name', async () => {
    const noImpls = await t.token({ team: 'team-a', scopes: ['specs:read'] });
    const res = await list({ product_name: 'api' }, noImpls);
    expect(res.status).toBe(403);
    expect(res.body.errors.detail).toContain('impls:read');
    const implsOnly = await t.token({ team: 'team-a', scopes: ['impls:read'] });
    expect((await list({ product_name: 'api' }, implsOnly)).status).toBe(200);
    const featureRes = await list({ product_name: 'api', feature_name: 'auth' }, implsOnly);
    expect(featureRes.status).toBe(403);
    expect(featureRes.body.errors.detail).toContain('specs:read');
  });

  it('implementations.AUTH.4 lookups are scoped to the token\'s team', async () => {
    const other = await t.token({ team: 'team-b' });
    const byProduct = await list({ product_name: 'api' }, other);
    expect(entries(byProduct.body)).toEqual(['api/prod', 'api/zeta']);
    expect(byProduct.body.data.implementations.map((i: { implementation_id: string }) => i.implementation_id)).not.toContain(
      seeded.implementationIds['api/prod'],
    );
    expect(entries((await list({ repo_uri: API, branch_name: 'main' }, other)).body)).toEqual(['api/prod', 'api/zeta']);
    expect(entries((await list({ product_name: 'web' }, other)).body)).toEqual([]);
    expect(entries((await list({ product_name: 'api', feature_name: 'auth' }, other)).body)).toEqual([]);
    expect(entries((await list({ product_name: 'api', feature_name: 'search' }, other)).body)).toEqual(['api/prod', 'api/zeta']);
  });

  it('implementations.VALIDATION.4 is read-only', async () => {
    const before = [await t.db.prisma.implementation.count(), await t.db.prisma.branch.count(), await t.db.prisma.product.count()];
    await list({ repo_uri: API, branch_name: 'brand-new', feature_name: 'auth' });
    await list({ product_name: 'brand-new' });
    expect([await t.db.prisma.implementation.count(), await t.db.prisma.branch.count(), await t.db.prisma.product.count()]).toEqual(before);
  });
});
