import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';

// One representative authenticated route per API surface, with the scope it needs.
const SURFACES = [
  { dialect: 'acai', read: '/api/v1/implementations?product_name=x', write: ['patch', '/api/v1/feature-states'], scope: 'impls:read' },
  { dialect: 'workspace', read: '/v1/devices', write: ['post', '/v1/devices'], scope: 'workspace:read' },
  { dialect: 'platform', read: '/api/pipelines', write: ['post', '/api/pipelines'], scope: 'pipelines:read' },
] as const;

function expectDialect(dialect: string, body: Record<string, unknown>, status?: string) {
  if (dialect === 'acai') {
    const errors = body.errors as { detail: unknown; status: unknown };
    expect(typeof errors.detail).toBe('string');
    if (status) expect(errors.status).toBe(status);
  } else if (dialect === 'workspace') {
    expect(typeof body.error).toBe('string');
    expect(typeof body.code).toBe('string');
  } else {
    const error = body.error as { code: unknown; message: unknown; details: unknown };
    expect(typeof error.code).toBe('string');
    expect(typeof error.message).toBe('string');
    expect(Array.isArray(error.details)).toBe(true);
  }
}

describe('errors in each client dialect', () => {
  let t: TestApp;
  let token: string;
  beforeAll(async () => {
    t = await createTestApp({ env: { BODY_LIMIT_BYTES: '4096' } });
    token = await t.token({ team: 'dialects', user: 'dana' });
  });
  afterAll(async () => t?.close());

  for (const surface of SURFACES) {
    describe(surface.dialect, () => {
      it('401 without a token', async () => {
        const res = await t.http().get(surface.read);
        expect(res.status).toBe(401);
        expectDialect(surface.dialect, res.body, 'UNAUTHORIZED');
      });

      it('401 with an unknown token, a malformed header or a non-Bearer scheme', async () => {
        for (const header of ['Bearer at_nope', 'Bearer', 'Basic dXNlcjpwYXNz', token]) {
          const res = await t.http().get(surface.read).set('authorization', header);
          expect(res.status, header).toBe(401);
          expectDialect(surface.dialect, res.body);
        }
      });

      it('403 when the token lacks the scope the route needs', async () => {
        const other = await t.token({ team: 'dialects', user: 'scopeless', scopes: ['team:read'] });
        const res = await t.http().get(surface.read).set('authorization', `Bearer ${other}`);
        expect(res.status).toBe(403);
        expectDialect(surface.dialect, res.body, 'FORBIDDEN');
        expect(JSON.stringify(res.body)).toContain(surface.scope);
      });

      it('404 in the dialect for an unknown route under the prefix', async () => {
        const prefix = surface.read.split('/').slice(0, surface.dialect === 'acai' ? 3 : 2).join('/');
        const res = await t.http().get(`${prefix}/no-such-route`).set('authorization', `Bearer ${token}`);
        expect(res.status).toBe(404);
        expectDialect(surface.dialect, res.body, 'NOT_FOUND');
      });

      it('400 for malformed JSON', async () => {
        const [method, path] = surface.write;
        const res = await t.http()[method](path).set('authorization', `Bearer ${token}`).set('content-type', 'application/json').send('{"oops": ');
        expect(res.status).toBe(400);
        expectDialect(surface.dialect, res.body);
        expect(JSON.stringify(res.body)).toMatch(/Malformed JSON/);
      });

      it('415 for a body that is not JSON', async () => {
        const [method, path] = surface.write;
        const res = await t.http()[method](path).set('authorization', `Bearer ${token}`).set('content-type', 'text/csv').send('a,b\n1,2');
        expect(res.status).toBe(415);
        expectDialect(surface.dialect, res.body);
      });

      it('413 for a body over the byte cap', async () => {
        const [method, path] = surface.write;
        const agent = t.http();
        const res = await agent[method](path)
          .set('authorization', `Bearer ${token}`)
          .set('content-type', 'application/json')
          .send(JSON.stringify({ name: 'x', padding: 'y'.repeat(4 * 1024 * 1024) }));
        expect(res.status).toBe(413);
        expectDialect(surface.dialect, res.body, 'PAYLOAD_TOO_LARGE');
      });

      it('validation failures use the dialect status (422 for acai, 400 otherwise)', async () => {
        const [method, path] = surface.write;
        const res = await t.http()[method](path).set('authorization', `Bearer ${token}`).send({ unexpected: [1, 2, 3] });
        expect(res.status).toBe(surface.dialect === 'acai' ? 422 : 400);
        expectDialect(surface.dialect, res.body);
      });
    });
  }

  it('unknown routes outside every surface use the platform dialect', async () => {
    const res = await t.http().get('/nowhere');
    expect(res.status).toBe(404);
    expectDialect('platform', res.body);
  });

  it('echoes a well-formed x-request-id and generates one otherwise', async () => {
    const echoed = await t.http().get('/_health').set('x-request-id', 'req-123');
    expect(echoed.headers['x-request-id']).toBe('req-123');
    const generated = await t.http().get('/_health').set('x-request-id', 'bad id with spaces');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('never logs the Authorization header', async () => {
    await t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
    expect(t.logs.text()).not.toContain(token);
  });
});

describe('tokens: revoked and expired', () => {
  let t: TestApp;
  beforeAll(async () => {
    // Without the token cache a revocation is seen by the very next request.
    t = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: '0' } });
  });
  afterAll(async () => t?.close());

  it('401 for an expired token, naming the reason', async () => {
    const expired = await t.token({ team: 'exp', user: 'old', expiresAt: new Date(Date.now() - 1000) });
    const res = await t.http().get('/v1/devices').set('authorization', `Bearer ${expired}`);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/expired/);
  });

  it('401 for a revoked token; last_used_at is recorded while it was valid', async () => {
    const token = await t.token({ team: 'rev', user: 'bob' });
    const ok = await t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
    expect(ok.status).toBe(200);
    const row = await t.db.prisma.apiToken.findFirstOrThrow({ where: { user: { name: 'bob' } } });
    expect(row.lastUsedAt).not.toBeNull();
    expect(row.tokenHash).not.toContain(token);
    await t.db.prisma.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    const res = await t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
    expect(res.status).toBe(401);
    expect(res.body.error).toMatch(/revoked/);
  });
});

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { RATE_LIMITS: 'on', RATE_LIMIT_PER_TOKEN_PER_MINUTE: '3', AUTH_FAILURES_PER_MINUTE: '2' } });
  });
  afterAll(async () => t?.close());

  it('429 with Retry-After once a token exceeds its per-minute budget', async () => {
    const token = await t.token({ team: 'rl', user: 'busy' });
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 5; i++) {
      last = await t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(0);
    expect(last!.body.code).toBe('rate_limited');
  });

  it('429 for further failures from a client address after repeated authentication failures; a good token still passes', async () => {
    const good = await t.token({ team: 'rl', user: 'victim' });
    const a = await t.http().get('/api/pipelines').set('authorization', 'Bearer at_wrong1');
    const b = await t.http().get('/api/pipelines').set('authorization', 'Bearer at_wrong2');
    expect([a.status, b.status]).toEqual([401, 401]);
    const c = await t.http().get('/api/pipelines').set('authorization', 'Bearer at_wrong3');
    expect(c.status).toBe(429);
    expect(c.headers['retry-after']).toBeDefined();
    expect(c.body.error.code).toBe('rate_limited');
    expect((await t.http().get('/api/pipelines').set('authorization', `Bearer ${good}`)).status).toBe(200);
  });
});
