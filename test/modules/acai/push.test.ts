import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, product, pushWith, repo, SHA, spec } from './push-helpers.js';

// POST /api/v1/push: request shape, spec and ref writes, idempotency, warnings, auth and tenancy.

let t: TestApp;
let token: string;
const push = (payload: unknown) => pushWith(t, token, payload);

const specRow = (branchId: string, feature: string) =>
  t.db.prisma.$queryRaw<{ id: string; xmin: string; requirements: unknown; feature_version: string; feature_description: string | null; path: string; raw_content: string | null; updated_at: Date }[]>`
    SELECT id, xmin::text AS xmin, requirements, feature_version, feature_description, path, raw_content, updated_at
      FROM specs WHERE branch_id = ${branchId}::uuid AND feature_name = ${feature}`.then((rows) => rows[0]);
const refRow = (branchId: string, feature: string) =>
  t.db.prisma.$queryRaw<{ refs: Record<string, unknown>; commit: string; xmin: string }[]>`
    SELECT refs, commit, xmin::text AS xmin FROM feature_branch_refs WHERE branch_id = ${branchId}::uuid AND feature_name = ${feature}`.then((rows) => rows[0]);

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

describe('push: the documented example', () => {
  it('push.ENDPOINT.1 push.RESPONSE.1 push.RESPONSE.2 push.RESPONSE.3 push.INSERT_SPEC.1 the documented example body, sent as written, creates one spec', async () => {
    // The request body of the push example in the acai API documentation, as the docs show it.
    const payload: unknown = JSON.parse(readFileSync(new URL('../../fixtures/acai-push-example.json', import.meta.url), 'utf8'));
    const res = await push(payload);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ implementation_name: 'main', product_name: 'my-app', specs_created: 1, specs_updated: 0 });
    expect(res.body.data.branch_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.data.implementation_id).toMatch(/^[0-9a-f-]{36}$/);
    // The example's short commit hashes are accepted with a warning.
    expect(res.body.data.warnings).toEqual([
      "commit_hash 'abc123def456' is not a full 40-character git SHA",
      "meta.last_seen_commit 'abc123def456' of feature 'auth-feature' is not a full 40-character git SHA",
    ]);
    const stored = await specRow(res.body.data.branch_id, 'auth-feature');
    expect(stored?.requirements).toEqual({ 'auth-feature.AUTH.1': { definition: 'Must validate credentials', is_deprecated: false, replaced_by: [] } });
    expect(stored?.feature_version).toBe('1.0.0');
    const branch = await t.db.prisma.branch.findUnique({ where: { id: res.body.data.branch_id } });
    expect(branch).toMatchObject({ repoUri: 'github.com/my-org/my-repo', branchName: 'main', lastSeenCommit: 'abc123def456' });
  });
});

describe('push: specs', () => {
  it('push.IDEMPOTENCY.1 push.RESPONSE.3-note an identical re-push writes nothing and reports 0/0', async () => {
    const r = repo();
    const payload = body(r, 'main', {
      specs: [spec({ feature: 'cart', raw_content: 'feature:\n  name: cart\n' }), spec({ feature: 'wish' })],
      references: { override: false, data: { 'cart.MAIN.1': [{ path: 'src/cart.ts:1' }] } },
    });
    const first = await push(payload);
    expect(first.body.data).toMatchObject({ specs_created: 2, specs_updated: 0, warnings: [] });
    const branchId = first.body.data.branch_id;
    const before = [await specRow(branchId, 'cart'), await specRow(branchId, 'wish'), await refRow(branchId, 'cart')];
    const branchBefore = await t.db.prisma.$queryRaw<{ xmin: string }[]>`SELECT xmin::text AS xmin FROM branches WHERE id = ${branchId}::uuid`;

    const again = await push(payload);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ ...first.body.data, specs_created: 0, specs_updated: 0 });
    const after = [await specRow(branchId, 'cart'), await specRow(branchId, 'wish'), await refRow(branchId, 'cart')];
    expect(after.map((row) => row?.xmin)).toEqual(before.map((row) => row?.xmin));
    const branchAfter = await t.db.prisma.$queryRaw<{ xmin: string }[]>`SELECT xmin::text AS xmin FROM branches WHERE id = ${branchId}::uuid`;
    expect(branchAfter).toEqual(branchBefore);
  });

  it('push.UPDATE_SPEC.1 push.UPDATE_SPEC.2 push.UPDATE_SPEC.3 push.INSERT_SPEC.2 data-model.SPEC_IDENTITY.1 data-model.SPEC_IDENTITY.4 an update overwrites the spec in place', async () => {
    const r = repo();
    const first = await push(body(r, 'main', {
      specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': 'Add', 'cart.A.2': { requirement: 'Remove' } } })],
    }));
    const branchId = first.body.data.branch_id;
    const original = await specRow(branchId, 'cart');

    const res = await push(body(r, 'main', {
      commit_hash: SHA('b'),
      specs: [spec({
        feature: 'cart', version: '1.1.0', description: 'The cart', path: 'features/shop/cart.feature.yaml', raw_content: 'x: 1', commit: SHA('b'),
        requirements: { 'cart.A.1': { requirement: 'Add items', note: 'any size', deprecated: true, replaced_by: ['cart.A.3'] }, 'cart.A.3': 'Add many' },
      })],
    }));
    expect(res.body.data).toMatchObject({ specs_created: 0, specs_updated: 1 });
    const updated = await specRow(branchId, 'cart');
    expect(updated?.id).toBe(original?.id);
    expect(updated).toMatchObject({ feature_version: '1.1.0', feature_description: 'The cart', path: 'features/shop/cart.feature.yaml', raw_content: 'x: 1' });
    // Replaced whole: cart.A.2 is gone.
    expect(updated?.requirements).toEqual({
      'cart.A.1': { definition: 'Add items', note: 'any size', is_deprecated: true, replaced_by: ['cart.A.3'] },
      'cart.A.3': { definition: 'Add many', is_deprecated: false, replaced_by: [] },
    });
    const branch = await t.db.prisma.branch.findUnique({ where: { id: branchId } });
    expect(branch?.lastSeenCommit).toBe(SHA('b'));
  });

  it('data-model.SPEC_IDENTITY.3 renaming a feature creates a new spec and keeps the old one', async () => {
    const r = repo();
    const first = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    const res = await push(body(r, 'main', { specs: [spec({ feature: 'basket' })] }));
    expect(res.body.data).toMatchObject({ specs_created: 1, specs_updated: 0 });
    expect(await specRow(first.body.data.branch_id, 'cart')).toBeDefined();
  });

  it('push.FEAT.5 push.FEAT.5-note prerequisites are accepted and not stored as a column', async () => {
    const r = repo();
    const s = spec({ feature: 'prereq' });
    const res = await push(body(r, 'main', { specs: [{ ...s, feature: { ...s.feature, prerequisites: ['auth'] } }] }));
    expect(res.status).toBe(200);
  });
});

describe('push: refs', () => {
  it('push.REFS.5 push.WRITE_REFS.1 push.WRITE_REFS.4 without override, incoming ACIDs replace theirs and others stay', async () => {
    const r = repo();
    const first = await push(body(r, 'main', {
      specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': 'a', 'cart.A.2': 'b' } })],
      references: { data: { 'cart.A.1': [{ path: 'src/a.ts:1' }], 'cart.A.2': [{ path: 'src/b.ts:1', is_test: true }] } },
    }));
    const branchId = first.body.data.branch_id;
    await push(body(r, 'main', { commit_hash: SHA('c'), references: { override: false, data: { 'cart.A.1': [{ path: 'src/a.ts:9' }] } } }));
    const row = await refRow(branchId, 'cart');
    expect(row?.refs).toEqual({ 'cart.A.1': [{ path: 'src/a.ts:9', is_test: false }], 'cart.A.2': [{ path: 'src/b.ts:1', is_test: true }] });
    expect(row?.commit).toBe(SHA('c'));
  });

  it('push.REFS.6 with override, each touched bucket is replaced entirely; untouched buckets stay', async () => {
    const r = repo();
    const first = await push(body(r, 'main', {
      specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': 'a', 'cart.A.2': 'b' } })],
      references: { data: { 'cart.A.1': [{ path: 'a' }], 'cart.A.2': [{ path: 'b' }], 'other.X.1': [{ path: 'o' }] } },
    }));
    const branchId = first.body.data.branch_id;
    await push(body(r, 'main', { references: { override: true, data: { 'cart.A.1': [{ path: 'z' }] } } }));
    expect((await refRow(branchId, 'cart'))?.refs).toEqual({ 'cart.A.1': [{ path: 'z', is_test: false }] });
    expect((await refRow(branchId, 'other'))?.refs).toEqual({ 'other.X.1': [{ path: 'o', is_test: false }] });
  });

  it('push.REFS.3 push.REFS.4 push.REFS.7 push.WRITE_REFS.2 push.WRITE_REFS.3 push.IDEMPOTENCY.6 a refs-only push to an untracked branch stores dangling refs and stays untracked', async () => {
    const r = repo();
    const payload = body(r, 'main', { references: { data: { 'ghost.X.1': [{ path: 'src/g.ts:1' }] } } });
    for (let i = 0; i < 2; i++) {
      const res = await push(payload);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ implementation_id: null, implementation_name: null, product_name: null, specs_created: 0, specs_updated: 0 });
      expect(res.body.data.warnings).toEqual(["Refs to ghost.X.1 were stored, but no spec on branch 'main' defines that requirement"]);
      expect(await t.db.prisma.trackedBranch.count({ where: { branchId: res.body.data.branch_id } })).toBe(0);
      expect((await refRow(res.body.data.branch_id, 'ghost'))?.refs).toEqual({ 'ghost.X.1': [{ path: 'src/g.ts:1', is_test: false }] });
    }
  });

  it('push.WRITE_REFS.5 data-model.SPEC_IDENTITY.6 data-model.SPEC_IDENTITY.7 same-name features of two products keep two specs and share one refs bucket', async () => {
    const r = repo();
    const a = await push(body(r, 'main', { specs: [spec({ feature: 'login', product: 'web' })], references: { data: { 'login.MAIN.1': [{ path: 'web.ts' }] } } }));
    const b = await push(body(r, 'main', { specs: [spec({ feature: 'login', product: 'mobile' })], references: { data: { 'login.MAIN.2': [{ path: 'app.ts' }] } } }));
    expect(b.body.data).toMatchObject({ product_name: 'mobile', specs_created: 1 });
    expect(b.body.data.branch_id).toBe(a.body.data.branch_id);
    expect(await t.db.prisma.spec.count({ where: { branchId: a.body.data.branch_id, featureName: 'login' } })).toBe(2);
    expect(Object.keys((await refRow(a.body.data.branch_id, 'login'))!.refs).sort()).toEqual(['login.MAIN.1', 'login.MAIN.2']);
  });

  it('push.PERMANENCE.1 overwriting a spec leaves its refs in place', async () => {
    const r = repo();
    const first = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })], references: { data: { 'cart.MAIN.1': [{ path: 'a.ts' }] } } }));
    await push(body(r, 'main', { specs: [spec({ feature: 'cart', requirements: { 'cart.NEW.1': 'x' } })] }));
    expect((await refRow(first.body.data.branch_id, 'cart'))?.refs).toEqual({ 'cart.MAIN.1': [{ path: 'a.ts', is_test: false }] });
  });

  it('push.RESPONSE.4 warnings name refs to undefined and deprecated requirements; long lists are cut with a count', async () => {
    const r = repo();
    const data: Record<string, { path: string }[]> = { 'cart.A.1': [{ path: 'ok' }], 'cart.A.2': [{ path: 'old' }] };
    for (let i = 0; i < 60; i++) data[`cart.MISSING.${i}`] = [{ path: 'x' }];
    const res = await push(body(r, 'main', {
      specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': 'a', 'cart.A.2': { requirement: 'b', deprecated: true } } })],
      references: { data },
    }));
    expect(res.status).toBe(200);
    const warnings: string[] = res.body.data.warnings;
    expect(warnings).toHaveLength(51);
    expect(warnings).toContain('Refs to cart.A.2 point at a deprecated requirement');
    expect(warnings).not.toContain(expect.stringContaining('cart.A.1 '));
    expect(warnings[50]).toBe('... and 11 more warnings');
  });

  it('push.TX.1 quotes, backslashes and SQL in names and texts are stored as sent (the transaction writes its values as one escaped JSON literal)', async () => {
    const hostile = `o'k\\'); DROP TABLE specs; -- $$ \\x27 E'\\\\' "q" \u00e9`;
    const r = `${repo()}/${hostile}`;
    const res = await push(body(r, hostile, {
      specs: [spec({ feature: 'cart', description: hostile, raw_content: hostile, requirements: { 'cart.A.1': hostile } })],
      references: { data: { 'cart.A.1': [{ path: hostile }] } },
    }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ implementation_name: hostile, specs_created: 1 });
    const [branch] = await t.db.prisma.$queryRaw<{ repo_uri: string; branch_name: string }[]>`SELECT repo_uri, branch_name FROM branches WHERE id = ${res.body.data.branch_id}::uuid`;
    expect(branch).toEqual({ repo_uri: r, branch_name: hostile });
    const stored = await specRow(res.body.data.branch_id, 'cart');
    expect(stored).toMatchObject({ feature_description: hostile, raw_content: hostile, requirements: { 'cart.A.1': { definition: hostile } } });
    expect((await refRow(res.body.data.branch_id, 'cart'))?.refs).toEqual({ 'cart.A.1': [{ path: hostile, is_test: false }] });
  });

  it('push.RESPONSE.4 push.UPDATE_SPEC.3 warnings read the specs as this push leaves them: a requirement it removes or deprecates counts as such, another product\'s spec on the branch still counts', async () => {
    const r = repo();
    const mine = product();
    const refs = { data: { 'cart.A.1': [{ path: 'a' }], 'cart.A.2': [{ path: 'b' }], 'cart.A.3': [{ path: 'c' }] } };
    const other = await push(body(r, 'main', { specs: [spec({ feature: 'cart', product: `${mine}-other`, requirements: { 'cart.A.3': 'kept elsewhere' } })] }));
    expect(other.status, JSON.stringify(other.body)).toBe(200);
    const first = await push(body(r, 'main', {
      target_impl_name: 'main-2',
      specs: [spec({ feature: 'cart', product: mine, requirements: { 'cart.A.1': 'a', 'cart.A.2': 'b' } })],
      references: refs,
    }));
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body.data.warnings).toEqual([]);
    // The stored spec still defines cart.A.1 and has cart.A.2 live; the pushed one does not.
    const second = await push(body(r, 'main', {
      commit_hash: SHA('b'),
      target_impl_name: 'main-2',
      specs: [spec({ feature: 'cart', product: mine, requirements: { 'cart.A.2': { requirement: 'b', deprecated: true } } })],
      references: refs,
    }));
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(second.body.data).toMatchObject({ specs_updated: 1 });
    expect(second.body.data.warnings).toEqual([
      "Refs to cart.A.1 were stored, but no spec on branch 'main' or on the branches of implementation 'main-2' and its parents defines that requirement",
      'Refs to cart.A.2 point at a deprecated requirement',
    ]);
  });
});

describe('push: validation (422)', () => {
  const cases: [string, unknown, RegExp][] = [
    ['push.REQUEST.1 repo_uri is required', { branch_name: 'main', commit_hash: SHA('a') }, /repo_uri/],
    ['push.REQUEST.2 branch_name is required', { repo_uri: 'github.com/a/b', commit_hash: SHA('a') }, /branch_name/],
    ['push.REQUEST.3 commit_hash is required', { repo_uri: 'github.com/a/b', branch_name: 'main' }, /commit_hash/],
    ['push.REQUEST unknown top-level fields are rejected', { ...body('github.com/a/b', 'main'), states: {} }, /states|Unrecognized/i],
    ['push.REQUEST.4-1 push.FEAT.1 a spec needs feature.name', body('github.com/a/b', 'main', { specs: [{ ...spec({ feature: 'x' }), feature: { product: 'shop' } }] }), /feature\.name/],
    ['push.FEAT.2 a spec needs feature.product', body('github.com/a/b', 'main', { specs: [{ ...spec({ feature: 'x' }), feature: { name: 'x' } }] }), /feature\.product/],
    ['push.REQUEST.4-2 a spec needs requirements', body('github.com/a/b', 'main', { specs: [{ feature: { name: 'x', product: 'p' }, meta: { path: 'p', last_seen_commit: 'c' } }] }), /requirements/],
    ['push.REQUEST.4-3 push.FEAT_META.1 a spec needs meta.path', body('github.com/a/b', 'main', { specs: [{ ...spec({ feature: 'x' }), meta: { last_seen_commit: 'c' } }] }), /meta\.path/],
    ['push.FEAT_META.3 a spec needs meta.last_seen_commit', body('github.com/a/b', 'main', { specs: [{ ...spec({ feature: 'x' }), meta: { path: 'p' } }] }), /last_seen_commit/],
    ['push.SPEC_REQS.1-1 a requirement object needs a requirement string', body('github.com/a/b', 'main', { specs: [spec({ feature: 'x', requirements: { 'x.A.1': { note: 'n' } } })] }), /requirement/],
    ['push.VALIDATION.1 feature names are alphanumerics, - and _', body('github.com/a/b', 'main', { specs: [spec({ feature: 'bad name!' })] }), /feature name/],
    ['push.VALIDATION.2 versions must be SemVer', body('github.com/a/b', 'main', { specs: [spec({ feature: 'x', version: 'v1' })] }), /SemVer/],
    ['push.REFS.2 references need data', body('github.com/a/b', 'main', { references: { override: false } }), /references\.data/],
    ['push.REFS.2-2 each ref needs a path', body('github.com/a/b', 'main', { references: { data: { 'x.A.1': [{ is_test: true }] } } }), /path/],
    ['push.REFS.2-1 ref keys must be ACIDs', body('github.com/a/b', 'main', { references: { data: { nodot: [{ path: 'a' }] } } }), /ACID/],
    ['push.REQUEST.10 the same feature twice is rejected', body('github.com/a/b', 'main', { specs: [spec({ feature: 'x' }), spec({ feature: 'x' })] }), /duplicated feature name\(s\): x/],
    ['push.NEW_IMPLS.4 specs spanning products are rejected', body('github.com/a/b', 'main', { specs: [spec({ feature: 'x', product: 'p1' }), spec({ feature: 'y', product: 'p2' })] }), /one product; got p1, p2/],
    ['push.VALIDATION.6 product_name must match the specs\' product', body('github.com/a/b', 'main', { product_name: 'other', specs: [spec({ feature: 'x' })] }), /does not match/],
    ['push.VALIDATION.7 refs-only implementation inputs need product_name', body('github.com/a/b', 'main', { target_impl_name: 'x', references: { data: { 'x.A.1': [{ path: 'a' }] } } }), /product_name/],
    ['NUL characters are a 422, not a 500', body('github.com/a/b', 'ma\u0000in'), /NUL/],
  ];
  it.each(cases)('%s', async (_title, payload, detail) => {
    const res = await push(payload);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.errors.detail).toMatch(detail);
    expect(await t.db.prisma.branch.count({ where: { repoUri: 'github.com/a/b' } })).toBe(0);
  });

  it('push.SPEC_REQS.1 requirements accept bare strings as well as objects', async () => {
    const res = await push(body(repo(), 'main', { specs: [spec({ feature: 'bare', requirements: { 'bare.A.1': 'text', 'bare.A.2': { requirement: 'obj' } } })] }));
    expect(res.status).toBe(200);
  });
});

describe('push: auth and tenancy', () => {
  it('push.ENDPOINT.3 push.RESPONSE.6 push.AUTH.1 no or an invalid token is a 401 with errors.detail', async () => {
    for (const res of [await pushWith(t, null, body(repo(), 'main')), await pushWith(t, 'nope', body(repo(), 'main'))]) {
      expect(res.status).toBe(401);
      expect(typeof res.body.errors.detail).toBe('string');
    }
    const expired = await t.token({ team: 'team-a', expiresAt: new Date(Date.now() - 1000) });
    expect((await pushWith(t, expired, body(repo(), 'main'))).status).toBe(401);
  });

  it('push.AUTH.2 push.AUTH.3 push.AUTH.4 push.RESPONSE.7 each scope is needed only when the push uses it', async () => {
    const r = repo();
    const refsOnly = await t.token({ team: 'team-a', scopes: ['refs:write'] });
    const specsOnly = await t.token({ team: 'team-a', scopes: ['specs:write'] });
    const specsAndImpls = await t.token({ team: 'team-a', scopes: ['specs:write', 'impls:write'] });
    const withSpec = body(r, 'main', { specs: [spec({ feature: 'cart' })] });
    const withRefs = body(r, 'main', { references: { data: { 'cart.MAIN.1': [{ path: 'a' }] } } });

    let res = await pushWith(t, refsOnly, withSpec);
    expect([res.status, res.body.errors.detail]).toEqual([403, 'API token is missing required scope(s): specs:write']);
    res = await pushWith(t, specsOnly, withSpec); // creating the implementation needs impls:write
    expect([res.status, res.body.errors.detail]).toEqual([403, 'API token is missing required scope(s): impls:write']);
    expect(await t.db.prisma.branch.count({ where: { repoUri: r } })).toBe(0);
    expect((await pushWith(t, specsAndImpls, withSpec)).status).toBe(200);
    expect((await pushWith(t, specsOnly, withSpec)).status).toBe(200); // tracked now: no implementation is created
    expect((await pushWith(t, specsOnly, withRefs)).status).toBe(403);
    expect((await pushWith(t, refsOnly, withRefs)).status).toBe(200);
  });

  it('push.AUTH.2 push.AUTH.3 a push with nothing to write still needs specs:write or refs:write', async () => {
    const r = repo();
    const readOnly = await t.token({ team: 'team-a', scopes: ['specs:read', 'refs:read', 'impls:read', 'impls:write', 'states:write'] });
    const detail = 'API token is missing required scope(s): specs:write or refs:write';
    for (const payload of [body(r, 'main'), body(r, 'main', { specs: [] }), body(r, 'main', { commit_hash: SHA('b') })]) {
      const res = await pushWith(t, readOnly, payload);
      expect([res.status, res.body]).toEqual([403, { errors: { detail, status: 'FORBIDDEN' } }]);
    }
    expect(await t.db.prisma.branch.count({ where: { repoUri: r } })).toBe(0);
    // Either write scope is enough for a push that writes only the branch.
    expect((await pushWith(t, await t.token({ team: 'team-a', scopes: ['refs:write'] }), body(r, 'main'))).status).toBe(200);
    expect((await pushWith(t, await t.token({ team: 'team-a', scopes: ['specs:write'] }), body(r, 'main'))).status).toBe(200);
  });

  it('push.AUTH.6 push.AUTH.7 another team\'s push creates its own branch, product and implementation', async () => {
    const r = repo();
    const mine = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    const other = await pushWith(t, await t.token({ team: 'team-b' }), body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    expect(other.status).toBe(200);
    expect(other.body.data).toMatchObject({ implementation_name: 'main', product_name: product(), specs_created: 1 });
    expect(other.body.data.branch_id).not.toBe(mine.body.data.branch_id);
    expect(other.body.data.implementation_id).not.toBe(mine.body.data.implementation_id);
    // team-b cannot link to or inherit from team-a's implementations.
    const child = await pushWith(t, await t.token({ team: 'team-b' }), body(repo(), 'dev', { specs: [spec({ feature: 'cart', product: 'my-app' })], parent_impl_name: 'main' }));
    expect(child.status).toBe(422);
    expect(child.body.errors.detail).toContain("Parent implementation 'main' was not found in product 'my-app'");
  });
});
