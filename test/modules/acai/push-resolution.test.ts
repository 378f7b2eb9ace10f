import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { seedAcai } from './fixtures.js';
import { body, product, pushWith, repo, spec } from './push-helpers.js';

// How POST /push picks, creates or links the implementation: push.NEW_IMPLS, LINK_IMPLS,
// EXISTING_IMPLS, PARENTS, IDEMPOTENCY.2/5 and VALIDATION.3-9, and that a rejection writes nothing (TX.1).

let t: TestApp;
let token: string;
const push = (payload: unknown) => pushWith(t, token, payload);
const refs = (acid = 'cart.MAIN.1') => ({ data: { [acid]: [{ path: 'src/x.ts:1' }] } });

const implementation = (id: string) => t.db.prisma.implementation.findUnique({ where: { id }, include: { parent: true, trackedBranches: true } });
const expect422 = async (payload: unknown, detail: string | RegExp) => {
  const res = await push(payload);
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.errors.detail).toMatch(detail);
  return res;
};

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

describe('new implementations', () => {
  it('push.NEW_IMPLS.1 push.NEW_IMPLS.3 data-model.IMPL_CREATION.1 data-model.IMPL_CREATION.2 push.PARENTS.2 a spec push to an untracked branch creates the product and an implementation named after the branch, without parent', async () => {
    const r = repo();
    const res = await push(body(r, 'feature/x', { specs: [spec({ feature: 'cart' })] }));
    expect(res.body.data).toMatchObject({ implementation_name: 'feature/x', product_name: product(), specs_created: 1 });
    const impl = await implementation(res.body.data.implementation_id);
    expect(impl?.parentImplementationId).toBeNull();
    expect(impl?.trackedBranches).toEqual([expect.objectContaining({ branchId: res.body.data.branch_id, repoUri: r })]);
    expect(await t.db.prisma.product.count({ where: { name: product() } })).toBe(1);
  });

  it('push.NEW_IMPLS.1-1 target_impl_name names the new implementation', async () => {
    const res = await push(body(repo(), 'main', { target_impl_name: 'production', specs: [spec({ feature: 'cart' })] }));
    expect(res.body.data).toMatchObject({ implementation_name: 'production' });
  });

  it('push.NEW_IMPLS.5 push.VALIDATION.5 a branch-name collision in the product is rejected with a hint; other products may reuse the name', async () => {
    const r = repo();
    const p = product();
    await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    await expect422(body(repo(), 'main', { specs: [spec({ feature: 'cart', product: p })] }), /Implementation 'main' already exists in product '.*'.*Provide target_impl_name/);
    const other = await push(body(repo(), 'main', { specs: [spec({ feature: 'cart' })] }));
    expect(other.body.data).toMatchObject({ implementation_name: 'main', product_name: product() });
  });

  it('push.PARENTS.1 push.PARENTS.1-note data-model.IMPL_CREATION.3 parent_impl_name sets the parent of a new implementation', async () => {
    const r = repo();
    const main = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    const child = await push(body(r, 'feat', { parent_impl_name: 'main', specs: [spec({ feature: 'cart' })] }));
    expect(child.body.data).toMatchObject({ implementation_name: 'feat', specs_created: 1 });
    expect((await implementation(child.body.data.implementation_id))?.parentImplementationId).toBe(main.body.data.implementation_id);
  });

  it('push.PARENTS.3 push.VALIDATION.4 push.TX.1 an unknown parent is rejected and nothing is written', async () => {
    const r = repo();
    await expect422(body(r, 'feat', { parent_impl_name: 'nope', specs: [spec({ feature: 'cart' })], references: refs() }), /Parent implementation 'nope' was not found in product/);
    expect(await t.db.prisma.branch.count({ where: { repoUri: r } })).toBe(0);
    expect(await t.db.prisma.product.count({ where: { name: product() } })).toBe(0);
  });
});

describe('linking an untracked branch', () => {
  it('push.LINK_IMPLS.1 push.LINK_IMPLS.2 push.NEW_IMPLS.1-note a branch of another repo links to the existing target implementation', async () => {
    const backend = repo('backend');
    const p = product();
    const prod = await push(body(backend, 'main', { target_impl_name: 'production', specs: [spec({ feature: 'cart' })] }));
    const frontend = repo('frontend');
    const linked = await push(body(frontend, 'main', { target_impl_name: 'production', specs: [spec({ feature: 'ui', product: p })] }));
    expect(linked.status, JSON.stringify(linked.body)).toBe(200);
    expect(linked.body.data).toMatchObject({ implementation_id: prod.body.data.implementation_id, implementation_name: 'production', specs_created: 1 });
    expect((await implementation(prod.body.data.implementation_id))?.trackedBranches).toHaveLength(2);
  });

  it('push.LINK_IMPLS.3 an implementation that already tracks a branch of this repo is not linked again', async () => {
    const r = repo();
    await push(body(r, 'main', { target_impl_name: 'production', specs: [spec({ feature: 'cart' })] }));
    await expect422(body(r, 'hotfix', { target_impl_name: 'production', specs: [spec({ feature: 'cart' })] }), /'production' already tracks a branch in github\.com/);
  });

  it('push.LINK_IMPLS.4 with parent_impl_name an existing target is never linked; a new child is required', async () => {
    const r = repo();
    const p = product();
    await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    await push(body(r, 'staging', { specs: [spec({ feature: 'cart' })] }));
    await expect422(body(repo(), 'x', { target_impl_name: 'staging', parent_impl_name: 'main', specs: [spec({ feature: 'cart', product: p })] }), /'staging' already exists.*creates a new child/);
  });

  it('push.LINK_IMPLS.5 push.VALIDATION.9 a refs-only push naming a product and an unknown target is rejected', async () => {
    const r = repo();
    await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    await expect422(body(repo(), 'main', { product_name: product(), target_impl_name: 'nope', references: refs() }), /'nope' was not found in product/);
    await expect422(body(repo(), 'main', { product_name: product(), references: refs() }), /must also provide target_impl_name/);
  });

  it('push.LINK_IMPLS.1 push.VALIDATION.7 a refs-only push with product_name and target_impl_name links an existing implementation', async () => {
    const r = repo();
    const p = product();
    const main = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    const res = await push(body(repo(), 'main', { product_name: p, target_impl_name: 'main', references: refs() }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ implementation_id: main.body.data.implementation_id, product_name: p, specs_created: 0 });
  });
});

describe('refs-only child implementations', () => {
  it('push.NEW_IMPLS.6 push.NEW_IMPLS.6-1 push.NEW_IMPLS.6-2 push.VALIDATION.8 data-model.IMPL_CREATION.4 product, target and parent create a child', async () => {
    const r = repo();
    const main = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    const res = await push(body(r, 'feat', { product_name: product(), target_impl_name: 'feat-impl', parent_impl_name: 'main', references: refs() }));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject({ implementation_name: 'feat-impl', product_name: product() });
    expect((await implementation(res.body.data.implementation_id))?.parentImplementationId).toBe(main.body.data.implementation_id);
    // 6-1: an existing name is never linked by a refs-only creation.
    const p = product();
    await expect422(body(repo(), 'other', { product_name: p, target_impl_name: 'main', parent_impl_name: 'main', references: refs() }), /already exists/);
  });

  it('push.NEW_IMPLS.7 push.VALIDATION.9 a refs-only push with only a parent does not create anything', async () => {
    const r = repo();
    await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    await expect422(body(r, 'feat', { product_name: product(), parent_impl_name: 'main', references: refs() }), /must also provide target_impl_name/);
    expect(await t.db.prisma.branch.count({ where: { repoUri: r, branchName: 'feat' } })).toBe(0);
  });
});

describe('tracked branches', () => {
  it('push.EXISTING_IMPLS.1 push.IDEMPOTENCY.2 push.IDEMPOTENCY.5-1 a tracked branch keeps its implementation and parent; the same parent is accepted', async () => {
    const r = repo();
    const main = await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    const child = await push(body(r, 'feat', { parent_impl_name: 'main', specs: [spec({ feature: 'cart' })] }));
    const again = await push(body(r, 'feat', { parent_impl_name: 'main', specs: [spec({ feature: 'cart', requirements: { 'cart.X.1': 'y' } })] }));
    expect(again.body.data).toMatchObject({ implementation_id: child.body.data.implementation_id, specs_updated: 1 });
    const without = await push(body(r, 'feat', { references: refs() }));
    expect(without.body.data).toMatchObject({ implementation_id: child.body.data.implementation_id, product_name: product() });
    expect((await implementation(child.body.data.implementation_id))?.parentImplementationId).toBe(main.body.data.implementation_id);
  });

  it('push.IDEMPOTENCY.5 a different parent for a tracked branch is rejected', async () => {
    const r = repo();
    await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    await push(body(r, 'dev', { specs: [spec({ feature: 'cart' })] }));
    await push(body(r, 'feat', { parent_impl_name: 'main', specs: [spec({ feature: 'cart' })] }));
    await expect422(body(r, 'feat', { parent_impl_name: 'dev', specs: [spec({ feature: 'cart' })] }), /parent cannot be changed via push/);
  });

  it('push.EXISTING_IMPLS.4 push.VALIDATION.3 a target other than the tracking implementation is rejected', async () => {
    const r = repo();
    const p = product();
    await push(body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    await push(body(repo(), 'x', { target_impl_name: 'other', specs: [spec({ feature: 'cart', product: p })] }));
    await expect422(body(r, 'main', { target_impl_name: 'other', specs: [spec({ feature: 'cart', product: p })] }), /already tracked by implementation 'main', not 'other'/);
  });

  it('push.EXISTING_IMPLS.2 push.EXISTING_IMPLS.3 a branch tracked by several implementations needs target_impl_name for specs', async () => {
    const seeded = await seedAcai(t.db.prisma, {
      team: 'team-multi',
      products: { multi: [{ name: 'prod', branches: ['github.com/m/r@main'] }, { name: 'mirror', branches: ['github.com/m/r@main'] }] },
    });
    const multiToken = await t.token({ team: 'team-multi' });
    const payload = body('github.com/m/r', 'main', { specs: [spec({ feature: 'cart', product: 'multi' })] });
    let res = await pushWith(t, multiToken, payload);
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(/tracked by several implementations \('mirror', 'prod'\); set target_impl_name/);
    res = await pushWith(t, multiToken, { ...payload, target_impl_name: 'mirror' });
    expect(res.body.data).toMatchObject({ implementation_id: seeded.implementationIds['multi/mirror'], implementation_name: 'mirror', specs_created: 1 });
    // Refs alone need no implementation context.
    res = await pushWith(t, multiToken, body('github.com/m/r', 'main', { references: refs() }));
    expect(res.body.data).toMatchObject({ implementation_id: null, product_name: null });
  });
});
