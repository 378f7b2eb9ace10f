import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type supertest from 'supertest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { csrfOf, loginCode, pushProduct, setState } from './fixtures.js';

let t: TestApp;
let adminToken: string;

beforeAll(async () => {
  t = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: '0' } });
  adminToken = await t.token({ team: 'acme', user: 'alice' });
  await pushProduct(t, adminToken);
  await setState(t, adminToken, 'main', 'cart', { 'cart.ITEMS.1': { status: 'completed' } });
  await t.token({ team: 'other', user: 'olga' });
});
afterAll(async () => t?.close());

/** A browser: an agent keeping cookies, signed in by a one-time link. */
async function signedIn(team = 'acme', user = 'alice', scopes?: Parameters<typeof loginCode>[3]): Promise<supertest.Agent> {
  const agent = t.http();
  const code = await loginCode(t, team, user, scopes);
  const response = await agent.post('/dashboard/login/link').type('form').send({ code });
  expect(response.status).toBe(303);
  return agent;
}

describe('dashboard sign-in and sessions', () => {
  it('a login link signs in once, with an HttpOnly, SameSite=Lax, signed cookie, and leads to the team home', async () => {
    const agent = t.http();
    const code = await loginCode(t, 'acme', 'alice');
    const landing = await agent.get(`/dashboard/login/link?code=${code}`);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain('Continue and sign in');
    const response = await agent.post('/dashboard/login/link').type('form').send({ code });
    expect(response.status).toBe(303);
    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/dashboard_session=[^;]+\.[^;]+;/); // value.signature
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/); // plain http, no trusted proxy saying https
    expect(cookie).toMatch(/Path=\/dashboard/);
    const home = await agent.get('/dashboard').redirects(1);
    expect(home.status).toBe(200);
    expect(home.text).toContain('Team acme');
    expect(home.text).toContain('shop');
    expect(home.headers['content-security-policy']).toContain("script-src 'self'");
    expect(home.headers['cache-control']).toBe('no-store');

    const again = await t.http().post('/dashboard/login/link').type('form').send({ code });
    expect(again.status).toBe(401);
    expect(again.text).toContain('unknown, used or expired');
  });

  it('the link code never reaches a log line', async () => {
    const code = await loginCode(t, 'acme', 'alice');
    await t.http().get(`/dashboard/login/link?code=${code}`);
    await t.http().post('/dashboard/login/link').type('form').send({ code });
    expect(t.logs.text()).not.toContain(code);
  });

  it('an expired link is refused', async () => {
    const code = await loginCode(t, 'acme', 'alice');
    await t.db.prisma.dashboardLoginLink.updateMany({ where: { usedAt: null }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const response = await t.http().post('/dashboard/login/link').type('form').send({ code });
    expect(response.status).toBe(401);
  });

  it('the cookie is Secure behind a trusted https proxy', async () => {
    const proxied = await createTestApp({ env: { TRUST_PROXY: 'true' }, database: t.database });
    try {
      const code = (await loginCode(proxied, 'acme', 'alice'));
      const response = await proxied.http().post('/dashboard/login/link').set('x-forwarded-proto', 'https').type('form').send({ code });
      expect(response.status).toBe(303);
      expect(String(response.headers['set-cookie'])).toMatch(/Secure/);
    } finally {
      await proxied.close();
    }
  });

  it('a tampered cookie is no session', async () => {
    const agent = await signedIn();
    const forged = t.http();
    const page = await forged.get('/dashboard/t/acme').set('Cookie', 'dashboard_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.bad');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/dashboard/login');
    expect((await agent.get('/dashboard/t/acme')).status).toBe(200);
  });

  it('a pasted API token signs in; revoking that token ends the session', async () => {
    const token = await t.token({ team: 'acme', user: 'paster' });
    const agent = t.http();
    const response = await agent.post('/dashboard/login/token').type('form').send({ token });
    expect(response.status).toBe(303);
    expect((await agent.get('/dashboard/t/acme')).status).toBe(200);
    const [row] = await t.db.prisma.apiToken.findMany({ where: { user: { name: 'paster' } } });
    const revoke = await t.http().delete(`/api/tokens/${row!.id}`).set('Authorization', `Bearer ${adminToken}`);
    expect(revoke.status).toBe(204);
    const after = await agent.get('/dashboard/t/acme');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/dashboard/login');
  });

  it('a token without team:read cannot sign in; an unknown token is refused', async () => {
    const token = await t.token({ team: 'acme', user: 'bot', scopes: ['specs:read'] });
    expect((await t.http().post('/dashboard/login/token').type('form').send({ token })).status).toBe(403);
    expect((await t.http().post('/dashboard/login/token').type('form').send({ token: `at_${'x'.repeat(43)}` })).status).toBe(401);
  });

  it('failed sign-ins from one address are limited like failed Bearer authentications (429)', async () => {
    const limited = await createTestApp({ env: { RATE_LIMITS: 'true', AUTH_FAILURES_PER_MINUTE: '2' }, database: t.database });
    try {
      const attempt = () => limited.http().post('/dashboard/login/token').type('form').send({ token: `at_${'y'.repeat(43)}` });
      expect((await attempt()).status).toBe(401);
      expect((await attempt()).status).toBe(401);
      const third = await attempt();
      expect(third.status).toBe(429);
      expect(third.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });

  it('a sign-in form posted from another site is refused (login CSRF)', async () => {
    const code = await loginCode(t, 'acme', 'alice');
    const crossSite = await t.http().post('/dashboard/login/link').set('Origin', 'https://evil.example').type('form').send({ code });
    expect(crossSite.status).toBe(403);
    const fetchSite = await t.http().post('/dashboard/login/link').set('Sec-Fetch-Site', 'cross-site').type('form').send({ code });
    expect(fetchSite.status).toBe(403);
    // a sandboxed frame or data: URL sends `Origin: null`: not this dashboard either
    const token = await t.token({ team: 'acme', user: 'nullorigin', scopes: ['team:read'] });
    expect((await t.http().post('/dashboard/login/token').set('Origin', 'null').type('form').send({ token })).status).toBe(403);
    expect((await t.http().post('/dashboard/login/link').set('Origin', 'null').type('form').send({ code })).status).toBe(403);
    // what a browser sends with the dashboard's own form under its no-referrer policy
    const own = await t.http().post('/dashboard/login/link').set('Origin', 'null').set('Sec-Fetch-Site', 'same-origin').type('form').send({ code });
    expect(own.status).toBe(303);
  });

  it("revoking any of a user's tokens ends the sessions that user started with a login link, not other users' or later ones", async () => {
    const token = await t.token({ team: 'acme', user: 'dave' });
    const dave = await signedIn('acme', 'dave');
    const erin = await signedIn('acme', 'erin');
    const [row] = await t.db.prisma.apiToken.findMany({ where: { user: { name: 'dave' } } });
    expect((await t.http().delete(`/api/tokens/${row!.id}`).set('Authorization', `Bearer ${adminToken}`)).status).toBe(204);
    expect((await t.http().get('/api/v1/implementations?product_name=shop').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    const after = await dave.get('/dashboard/t/acme');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/dashboard/login');
    expect((await erin.get('/dashboard/t/acme')).status).toBe(200);
    // a new link afterwards works, and revoking the already revoked token again does not end it
    const again = await signedIn('acme', 'dave');
    expect((await t.http().delete(`/api/tokens/${row!.id}`).set('Authorization', `Bearer ${adminToken}`)).status).toBe(204);
    expect((await again.get('/dashboard/t/acme')).status).toBe(200);
  });

  it('logout ends the session in the database (the old cookie no longer works) and needs the CSRF token', async () => {
    const agent = await signedIn();
    const home = await agent.get('/dashboard/t/acme');
    const cookie = (await t.db.prisma.dashboardSession.count({ where: { revokedAt: null } })) > 0;
    expect(cookie).toBe(true);
    expect((await agent.post('/dashboard/logout').type('form').send({ _csrf: 'forged' })).status).toBe(403);
    const out = await agent.post('/dashboard/logout').type('form').send({ _csrf: csrfOf(home.text) });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/dashboard/login');
    expect((await agent.get('/dashboard/t/acme')).status).toBe(303);
  });

  it('without a session pages redirect to sign-in and posts are 401', async () => {
    const page = await t.http().get('/dashboard/t/acme/p/shop');
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/dashboard/login');
    expect((await t.http().post('/dashboard/t/acme/tokens').type('form').send({ name: 'x' })).status).toBe(401);
  });
});

describe('dashboard pages', () => {
  it('the matrix shows completed shares, inherited states and n/a', async () => {
    const agent = await signedIn();
    const page = await agent.get('/dashboard/t/acme/p/shop');
    expect(page.status).toBe(200);
    // cart: 1 of 2 completed on main; the child inherits main's states
    expect(page.text).toMatch(/>50%<span class="visually-hidden">: cart in main, 1 of 2 completed/);
    expect(page.text).toMatch(/>50% <span class="tag" title="States inherited from main">inherited<\/span><span class="visually-hidden">: cart in feature\/wishlist, 1 of 2 completed/);
    // the deprecated requirement does not count
    expect(page.text).toMatch(/>0%<span class="visually-hidden">: checkout in main, 0 of 1 completed/);
    // wishlist exists only in the child
    expect(page.text).toMatch(/>0%<span class="visually-hidden">: wishlist in feature\/wishlist, 0 of 1 completed/);
    expect(page.text).toMatch(/<th scope="row"><a href="\/dashboard\/t\/acme\/p\/shop\/f\/wishlist">wishlist<\/a><\/th><td class="num na">/);
  });

  it('the feature view has a card per implementation, parent first, with a status bar', async () => {
    const agent = await signedIn();
    const page = await agent.get('/dashboard/t/acme/p/shop/f/cart');
    expect(page.status).toBe(200);
    expect(page.text.indexOf('>main</a></h2>')).toBeLessThan(page.text.indexOf('>feature/wishlist</a></h2>'));
    expect(page.text).toContain('class="st-completed"');
    expect(page.text).toContain('child of main');
    expect((await agent.get('/dashboard/t/acme/p/shop/f/nope')).status).toBe(404);
  });

  it('the feature in an implementation lists requirements, sources and refs linked at the commit; the form sets a status', async () => {
    const agent = await signedIn();
    const url = `/dashboard/t/acme/p/shop/i/${encodeURIComponent('feature/wishlist')}/f/cart`;
    const page = await agent.get(url);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<dt>Spec</dt><dd>inherited from main, branch main</dd>');
    expect(page.text).toContain('<dt>States</dt><dd>inherited from main</dd>');
    expect(page.text).toContain(`href="https://github.com/acme/shop/blob/${'a'.repeat(40)}/src/cart.ts#L12"`);
    const saved = await agent.post(url).type('form').send({ _csrf: csrfOf(page.text), acid: 'cart.ITEMS.2', status: 'completed', comment: 'done in the child' });
    expect(saved.status).toBe(303);
    const after = await agent.get(saved.headers.location as string);
    expect(after.text).toContain('Saved the state of cart.ITEMS.2');
    // the notice names only a requirement of the page, never other text from a crafted link
    const crafted = await agent.get(`${url}?saved=${encodeURIComponent('everything. Call +1-555-0100 to restore your account')}`);
    expect(crafted.status).toBe(200);
    expect(crafted.text).not.toContain('Saved the state of');
    expect(crafted.text).not.toContain('+1-555-0100');
    expect(after.text).toContain('done in the child');
    const matrix = await agent.get('/dashboard/t/acme/p/shop');
    // the child's first write copied main's states, then set ITEMS.2: 2 of 2, local now
    expect(matrix.text).toMatch(/>100%<span class="visually-hidden">: cart in feature\/wishlist, 2 of 2 completed/);
    expect(matrix.text).toMatch(/>50%<span class="visually-hidden">: cart in main, 1 of 2 completed/);
  });

  it('a form post with a forged or missing CSRF token is refused and changes nothing', async () => {
    const agent = await signedIn();
    const url = '/dashboard/t/acme/p/shop/i/main/f/checkout';
    for (const body of [{ _csrf: 'forged' }, {}]) {
      const response = await agent.post(url).type('form').send({ ...body, acid: 'checkout.PAY.1', status: 'completed' });
      expect(response.status).toBe(403);
    }
    // a token from another session does not fit this one
    const other = await signedIn();
    const otherCsrf = csrfOf((await other.get('/dashboard/t/acme')).text);
    expect((await agent.post(url).type('form').send({ _csrf: otherCsrf, acid: 'checkout.PAY.1', status: 'completed' })).status).toBe(403);
    expect((await agent.get('/dashboard/t/acme/p/shop')).text).toMatch(/>0%<span class="visually-hidden">: checkout in main, 0 of 1 completed/);
  });

  it("another team's URLs are not found, and another team's data never shows", async () => {
    const agent = await signedIn('other', 'olga');
    for (const url of ['/dashboard/t/acme', '/dashboard/t/acme/p/shop', '/dashboard/t/acme/p/shop/f/cart', '/dashboard/t/acme/p/shop/i/main/f/cart', '/dashboard/t/acme/tokens']) {
      const response = await agent.get(url);
      expect(response.status, url).toBe(404);
      expect(response.text).not.toContain('cart');
    }
    const csrf = csrfOf((await agent.get('/dashboard/t/other')).text);
    expect((await agent.post('/dashboard/t/acme/p/shop/i/main/f/cart').type('form').send({ _csrf: csrf, acid: 'cart.ITEMS.1', status: 'blocked' })).status).toBe(404);
    // the same product name in its own team is simply not there
    expect((await agent.get('/dashboard/t/other/p/shop')).status).toBe(404);
  });

  it('without states:write the form is not shown and a post is 403; without team:admin the tokens page is 403', async () => {
    const agent = await signedIn('acme', 'reader', ['team:read', 'specs:read', 'states:read']);
    const page = await agent.get('/dashboard/t/acme/p/shop/i/main/f/cart');
    expect(page.text).not.toContain('name="status"');
    const csrf = csrfOf(page.text);
    expect((await agent.post('/dashboard/t/acme/p/shop/i/main/f/cart').type('form').send({ _csrf: csrf, acid: 'cart.ITEMS.1', status: 'blocked' })).status).toBe(403);
    expect((await agent.get('/dashboard/t/acme/tokens')).status).toBe(403);
    expect(page.text).not.toContain('>Tokens</a>');
  });

  it('escapes every value it shows', async () => {
    const agent = await signedIn();
    const url = '/dashboard/t/acme/p/shop/i/main/f/checkout';
    const page = await agent.get(url);
    await agent.post(url).type('form').send({ _csrf: csrfOf(page.text), acid: 'checkout.PAY.1', status: 'assigned', comment: '<script>alert(1)</script>' });
    const after = await agent.get(url);
    expect(after.text).not.toContain('<script>alert(1)</script>');
    expect(after.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });
});

describe('tokens page', () => {
  it('creates a token shown once, lists it, revokes it after confirmation; the API then refuses it', async () => {
    const agent = await signedIn();
    const page = await agent.get('/dashboard/t/acme/tokens');
    expect(page.status).toBe(200);
    const created = await agent.post('/dashboard/t/acme/tokens').type('form').send({ _csrf: csrfOf(page.text), name: 'ci bot', expires_in_days: '30' });
    expect(created.status).toBe(201);
    const token = /<code class="secret" id="new-token">(at_[A-Za-z0-9_-]{43})<\/code>/.exec(created.text)?.[1];
    expect(token).toBeDefined();
    expect(created.text).toContain('data-copy="new-token"');
    expect((await t.http().get('/api/v1/implementations?product_name=shop').set('Authorization', `Bearer ${token}`)).status).toBe(200);
    // never again
    const list = await agent.get('/dashboard/t/acme/tokens');
    expect(list.text).not.toContain(token);
    expect(list.text).toContain('ci bot');
    const row = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'ci bot' } });
    expect(row.scopes).not.toContain('team:admin');
    expect(row.expiresAt!.getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    const elsewhere = await signedIn();
    const confirm = await agent.get(`/dashboard/t/acme/tokens/${row.id}/revoke`);
    expect(confirm.text).toContain('Revoke “ci bot”?');
    const revoked = await agent.post(`/dashboard/t/acme/tokens/${row.id}/revoke`).type('form').send({ _csrf: csrfOf(confirm.text) });
    expect(revoked.status).toBe(303);
    // ci bot was alice's own token: her other login-link session ended, the one that revoked it did not
    expect((await elsewhere.get('/dashboard/t/acme')).status).toBe(303);
    expect((await t.http().get('/api/v1/implementations?product_name=shop').set('Authorization', `Bearer ${token}`)).status).toBe(401);
    expect((await agent.get('/dashboard/t/acme/tokens')).text).toMatch(/Inactive[\s\S]*ci bot[\s\S]*revoked/);
  });

  it('a session signed in with an expiring token cannot create a token that outlives it (422)', async () => {
    const expiring = await t.token({ team: 'acme', user: 'temp', expiresAt: new Date(Date.now() + 2 * 86_400_000) });
    const agent = t.http();
    expect((await agent.post('/dashboard/login/token').type('form').send({ token: expiring })).status).toBe(303);
    const csrf = csrfOf((await agent.get('/dashboard/t/acme/tokens')).text);
    const never = await agent.post('/dashboard/t/acme/tokens').type('form').send({ _csrf: csrf, name: 'forever' });
    expect(never.status).toBe(422);
    expect(never.text).toContain('expires_at');
    expect((await agent.post('/dashboard/t/acme/tokens').type('form').send({ _csrf: csrf, name: 'too long', expires_in_days: '3' })).status).toBe(422);
    expect((await agent.post('/dashboard/t/acme/tokens').type('form').send({ _csrf: csrf, name: 'short', expires_in_days: '1' })).status).toBe(201);
    expect(await t.db.prisma.apiToken.count({ where: { user: { name: 'temp' } } })).toBe(2);
  });

  it('refuses a bad name or expiry (400) and another team\'s token id (404)', async () => {
    const agent = await signedIn();
    const csrf = csrfOf((await agent.get('/dashboard/t/acme/tokens')).text);
    const empty = await agent.post('/dashboard/t/acme/tokens').type('form').send({ _csrf: csrf, name: '' });
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('name must not be empty');
    expect((await agent.post('/dashboard/t/acme/tokens').type('form').send({ _csrf: csrf, name: 'x', expires_in_days: '-1' })).status).toBe(400);
    const foreign = await t.db.prisma.apiToken.findFirstOrThrow({ where: { team: { name: 'other' } } });
    expect((await agent.get(`/dashboard/t/acme/tokens/${foreign.id}/revoke`)).status).toBe(404);
    expect((await agent.post(`/dashboard/t/acme/tokens/${foreign.id}/revoke`).type('form').send({ _csrf: csrf })).status).toBe(404);
    expect((await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: foreign.id } })).revokedAt).toBeNull();
  });
});
