import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';

let t: TestApp;
let admin: string;
let otherAdmin: string;

beforeAll(async () => {
  t = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: '0' } });
  admin = await t.token({ team: 'acme', user: 'alice' });
  otherAdmin = await t.token({ team: 'other', user: 'olga' });
});
afterAll(async () => t?.close());

const as = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('/api/tokens', () => {
  it('creates a token (201, shown once, not cached), lists and reads it without the secret, revokes it (204) and the API refuses it', async () => {
    const created = await t.http().post('/api/tokens').set(as(admin)).send({ name: 'deploy', expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    expect(created.status).toBe(201);
    expect(created.headers['cache-control']).toBe('no-store');
    expect(created.body.data).toMatchObject({ name: 'deploy', creator: 'alice', state: 'active', revoked_at: null });
    expect(created.body.data.token).toMatch(/^at_/);
    expect(created.body.data.prefix).toBe(created.body.data.token.slice(0, 11));
    expect(created.body.data.scopes).not.toContain('team:admin');
    const id = created.body.data.id as string;

    const list = await t.http().get('/api/tokens').set(as(admin));
    expect(list.status).toBe(200);
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain(created.body.data.token);
    expect((await t.http().get(`/api/tokens/${id}`).set(as(admin))).body.data.name).toBe('deploy');

    expect((await t.http().get('/api/v1/implementations?product_name=x').set(as(created.body.data.token))).status).not.toBe(401);
    expect((await t.http().delete(`/api/tokens/${id}`).set(as(admin))).status).toBe(204);
    expect((await t.http().get(`/api/tokens/${id}`).set(as(admin))).body.data.state).toBe('revoked');
    expect((await t.http().get('/api/v1/implementations?product_name=x').set(as(created.body.data.token))).status).toBe(401);
  });

  it('grants only scopes the caller holds (422), and refuses a past expiry (422) and a bad body (400)', async () => {
    const limited = await t.token({ team: 'acme', user: 'lim', scopes: ['team:admin', 'specs:read'] });
    const refused = await t.http().post('/api/tokens').set(as(limited)).send({ name: 'x', scopes: ['specs:write'] });
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toContain('specs:write');
    const ok = await t.http().post('/api/tokens').set(as(limited)).send({ name: 'x' });
    expect(ok.body.data.scopes).toEqual(['specs:read']);
    const admin2 = await t.http().post('/api/tokens').set(as(admin)).send({ name: 'second admin', scopes: ['team:admin', 'team:read'] });
    expect(admin2.status).toBe(201);
    expect(admin2.body.data.scopes).toEqual(['team:admin', 'team:read']);
    expect((await t.http().post('/api/tokens').set(as(admin)).send({ name: 'x', expires_at: '2020-01-01T00:00:00Z' })).status).toBe(422);
    const bad = await t.http().post('/api/tokens').set(as(admin)).send({ name: '', extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
  });

  it('a new token cannot outlive the token it is made with, nor be set more than 3650 days ahead (422 naming expires_at)', async () => {
    const parentExpiry = new Date(Date.now() + 3_600_000);
    const shortAdmin = await t.token({ team: 'acme', user: 'carol', expiresAt: parentExpiry });
    const expectRefused = async (response: { status: number; body: { error: { code: string; details: { field: string }[] } } }) => {
      expect(response.status).toBe(422);
      expect(response.body.error.code).toBe('unprocessable');
      expect(response.body.error.details.map((d) => d.field)).toEqual(['expires_at']);
    };
    await expectRefused(await t.http().post('/api/tokens').set(as(shortAdmin)).send({ name: 'forever', scopes: ['team:admin'] }));
    await expectRefused(await t.http().post('/api/tokens').set(as(shortAdmin)).send({ name: 'null', expires_at: null }));
    const later = new Date(parentExpiry.getTime() + 1000).toISOString();
    await expectRefused(await t.http().post('/api/tokens').set(as(shortAdmin)).send({ name: 'later', expires_at: later }));
    const within = await t.http().post('/api/tokens').set(as(shortAdmin)).send({ name: 'within', expires_at: new Date(parentExpiry.getTime() - 60_000).toISOString() });
    expect(within.status).toBe(201);
    expect(await t.db.prisma.apiToken.count({ where: { user: { name: 'carol' } } })).toBe(2);

    await expectRefused(await t.http().post('/api/tokens').set(as(admin)).send({ name: 'far', expires_at: '9999-12-31T00:00:00Z' }));
    const longest = await t.http().post('/api/tokens').set(as(admin)).send({ name: 'long', expires_at: new Date(Date.now() + 3649 * 86_400_000).toISOString() });
    expect(longest.status).toBe(201);
    expect((await t.http().post('/api/tokens').set(as(admin)).send({ name: 'never' })).status).toBe(201);
  });

  it('401 without a token, 403 without team:admin', async () => {
    expect((await t.http().get('/api/tokens')).status).toBe(401);
    const plain = await t.token({ team: 'acme', user: 'dev', scopes: ['specs:read', 'team:read'] });
    const response = await t.http().get('/api/tokens').set(as(plain));
    expect(response.status).toBe(403);
    expect(response.body.error.message).toContain('team:admin');
    expect((await t.http().post('/api/tokens').set(as(plain)).send({ name: 'x' })).status).toBe(403);
  });

  it("another team's token is 404 to read or revoke, and absent from the list", async () => {
    const mine = await t.http().post('/api/tokens').set(as(admin)).send({ name: 'mine' });
    const id = mine.body.data.id as string;
    expect((await t.http().get(`/api/tokens/${id}`).set(as(otherAdmin))).status).toBe(404);
    expect((await t.http().delete(`/api/tokens/${id}`).set(as(otherAdmin))).status).toBe(404);
    expect((await t.http().delete('/api/tokens/not-a-uuid').set(as(otherAdmin))).status).toBe(404);
    const list = await t.http().get('/api/tokens').set(as(otherAdmin));
    expect(list.body.data.map((x: { id: string }) => x.id)).not.toContain(id);
    expect((await t.http().get(`/api/tokens/${id}`).set(as(admin))).body.data.state).toBe('active');
  });
});

// On PostgreSQL every server listens for revocations (src/db/token-revocations.ts); the embedded
// database belongs to one process, where TOKEN_CACHE_TTL_MS bounds the delay instead.
describe.skipIf(!process.env.DATABASE_URL)('revocation reaches the token cache', () => {
  it('a token revoked through /api/tokens is refused at once, even with a minute-long cache', async () => {
    const cached = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: '60000' } });
    try {
      await cached.app.listen({ host: '127.0.0.1', port: 0 });
      const owner = await cached.token({ team: 'acme', user: 'alice' });
      const created = await cached.http().post('/api/tokens').set(as(owner)).send({ name: 'short-lived' });
      const token = created.body.data.token as string;
      const use = () => cached.http().get('/api/v1/implementations?product_name=x').set(as(token));
      expect((await use()).status).not.toBe(401);
      // The listener connects after listen() and then clears the cache once (revocations may have been
      // missed before it listened): cache the token again after that, so only a notification can drop it.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      expect((await use()).status).not.toBe(401);
      expect((await cached.http().delete(`/api/tokens/${created.body.data.id}`).set(as(owner))).status).toBe(204);
      const deadline = Date.now() + 10_000;
      let status = (await use()).status;
      while (status !== 401 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        status = (await use()).status;
      }
      expect(status).toBe(401);
    } finally {
      await cached.close();
    }
  }, 60_000);
});
