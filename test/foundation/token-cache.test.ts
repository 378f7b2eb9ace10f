import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

const TTL_MS = 1_500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('token cache (TOKEN_CACHE_TTL_MS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: String(TTL_MS) } });
    // Warm up the routes so the timings below are not a cold start.
    await t.http().get('/v1/devices').set('authorization', `Bearer ${await t.token({ team: 'warm', user: 'up' })}`);
  });
  afterAll(async () => t?.close());

  const devices = (token: string) => t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);

  it('a revocation takes effect once the cached lookup expires, within the TTL', async () => {
    const token = await t.token({ team: 'cache', user: 'carol' });
    const cachedAt = Date.now();
    expect((await devices(token)).status).toBe(200);
    const row = await t.db.prisma.apiToken.findFirstOrThrow({ where: { user: { name: 'carol' } } });
    await t.db.prisma.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    // Inside the TTL the cached lookup is reused: documented, bounded staleness
    // (asserted only when this slow machine got here well inside the TTL).
    const stale = await devices(token);
    if (Date.now() - cachedAt < TTL_MS - 300) expect(stale.status).toBe(200);
    await sleep(TTL_MS + 100);
    const res = await devices(token);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/revoked/);
  });

  it('a cached lookup never outlives the token expiry', async () => {
    const expiresAt = new Date(Date.now() + 800);
    const token = await t.token({ team: 'cache', user: 'dave', expiresAt });
    expect((await devices(token)).status).toBe(200);
    await sleep(expiresAt.getTime() - Date.now() + 50);
    const res = await devices(token);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/expired/);
  });

  it('failed lookups are not cached: a token created after a miss works at once', async () => {
    expect((await devices('at_unknown-token-value')).status).toBe(401);
    const token = await t.token({ team: 'cache', user: 'erin' });
    expect((await devices(token)).status).toBe(200);
  });
});
