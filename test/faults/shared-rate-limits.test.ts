import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { redisUnavailable, TEST_REDIS_URL, uniqueRedisPrefix } from '../helpers/redis.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from './harness.js';

// Rate limits with REDIS_URL: two instances on one database and one Redis count against one
// limit (per token, per failing address, per route), answer in each surface's dialect with
// Retry-After, and keep serving when Redis is away. Without REDIS_URL each instance counts
// on its own, as the README says. Each describe block takes a key prefix of its own, so test
// files sharing the one Redis never share a counter.

const unavailable = await redisUnavailable();
if (unavailable) console.warn(`shared rate limits: no Redis on ${TEST_REDIS_URL} (${unavailable}), skipped`);

/** Small limits, so that a handful of requests crosses each. */
const LIMITS = {
  RATE_LIMITS: 'on',
  RATE_LIMIT_PER_TOKEN_PER_MINUTE: '4',
  AUTH_FAILURES_PER_MINUTE: '3',
  ACAI_FEATURE_STATES_WRITES_PER_MINUTE: '2',
  ACAI_PUSH_REQUESTS_PER_MINUTE: '2',
};

/** The error bodies of the three dialects, as far as read here. */
interface ErrorBody {
  errors?: { status?: string };
  code?: string;
  error?: { code?: string } | string;
}
// One authenticated read per surface, and how each renders a 429.
const SURFACES = [
  { dialect: 'acai', read: '/api/v1/implementations?product_name=x', code: (body: ErrorBody) => body.errors?.status },
  { dialect: 'workspace', read: '/v1/devices', code: (body: ErrorBody) => body.code },
  { dialect: 'platform', read: '/api/pipelines', code: (body: ErrorBody) => (typeof body.error === 'object' ? body.error.code : undefined) },
] as const;
const LIMITED_CODE = { acai: 'TOO_MANY_REQUESTS', workspace: 'rate_limited', platform: 'rate_limited' } as const;

const read = (t: TestApp, token: string, path = '/v1/devices') => t.http().get(path).set('authorization', `Bearer ${token}`);
const failAuth = (t: TestApp) => t.http().get('/v1/devices').set('authorization', `Bearer at_${'w'.repeat(43)}`);
const failWebhook = (t: TestApp) =>
  t.http().post('/api/git-integration/webhooks/github?hook_id=gitwh_unknown').set('content-type', 'application/json').set('x-hub-signature-256', 'sha256=00').send('{}');
const failSignIn = (t: TestApp) => t.http().post('/dashboard/login/token').type('form').send({ token: `at_${'s'.repeat(43)}` });

async function statusesOf(requests: (() => PromiseLike<{ status: number }>)[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const request of requests) statuses.push((await request()).status);
  return statuses;
}

function expectRetryAfter(headers: Record<string, string>): void {
  const seconds = Number(headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(60);
}

async function deleteKeys(prefix: string): Promise<string[]> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    return keys;
  } finally {
    redis.disconnect();
  }
}

describe.skipIf(unavailable)('with REDIS_URL, two instances share every limit', () => {
  const prefix = uniqueRedisPrefix();
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { ...LIMITS, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix };
    a = await createTestApp({ env });
    b = await createTestApp({ env, database: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    if (!unavailable) await deleteKeys(prefix);
  });

  it("a token's requests split across both are refused once together over its limit: 429 with Retry-After in each dialect, on both", async () => {
    const token = await a.token({ team: 'shared-rl', user: 'busy' });
    expect(await statusesOf([a, b, a, b].map((t) => () => read(t, token)))).toEqual([200, 200, 200, 200]);
    for (const t of [a, b]) {
      for (const surface of SURFACES) {
        const res = await read(t, token, surface.read);
        expect(res.status, surface.dialect).toBe(429);
        expect(surface.code(res.body), surface.dialect).toBe(LIMITED_CODE[surface.dialect]);
        expectRetryAfter(res.headers);
      }
    }
    // Another token is not affected.
    expect((await read(b, await b.token({ team: 'shared-rl', user: 'calm' }))).status).toBe(200);
    // The counters live in Redis under this file's prefix.
    const redis = new Redis(TEST_REDIS_URL);
    try {
      expect((await redis.keys(`${prefix}*`)).length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  it('failed authentications on one instance lock the address out on the other (Bearer tokens and webhook signatures alike); a valid token still passes', async () => {
    const good = await a.token({ team: 'shared-rl', user: 'victim' });
    expect(await statusesOf([() => failAuth(a), () => failWebhook(b), () => failAuth(a)])).toEqual([401, 401, 401]);
    const limited = await failAuth(b);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe('rate_limited');
    expectRetryAfter(limited.headers);
    const webhook = await failWebhook(a);
    expect(webhook.status).toBe(429);
    expect(webhook.body.error.code).toBe('rate_limited');
    expectRetryAfter(webhook.headers);
    expect((await read(b, good)).status).toBe(200);
    expect((await read(a, good)).status).toBe(200);
  });

  it("a route's own limits (state writes and pushes per token) and failed dashboard sign-ins are shared too", async () => {
    const writer = await a.token({ team: 'shared-rl', user: 'writer', scopes: ['impls:read', 'specs:read', 'states:write'] });
    const write = (t: TestApp) => () => t.http().patch('/api/v1/feature-states').set('authorization', `Bearer ${writer}`).send({});
    // The limit is counted before the body is read: invalid bodies (422) count.
    expect(await statusesOf([write(a), write(b)])).toEqual([422, 422]);
    const limited = await write(a)();
    expect(limited.status).toBe(429);
    expect(limited.body.errors.status).toBe('TOO_MANY_REQUESTS');
    expectRetryAfter(limited.headers);

    const pusher = await a.token({ team: 'shared-rl', user: 'pusher', scopes: ['specs:write', 'refs:write'] });
    const pushTo = (t: TestApp) => () => t.http().post('/api/v1/push').set('authorization', `Bearer ${pusher}`).set('content-type', 'application/json').send('{}');
    // Counted before the body is read, like state writes: two invalid pushes, one on each instance, fill the limit.
    expect(await statusesOf([pushTo(a), pushTo(b)])).toEqual([422, 422]);
    const pushLimited = await pushTo(b)();
    expect(pushLimited.status).toBe(429);
    expect(pushLimited.body.errors.status).toBe('TOO_MANY_REQUESTS');
    expectRetryAfter(pushLimited.headers);

    expect(await statusesOf([() => failSignIn(a), () => failSignIn(b), () => failSignIn(a)])).toEqual([401, 401, 401]);
    const signIn = await failSignIn(b);
    expect(signIn.status).toBe(429);
    expectRetryAfter(signIn.headers);
  });
});

describe('without REDIS_URL, each instance counts on its own (documented)', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    a = await createTestApp({ env: LIMITS });
    b = await createTestApp({ env: LIMITS, database: a.database });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a token and a failing address reach the limit on each instance separately', async () => {
    const token = await a.token({ team: 'local-rl', user: 'busy' });
    expect(await statusesOf(Array(5).fill(() => read(a, token)))).toEqual([200, 200, 200, 200, 429]);
    expect(await statusesOf(Array(5).fill(() => read(b, token)))).toEqual([200, 200, 200, 200, 429]);
    expect(await statusesOf(Array(4).fill(() => failAuth(a)))).toEqual([401, 401, 401, 429]);
    expect((await failAuth(b)).status).toBe(401);
  });
});

describe.skipIf(unavailable)('Redis unreachable: requests are served, without limits, and the limits come back with it', () => {
  const prefix = uniqueRedisPrefix();
  const env = (port: number) => ({ ...LIMITS, REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_KEY_PREFIX: prefix });
  let proxy: TcpProxy;
  const apps: TestApp[] = [];
  beforeAll(async () => {
    proxy = new TcpProxy({ host: '127.0.0.1', port: 6379 });
    await proxy.start();
  });
  afterAll(async () => {
    for (const t of apps.reverse()) await t.close();
    await proxy?.close();
    if (!unavailable) await deleteKeys(prefix);
  });
  const warnings = (t: TestApp) => t.logs.lines.filter((line) => line.level === 40 && /rate-limit Redis unreachable/.test(String(line.msg)));

  it('down at start: the server starts, serves every request and warns once; when Redis answers, the limit is shared again', async () => {
    proxy.cut();
    const started = Date.now();
    const a = await createTestApp({ env: env(proxy.port) });
    apps.push(a);
    expect(Date.now() - started).toBeLessThan(15_000);
    const token = await a.token({ team: 'redis-down', user: 'early' });
    expect(await statusesOf(Array(6).fill(() => read(a, token)))).toEqual(Array(6).fill(200));
    expect(await statusesOf(Array(4).fill(() => failAuth(a)))).toEqual(Array(4).fill(401));
    expect(warnings(a)).toHaveLength(1);

    proxy.restore();
    // The client reconnects on its own; the first counter update that succeeds ends the outage.
    const probe = await a.token({ team: 'redis-down', user: 'probe' });
    const answersAgain = () => a.logs.lines.some((line) => /rate-limit Redis answers again/.test(String(line.msg)));
    expect(await eventually(async () => (await read(a, probe)) && answersAgain(), 10_000, 200)).toBe(true);
    // A second instance straight on Redis: the two share one count again.
    const b = await createTestApp({ env: env(6379), database: a.database });
    apps.push(b);
    const later = await a.token({ team: 'redis-down', user: 'later' });
    expect(await statusesOf([a, b, a, b, a].map((t) => () => read(t, later)))).toEqual([200, 200, 200, 200, 429]);
  });

  // freeze: the connection stays open and Redis stops answering (each request waits for the client's
  // 1 s command timeout); cut: connections are dropped and refused (a request does not wait at all).
  for (const outage of ['freeze', 'cut'] as const) {
    it(`down while running (${outage}): every request is still served, none waits much more than a second; then shared again`, async () => {
      const a = apps[0]!;
      const b = apps[1]!;
      const before = warnings(a).length;
      const token = await a.token({ team: 'redis-down', user: `steady-${outage}` });
      expect(await statusesOf([() => read(a, token), () => read(b, token)])).toEqual([200, 200]);
      proxy[outage]();
      for (let i = 0; i < 5; i++) {
        const sent = Date.now();
        const res = await read(a, token);
        expect(res.status, `#${i}`).toBe(200);
        expect(Date.now() - sent, `#${i}`).toBeLessThan(2_500);
      }
      proxy.restore();
      expect(await eventually(async () => (await read(a, token)).status === 429, 10_000, 200)).toBe(true);
      expect((await read(b, token)).status).toBe(429);
      expect(warnings(a).length).toBe(before + 1);
    });
  }
});
