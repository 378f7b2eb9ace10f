import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { loginCode, pushProduct, setState } from './fixtures.js';

// The dashboard in a real browser: Debian's chromium, driven by playwright-core. Every request
// that is not to this test's server is aborted, so nothing leaves the machine.

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`[dashboard browser tests] skipped: ${CHROMIUM} is missing (apt-get install -y chromium; .ci/run installs it)`);

/** Set DASHBOARD_SCREENSHOTS=<dir> to keep a screenshot of every page checked. */
const SHOTS = process.env.DASHBOARD_SCREENSHOTS;

let t: TestApp;
let base: string;
let context: BrowserContext;
let page: Page;
let profile: string;
let axeSource: string;
let adminToken: string;
const axeFigures: Record<string, { violations: string[]; serious: number }> = {};

beforeAll(async () => {
  if (!available) return;
  t = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: '0' } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const address = t.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  base = `http://127.0.0.1:${address.port}`;
  adminToken = await t.token({ team: 'acme', user: 'alice' });
  await t.token({ team: 'other', user: 'olga' });
  await pushProduct(t, adminToken);
  await pushProduct(t, await t.token({ team: 'other', user: 'olga' }));
  await setState(t, adminToken, 'main', 'cart', { 'cart.ITEMS.1': { status: 'completed', comment: 'shipped' } });

  axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  profile = await mkdtemp(join(tmpdir(), 'dashboard-chromium-'));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1024, height: 800 },
  });
  await context.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  page = context.pages()[0] ?? (await context.newPage());
  if (SHOTS) await mkdir(SHOTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  if (!available) return;
  if (Object.keys(axeFigures).length > 0) console.log(`[dashboard axe] ${JSON.stringify(axeFigures)}`);
  await context?.close();
  await t?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

interface AxeResult {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

/** axe-core on the current page, in the light and the dark scheme; returns the serious and critical violations. */
async function audit(name: string): Promise<string[]> {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    // evaluate() runs outside the page's CSP (no inline script is allowed in it).
    await page.evaluate(axeSource);
    const result = (await page.evaluate(`axe.run(document, { resultTypes: ["violations"] })`)) as AxeResult;
    const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    axeFigures[`${name} (${scheme})`] = { violations: result.violations.map((v) => `${v.id}:${v.impact}`), serious: serious.length };
    found.push(...serious.map((v) => `${scheme}: ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`));
    if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  // 320 px wide: nothing but the tables' own scroll regions may be wider than the screen.
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate('document.documentElement.scrollWidth');
  if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}-320.png`), fullPage: true });
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
  if ((overflow as number) > 320) found.push(`at 320 px the page is ${String(overflow)} px wide`);
  return found;
}

async function apiStatus(token: string): Promise<number> {
  const response = await fetch(`${base}/api/v1/implementations?product_name=shop`, { headers: { authorization: `Bearer ${token}` } });
  return response.status;
}

/** The visible text of a matrix cell (its link also holds a screen-reader-only description after a colon). */
const cell = async (feature: string, implementation: string) =>
  ((await page.locator(`a[data-cell="${feature} in ${implementation}"]`).textContent()) ?? '').split(':')[0];

describe.skipIf(!available)('dashboard in headless Chromium', { timeout: 300_000 }, () => {
  it('signs in by link, shows the matrix, drills down, sets a status, manages a token, refuses forgeries, signs out', async () => {
    // sign in by a one-time link
    await page.goto(`${base}/dashboard/login`);
    expect(await audit('login')).toEqual([]);
    const code = await loginCode(t, 'acme', 'alice');
    await page.goto(`${base}/dashboard/login/link?code=${code}`);
    await page.getByRole('button', { name: 'Continue and sign in' }).click();
    await page.waitForURL(`${base}/dashboard/t/acme`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Team acme');
    expect(await audit('home')).toEqual([]);

    // keyboard: the first Tab reaches the skip link, which leads to the content
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');

    // the matrix after two pushes: parent main, child feature/wishlist inheriting main's states
    await page.getByRole('link', { name: 'shop', exact: true }).click();
    await page.waitForURL(`${base}/dashboard/t/acme/p/shop`);
    expect(await cell('cart', 'main')).toBe('50%');
    expect(await cell('cart', 'feature/wishlist')).toBe('50% inherited');
    expect(await cell('wishlist', 'feature/wishlist')).toBe('0%');
    expect(await page.locator('tbody tr:has(th a[href$="/f/wishlist"]) td').first().textContent()).toBe('n/a');
    expect(await audit('matrix')).toEqual([]);

    // drill down: feature, then the feature in the child implementation
    await page.getByRole('link', { name: 'cart', exact: true }).click();
    await page.waitForURL(`${base}/dashboard/t/acme/p/shop/f/cart`);
    expect(await page.locator('.card h2').allTextContents()).toEqual(['main', 'feature/wishlist']);
    expect(await audit('feature')).toEqual([]);
    await page.getByRole('link', { name: 'feature/wishlist' }).click();
    await page.waitForURL(/\/i\/feature%2Fwishlist\/f\/cart$/);
    expect(await page.locator('a[href*="/blob/"]').first().getAttribute('href')).toBe(`https://github.com/acme/shop/blob/${'a'.repeat(40)}/src/cart.ts#L12`);
    expect(await audit('requirements')).toEqual([]);

    // set a requirement's status, by keyboard-reachable form controls
    await page.getByLabel('Status').nth(1).selectOption('completed');
    await page.getByLabel('Comment').nth(1).fill('done in the child');
    await page.getByRole('button', { name: 'Save cart.ITEMS.2' }).click();
    await page.waitForURL(/saved=cart.ITEMS.2/);
    expect(await page.getByRole('status').first().textContent()).toContain('Saved the state of cart.ITEMS.2');

    // ... and see the matrix change
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'shop' }).click();
    expect(await cell('cart', 'feature/wishlist')).toBe('100%');
    expect(await cell('cart', 'main')).toBe('50%');

    // a forged CSRF token is refused
    await page.goto(`${base}/dashboard/t/acme/p/shop/i/main/f/checkout`);
    await page.evaluate(`document.querySelectorAll('input[name=_csrf]').forEach((i) => { i.value = 'forged'; })`);
    const forged = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save checkout.PAY.1' }).click();
    expect((await forged).status()).toBe(403);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Not allowed');

    // another team's URLs are refused
    for (const url of ['/dashboard/t/other', '/dashboard/t/other/p/shop', '/dashboard/t/other/tokens']) {
      const response = await page.goto(`${base}${url}`);
      expect(response?.status(), url).toBe(404);
    }
    expect(await audit('not-found')).toEqual([]);

    // create a token: shown once, with a working copy button (the served script ran under the CSP)
    await page.goto(`${base}/dashboard/t/acme`);
    await page.getByRole('link', { name: 'Tokens' }).click();
    await page.getByLabel('Name').fill('browser bot');
    await page.getByLabel('Expires after (days, optional)').fill('7');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('#new-token').textContent())!.trim();
    expect(token).toMatch(/^at_/);
    expect(await page.getByRole('button', { name: 'Copy token' }).isVisible()).toBe(true);
    expect(await audit('tokens-created')).toEqual([]);
    expect(await apiStatus(token)).toBe(200);

    // revoke it, with confirmation; the API refuses it afterwards
    await page.goto(`${base}/dashboard/t/acme/tokens`);
    expect(await page.content()).not.toContain(token);
    await page.getByRole('link', { name: 'Revoke browser bot' }).click();
    expect(await audit('revoke-confirm')).toEqual([]);
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.waitForURL(/tokens\?revoked=1$/);
    expect(await apiStatus(token)).toBe(401);
    expect(await audit('tokens')).toEqual([]);

    // sign out: the session is over
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/dashboard/login`);
    await page.goto(`${base}/dashboard/t/acme/p/shop`);
    expect(page.url()).toBe(`${base}/dashboard/login`);
  });
});
