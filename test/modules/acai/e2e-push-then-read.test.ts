import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { getWith, patchStates } from './fixtures.js';
import { body, pushWith, refs, SHA, spec } from './push-helpers.js';

// The whole CLI flow against the real endpoints: `acai push` (main, then a child
// implementation on a feature branch), then `acai features`, `acai feature` and `acai set-status`.

const REPO = 'github.com/acme/shop';
let t: TestApp;
let token: string;

const push = (payload: object) => pushWith(t, token, payload);

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

describe('push, then read and write states', () => {
  it('data-model.INHERITANCE.4 data-model.INHERITANCE.8 feature-context.RESOLUTION.3 implementation-features.DISCOVERY.1 a child implementation created by push reads its parent\'s spec, states and refs', async (ctx) => {
    // Written before POST /push landed; runs as soon as the route is registered.
    if (!t.app.hasRoute({ method: 'POST', url: '/api/v1/push' })) return ctx.skip();
    const main = await push(
      body(REPO, 'main', {
        specs: [
          spec({
            feature: 'cart',
            product: 'shop',
            description: 'Shopping cart',
            requirements: {
              'cart.ITEMS.1': { requirement: 'Add an item' },
              'cart.ITEMS.2': { requirement: 'Remove an item' },
              'cart.ITEMS.3': { requirement: 'Old checkout', deprecated: true },
            },
          }),
        ],
        references: refs({ 'cart.ITEMS.1': [{ path: 'src/cart.ts:12', is_test: false }, { path: 'test/cart.test.ts:3', is_test: true }] }),
      }),
    );
    expect(main.status, JSON.stringify(main.body)).toBe(200);
    expect(main.body.data).toMatchObject({ implementation_name: 'main', product_name: 'shop' });

    const states = await patchStates(t, token, {
      product_name: 'shop',
      feature_name: 'cart',
      implementation_name: 'main',
      states: { 'cart.ITEMS.1': { status: 'completed' } },
    });
    expect(states.status).toBe(200);

    const child = await push(
      body(REPO, 'feature/wishlist', {
        commit_hash: SHA('b'),
        product_name: 'shop',
        target_impl_name: 'wishlist',
        parent_impl_name: 'main',
        references: refs({ 'cart.ITEMS.2': [{ path: 'src/cart.ts:40' }] }),
      }),
    );
    expect(child.status, JSON.stringify(child.body)).toBe(200);
    expect(child.body.data).toMatchObject({ implementation_name: 'wishlist', product_name: 'shop' });

    const impls = await getWith(t, '/implementations', token, { repo_uri: REPO, branch_name: 'feature/wishlist', feature_name: 'cart' });
    expect(impls.body.data.implementations).toEqual([
      { implementation_name: 'wishlist', implementation_id: child.body.data.implementation_id, product_name: 'shop' },
    ]);

    const worklist = await getWith(t, '/implementation-features', token, { product_name: 'shop', implementation_name: 'wishlist' });
    expect(worklist.status).toBe(200);
    expect(worklist.body.data.features).toEqual([
      expect.objectContaining({
        feature_name: 'cart',
        description: 'Shopping cart',
        has_local_spec: false,
        states_inherited: true,
        completed_count: 1,
        total_count: 3,
        refs_inherited: false,
        refs_count: 1,
        spec_last_seen_commit: SHA('a'),
      }),
    ]);

    const context = await getWith(t, '/feature-context', token, { product_name: 'shop', feature_name: 'cart', implementation_name: 'wishlist', include_refs: 'true' });
    expect(context.status).toBe(200);
    expect(context.body.data.spec_source).toEqual({ source_type: 'inherited', implementation_name: 'main', branch_names: ['main'] });
    expect(context.body.data.states_source).toEqual({ source_type: 'inherited', implementation_name: 'main' });
    expect(context.body.data.refs_source).toEqual({ source_type: 'local', implementation_name: 'wishlist', branch_names: ['feature/wishlist'] });
    expect(context.body.data.acids.map((a: { acid: string; state: { status: string | null } }) => [a.acid, a.state.status])).toEqual([
      ['cart.ITEMS.1', 'completed'],
      ['cart.ITEMS.2', null],
    ]);
    expect(context.body.data.acids[1].refs).toEqual([{ path: 'src/cart.ts:40', is_test: false, repo_uri: REPO, branch_name: 'feature/wishlist' }]);

    // First state write on the child snapshots main's states, then merges.
    const write = await patchStates(t, token, {
      product_name: 'shop',
      feature_name: 'cart',
      implementation_name: 'wishlist',
      states: { 'cart.ITEMS.2': { status: 'assigned', comment: 'wishlist work' } },
    });
    expect(write.status).toBe(200);
    const after = await getWith(t, '/feature-context', token, { product_name: 'shop', feature_name: 'cart', implementation_name: 'wishlist' });
    expect(after.body.data.states_source).toEqual({ source_type: 'local', implementation_name: 'wishlist' });
    expect(after.body.data.summary).toEqual({ total_acids: 2, status_counts: { completed: 1, assigned: 1 } });
  });
});
