import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

// Failed authentications are limited per client address, and a valid token is never
// refused because of them: behind a reverse proxy every user shares one address.
// TRUST_PROXY decides whether X-Forwarded-For names the client.

const wrongToken = () => `at_${randomBytes(32).toString('base64url')}`; // a token's shape, unknown

async function failFrom(t: TestApp, forwardedFor: string | undefined, times: number): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < times; i++) {
    const request = t.http().get('/v1/devices').set('authorization', `Bearer ${wrongToken()}`);
    if (forwardedFor) void request.set('x-forwarded-for', forwardedFor);
    statuses.push((await request).status);
  }
  return statuses;
}

describe('authentication failures from one address', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMITS: 'on' } }); // AUTH_FAILURES_PER_MINUTE: 30
  });
  afterAll(async () => t?.close());

  it('40 failures, then a valid token from the same address: 200; further failures: 429 without the reason', async () => {
    const good = await t.token({ team: 'lockout', user: 'victim' });
    const expired = await t.token({ team: 'lockout', user: 'gone', expiresAt: new Date(Date.now() - 1000) });
    const statuses = await failFrom(t, undefined, 40);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual(Array(10).fill(429));

    const ok = await t.http().get('/v1/devices').set('authorization', `Bearer ${good}`);
    expect(ok.status).toBe(200);

    const limited = await t.http().get('/v1/devices').set('authorization', `Bearer ${expired}`);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.code).toBe('rate_limited');
    expect(JSON.stringify(limited.body)).not.toMatch(/expired/i);
  });
});

describe('TRUST_PROXY', () => {
  let trusting: TestApp;
  let oneHop: TestApp;
  let direct: TestApp;
  beforeAll(async () => {
    const env = { RATE_LIMITS: 'on', AUTH_FAILURES_PER_MINUTE: '3' };
    trusting = await createTestApp({ env: { ...env, TRUST_PROXY: '127.0.0.1' } });
    oneHop = await createTestApp({ env: { ...env, TRUST_PROXY: '1' }, database: trusting.database });
    direct = await createTestApp({ env, database: trusting.database });
  });
  afterAll(async () => {
    await direct?.close();
    await oneHop?.close();
    await trusting?.close();
  });

  it('with the proxy trusted, two X-Forwarded-For clients are limited separately', async () => {
    expect(await failFrom(trusting, '203.0.113.7', 5)).toEqual([401, 401, 401, 429, 429]);
    expect(await failFrom(trusting, '203.0.113.8', 2)).toEqual([401, 401]);
  });

  it('one client is one counter however its address is written: an IPv6 /64, and an IPv4-mapped address as its IPv4 one', async () => {
    // An IPv6 subscriber holds a /64: a fresh address per request must not be a fresh counter.
    expect(await failFrom(trusting, '2001:db8:1:2::1', 1)).toEqual([401]);
    expect(await failFrom(trusting, '2001:DB8:1:2:0:0:0:2', 1)).toEqual([401]);
    expect(await failFrom(trusting, '2001:db8:1:2:ffff::3', 1)).toEqual([401]);
    expect(await failFrom(trusting, '2001:db8:1:2::4', 1)).toEqual([429]);
    expect(await failFrom(trusting, '2001:db8:1:3::1', 1)).toEqual([401]); // the next /64: another client
    expect(await failFrom(trusting, '::ffff:198.51.100.77', 1)).toEqual([401]);
    expect(await failFrom(trusting, '::FFFF:c633:644d', 1)).toEqual([401]); // 198.51.100.77 in hex
    expect(await failFrom(trusting, '198.51.100.77', 2)).toEqual([401, 429]);
  });

  it('with a hop count, only that many hops count: an address the client put in front of the proxy\'s is ignored', async () => {
    // The proxy appends the address it saw; the left-most entries are the client's own claims.
    expect(await failFrom(oneHop, '198.51.100.1, 203.0.113.7', 4)).toEqual([401, 401, 401, 429]);
    expect(await failFrom(oneHop, '198.51.100.2, 203.0.113.7', 1)).toEqual([429]);
    expect(await failFrom(oneHop, '198.51.100.1, 203.0.113.8', 1)).toEqual([401]);
  });

  it('without it, X-Forwarded-For is ignored: the connection\'s address is the client', async () => {
    expect(await failFrom(direct, '203.0.113.7', 3)).toEqual([401, 401, 401]);
    expect(await failFrom(direct, '203.0.113.8', 1)).toEqual([429]);
  });

  it('is validated at start', async () => {
    const { loadConfig } = await import('../../src/config.js');
    expect(loadConfig({ TRUST_PROXY: '2' }).http.trustProxy).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'true' }).http.trustProxy).toBe(true);
    expect(loadConfig({}).http.trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, ::1,loopback' }).http.trustProxy).toEqual(['10.0.0.0/8', '::1', 'loopback']);
    for (const bad of ['10.0.0.0/33', 'proxy.example.com', '1.2.3', 'yes', '10.0.0.1/8/1', '-1']) {
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(/TRUST_PROXY/);
    }
  });
});
