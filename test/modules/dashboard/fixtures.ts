import type { TestApp } from '../../helpers/app.js';
import { createLoginLink } from '../../../src/modules/dashboard/sessions/service.js';
import type { Scope } from '../../../src/lib/auth/scopes.js';
import { body, pushOk, refs, SHA, spec } from '../acai/push-helpers.js';

// A product with a parent and a child implementation, made the way a team makes it: two pushes.

const REPO = 'github.com/acme/shop';

export async function pushProduct(t: TestApp, token: string, product = 'shop'): Promise<void> {
  await pushOk(
    t,
    token,
    body(REPO, 'main', {
      specs: [
        spec({ feature: 'cart', product, requirements: { 'cart.ITEMS.1': { requirement: 'Add an item' }, 'cart.ITEMS.2': { requirement: 'Remove an item' } } }),
        spec({
          feature: 'checkout',
          product,
          requirements: { 'checkout.PAY.1': { requirement: 'Pay by card' }, 'checkout.PAY.2': { requirement: 'Old way', deprecated: true } },
        }),
      ],
      references: refs({ 'cart.ITEMS.1': [{ path: 'src/cart.ts:12', is_test: false }, { path: 'test/cart.test.ts:3', is_test: true }] }),
    }),
  );
  // The child tracks its own branch and pushes one more feature; cart and checkout come from main.
  await pushOk(
    t,
    token,
    body(REPO, 'feature/wishlist', {
      commit_hash: SHA('b'),
      parent_impl_name: 'main',
      specs: [spec({ feature: 'wishlist', product, requirements: { 'wishlist.LIST.1': { requirement: 'Keep a list' } }, commit: SHA('b') })],
    }),
  );
}

export async function setState(t: TestApp, token: string, implementation: string, feature: string, states: Record<string, object>, product = 'shop') {
  const response = await t
    .http()
    .patch('/api/v1/feature-states')
    .set('Authorization', `Bearer ${token}`)
    .send({ product_name: product, implementation_name: implementation, feature_name: feature, states });
  if (response.status !== 200) throw new Error(`states failed: ${response.status} ${JSON.stringify(response.body)}`);
}

export async function loginCode(t: TestApp, team: string, user: string, scopes?: Scope[]): Promise<string> {
  return (await createLoginLink(t.db.prisma, { team, user, scopes })).code;
}

/** The value of the hidden _csrf field of a page. */
export function csrfOf(pageHtml: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(pageHtml);
  if (!match) throw new Error('no CSRF field on the page');
  return match[1]!;
}
