import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, pushWith, repo, SHA, spec } from './push-helpers.js';

// POST /push: the optional parts of the request and how they are stored (push.REQUEST, FEAT,
// FEAT_META, SPEC_REQS, REFS.1), the content type, and refs that compose across pushes.

let t: TestApp;
let token: string;
const push = (payload: unknown) => pushWith(t, token, payload);

const storedSpec = (branchId: string, feature: string) =>
  t.db.prisma.spec.findFirstOrThrow({ where: { branchId, featureName: feature } });
const storedRefs = (branchId: string, feature: string) =>
  t.db.prisma.featureBranchRef.findFirst({ where: { branchId, featureName: feature } }).then((row) => row?.refs);

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

describe('push: content type', () => {
  it('push.ENDPOINT.2 the body is JSON: application/json is accepted, other content types are refused without writing', async () => {
    const r = repo();
    const json = JSON.stringify(body(r, 'main', { references: { data: { 'x.A.1': [{ path: 'a' }] } } }));
    const text = await t.http().post('/api/v1/push').set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send(json);
    expect(text.status).toBe(415);
    expect(typeof text.body.errors.detail).toBe('string');
    expect(await t.db.prisma.branch.count({ where: { repoUri: r } })).toBe(0);

    const ok = await t.http().post('/api/v1/push').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json; charset=utf-8').send(json);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('push.RESPONSE.5 a validation error is a 422 whose errors.detail is a string naming the field', async () => {
    const res = await push({ repo_uri: 'github.com/a/b', branch_name: 'main' });
    expect(res.status).toBe(422);
    expect(res.body).toEqual({ errors: expect.objectContaining({ detail: expect.stringMatching(/commit_hash/) }) });
  });
});

describe('push: optional request fields', () => {
  it('push.REQUEST.4 push.REQUEST.5 specs and references are each optional; a bare push records the branch and commit', async () => {
    const r = repo();
    const bare = await push(body(r, 'main'));
    expect(bare.status, JSON.stringify(bare.body)).toBe(200);
    expect(bare.body.data).toEqual({
      branch_id: expect.any(String),
      implementation_id: null,
      implementation_name: null,
      product_name: null,
      specs_created: 0,
      specs_updated: 0,
      warnings: [],
    });
    const again = await push(body(r, 'main', { commit_hash: SHA('e'), specs: null, references: null }));
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(await t.db.prisma.branch.findUnique({ where: { id: bare.body.data.branch_id } })).toMatchObject({ lastSeenCommit: SHA('e') });
  });

  it('push.REQUEST.7 push.REQUEST.8 push.REQUEST.9 target_impl_name, parent_impl_name and product_name are accepted together with specs', async () => {
    const r = repo();
    const base = await push(body(r, 'main', { specs: [spec({ feature: 'cart', product: 'opt' })] }));
    expect(base.status).toBe(200);
    const child = await push(
      body(r, 'feature/x', { product_name: 'opt', target_impl_name: 'feature-x', parent_impl_name: 'main', specs: [spec({ feature: 'cart', product: 'opt' })] }),
    );
    expect(child.status, JSON.stringify(child.body)).toBe(200);
    expect(child.body.data).toMatchObject({ implementation_name: 'feature-x', product_name: 'opt', specs_created: 1 });
    const impl = await t.db.prisma.implementation.findUniqueOrThrow({ where: { id: child.body.data.implementation_id }, include: { parent: true } });
    expect(impl.parent?.name).toBe('main');
  });
});

describe('push: what a spec stores', () => {
  it('push.FEAT.3 push.FEAT.4 push.FEAT_META.2 description and raw_content are stored; version defaults to 1.0.0', async () => {
    const r = repo();
    const withAll = spec({ feature: 'full', description: 'A described feature', version: '2.1.0-beta.1', raw_content: 'feature:\n  name: full\n' });
    const res = await push(body(r, 'main', { specs: [withAll, spec({ feature: 'plain' })] }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await storedSpec(res.body.data.branch_id, 'full')).toMatchObject({
      featureDescription: 'A described feature',
      featureVersion: '2.1.0-beta.1',
      rawContent: 'feature:\n  name: full\n',
      path: 'features/full.feature.yaml',
      lastSeenCommit: SHA('a'),
    });
    expect(await storedSpec(res.body.data.branch_id, 'plain')).toMatchObject({ featureDescription: null, featureVersion: '1.0.0', rawContent: null });
  });

  it('push.SPEC_REQS.1-2 push.SPEC_REQS.1-3 push.SPEC_REQS.1-4 deprecated, note and replaced_by are stored per ACID with defaults', async () => {
    const r = repo();
    const res = await push(
      body(r, 'main', {
        specs: [
          spec({
            feature: 'reqs',
            requirements: {
              'reqs.A.1': { requirement: 'Old way', deprecated: true, note: 'superseded', replaced_by: ['reqs.A.2'] },
              'reqs.A.2': { requirement: 'New way', note: 'see ADR 7' },
              'reqs.A.3': 'Plain string',
            },
          }),
        ],
      }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect((await storedSpec(res.body.data.branch_id, 'reqs')).requirements).toEqual({
      'reqs.A.1': { definition: 'Old way', note: 'superseded', is_deprecated: true, replaced_by: ['reqs.A.2'] },
      'reqs.A.2': { definition: 'New way', note: 'see ADR 7', is_deprecated: false, replaced_by: [] },
      'reqs.A.3': { definition: 'Plain string', is_deprecated: false, replaced_by: [] },
    });
  });

  it('push.RESPONSE.4 requirement keys that are not ACIDs of their feature are stored with a warning', async () => {
    const res = await push(
      body(repo(), 'main', { specs: [spec({ feature: 'keys', requirements: { 'keys.A.1': 'ok', 'other.A.1': 'foreign', 'keys.A': 'no number' } })] }),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.warnings).toEqual([
      "Requirement key 'other.A.1' of feature 'keys' is not an ACID of the form keys.<GROUP>.<N>",
      "Requirement key 'keys.A' of feature 'keys' is not an ACID of the form keys.<GROUP>.<N>",
    ]);
    expect(Object.keys((await storedSpec(res.body.data.branch_id, 'keys')).requirements as object)).toHaveLength(3);
  });

  it('push.SPEC_REQS.1-2 requirement fields of the wrong type are rejected', async () => {
    const res = await push(body(repo(), 'main', { specs: [spec({ feature: 'bad', requirements: { 'bad.A.1': { requirement: 'x', deprecated: 'yes' } } })] }));
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(/requirements/);
  });
});

describe('push: refs across pushes', () => {
  it('push.REFS.1 override defaults to false: a push without it merges into the bucket', async () => {
    const r = repo();
    const first = await push(body(r, 'main', { references: { data: { 'lib.A.1': [{ path: 'a.ts' }] } } }));
    await push(body(r, 'main', { references: { data: { 'lib.A.2': [{ path: 'b.ts' }] } } }));
    expect(await storedRefs(first.body.data.branch_id, 'lib')).toEqual({
      'lib.A.1': [{ path: 'a.ts', is_test: false }],
      'lib.A.2': [{ path: 'b.ts', is_test: false }],
    });
  });

  it('push.IDEMPOTENCY.4 forgotten refs are added by a later push without touching the specs', async () => {
    const r = repo();
    const first = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })], references: { data: { 'cart.MAIN.1': [{ path: 'src/cart.ts:1' }] } } }));
    const before = await storedSpec(first.body.data.branch_id, 'cart');
    const later = await push(body(r, 'main', { references: { data: { 'cart.MAIN.2': [{ path: 'test/cart.test.ts:4', is_test: true }] } } }));
    expect(later.body.data).toMatchObject({ implementation_name: 'main', specs_created: 0, specs_updated: 0 });
    expect(await storedRefs(first.body.data.branch_id, 'cart')).toEqual({
      'cart.MAIN.1': [{ path: 'src/cart.ts:1', is_test: false }],
      'cart.MAIN.2': [{ path: 'test/cart.test.ts:4', is_test: true }],
    });
    expect((await storedSpec(first.body.data.branch_id, 'cart')).updatedAt).toEqual(before.updatedAt);
  });

  it('push.PERMANENCE.2 refs replaced by override are gone for good; re-pushing them restores them', async () => {
    const r = repo();
    const first = await push(body(r, 'main', { references: { data: { 'lib.A.1': [{ path: 'a.ts' }], 'lib.A.2': [{ path: 'b.ts' }] } } }));
    const branchId = first.body.data.branch_id;
    await push(body(r, 'main', { references: { override: true, data: { 'lib.A.1': [] } } }));
    expect(await storedRefs(branchId, 'lib')).toEqual({ 'lib.A.1': [] });
    await push(body(r, 'main', { references: { data: { 'lib.A.1': [{ path: 'a.ts' }], 'lib.A.2': [{ path: 'b.ts' }] } } }));
    expect(await storedRefs(branchId, 'lib')).toEqual({ 'lib.A.1': [{ path: 'a.ts', is_test: false }], 'lib.A.2': [{ path: 'b.ts', is_test: false }] });
  });
});

describe('push: rejection logs', () => {
  it('push.ABUSE.5-1 push.ABUSE.5-2 push.ABUSE.5-3 a rejected push logs what it aimed at, the team and token id, never the token', async () => {
    const r = repo();
    const readOnly = await t.token({ team: 'team-a', scopes: ['specs:read'] });
    const denied = await pushWith(t, readOnly, body(r, 'release/1', { specs: [spec({ feature: 'cart', product: 'logged' })] }));
    expect(denied.status).toBe(403);
    const line = t.logs.lines.find((l) => l.event === 'abuse_rejection' && l.status === 403 && l.repo_uri === r);
    expect(line).toMatchObject({
      endpoint: 'POST /api/v1/push',
      branch_name: 'release/1',
      product_name: 'logged',
      specs_count: 1,
      team_id: expect.any(String),
      token_id: expect.any(String),
      reason: expect.stringContaining('specs:write'),
    });
    expect(t.logs.text()).not.toContain(readOnly);
  });

  it('push.REQUEST.1 a repo_uri carrying a token is refused; neither the response nor the logs repeat the token', async () => {
    const secret = 'ghp_PastedIntoRepoUri0000000000000000000';
    for (const uri of [`https://x-access-token:${secret}@github.com/acme/app`, `https://${secret}@github.com/acme/app`, `user:${secret}@github.com/acme/app`]) {
      const res = await push(body(uri, 'main', { references: { data: { 'x.A.1': [{ path: 'a' }] } } }));
      expect(res.status).toBe(422);
      expect(res.body.errors.detail).toMatch(/repo_uri.*credentials/);
      expect(res.text).not.toContain(secret);
    }
    expect(t.logs.text()).not.toContain(secret);
    expect(await t.db.prisma.branch.count({ where: { repoUri: { contains: secret } } })).toBe(0);
    const scp = await push(body('git@github.com:acme/app', 'main'));
    expect(scp.status).toBe(200);
  });
});

describe('push: warnings across repositories', () => {
  it('push.RESPONSE.4 push.REFS.4 refs from a linked repo to a spec kept in another repo of the implementation are not reported as dangling', async () => {
    const frontend = repo('frontend');
    const backend = repo('backend');
    const spa = await push(
      body(frontend, 'main', {
        specs: [spec({ feature: 'cart', product: 'multi', requirements: { 'cart.A.1': 'live', 'cart.A.2': { requirement: 'gone', deprecated: true } } })],
      }),
    );
    expect(spa.status, JSON.stringify(spa.body)).toBe(200);
    const refs = { 'cart.A.1': [{ path: 'api/cart.ex:1' }], 'cart.A.2': [{ path: 'api/cart.ex:9' }], 'cart.A.3': [{ path: 'api/cart.ex:20' }] };
    const api = await push(body(backend, 'main', { product_name: 'multi', target_impl_name: 'main', references: { data: refs } }));
    expect(api.status, JSON.stringify(api.body)).toBe(200);
    expect(api.body.data.implementation_id).toBe(spa.body.data.implementation_id);
    expect(api.body.data.warnings).toEqual([
      'Refs to cart.A.2 point at a deprecated requirement',
      "Refs to cart.A.3 were stored, but no spec on branch 'main' or on the branches of implementation 'main' and its parents defines that requirement",
    ]);

    // A child implementation's branch sees its parent's specs too.
    const child = await push(body(backend, 'feature/x', { product_name: 'multi', target_impl_name: 'feature-x', parent_impl_name: 'main', references: { data: { 'cart.A.1': [{ path: 'api/cart.ex:2' }] } } }));
    expect(child.status, JSON.stringify(child.body)).toBe(200);
    expect(child.body.data.warnings).toEqual([]);
  });
});

describe('push: warnings see as deep a chain as the reads do', () => {
  it('push.REFS.4 a ref to a requirement defined 20 parents up is not reported as dangling (the push once walked 16 parents, the reads 32)', async () => {
    const r = repo('deep');
    const main = await push(body(r, 'main', { specs: [spec({ feature: 'deep', requirements: { 'deep.A.1': 'far away' } })] }));
    expect(main.status, JSON.stringify(main.body)).toBe(200);
    const product = main.body.data.product_name as string;
    const refs = { data: { 'deep.A.1': [{ path: 'src/deep.ts:1' }] } };
    let parent = 'main';
    let last: { status: number; body: { data: { warnings: string[] } } } | undefined;
    for (let depth = 1; depth <= 20; depth++) {
      const name = `level-${depth}`;
      last = await push(body(r, name, { product_name: product, target_impl_name: name, parent_impl_name: parent, references: refs }));
      expect(last.status, JSON.stringify(last.body)).toBe(200);
      parent = name;
    }
    expect(last!.body.data.warnings).toEqual([]);
    // The read of the same implementation resolves the same definition through the same walk.
    const context = await t
      .http()
      .get('/api/v1/feature-context')
      .query({ product_name: product, implementation_name: 'level-20', feature_name: 'deep' })
      .set('Authorization', `Bearer ${token}`);
    expect(context.status, JSON.stringify(context.body)).toBe(200);
    expect(context.body.data.acids.map((a: { acid: string }) => a.acid)).toEqual(['deep.A.1']);
  });
});
