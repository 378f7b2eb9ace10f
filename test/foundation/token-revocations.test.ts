import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../../src/modules/tokens/manage/service.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

// Two server apps on one PostgreSQL database, each caching token lookups for a minute: a token
// revoked through one is refused by the other within a second, through LISTEN/NOTIFY, also after
// the listening connection was cut. (The embedded database belongs to one process: nothing to tell.)

const postgres = Boolean(process.env.DATABASE_URL);
if (!postgres) console.warn('token revocation across processes: PostgreSQL only (DATABASE_URL unset), skipped');

describe.skipIf(!postgres)('a revoked token leaves every server cache at once (LISTEN/NOTIFY)', () => {
  let database: TestDatabase;
  let one: TestApp;
  let other: TestApp;
  let admin: pg.Client;

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { TOKEN_CACHE_TTL_MS: '60000' };
    one = await createTestApp({ database, env });
    other = await createTestApp({ database, env });
    for (const t of [one, other]) await t.app.listen({ host: '127.0.0.1', port: 0 });
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await one?.close();
    await other?.close();
    await database?.close();
  });

  const devices = (t: TestApp, token: string) => t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
  const listeners = async () =>
    Number(
      (await admin.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'token-revocations' AND datname = current_database()`))
        .rows[0]!.n,
    );

  async function cachedEverywhere(user: string): Promise<{ token: string; id: string }> {
    const token = await one.token({ team: 'revocations', user });
    for (const t of [one, other]) expect((await devices(t, token)).status).toBe(200);
    const { id } = await one.db.prisma.apiToken.findFirstOrThrow({ where: { user: { name: user } }, select: { id: true } });
    return { token, id };
  }

  async function refusedWithin(t: TestApp, token: string, ms: number): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < ms) {
      if ((await devices(t, token)).status === 401) return Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`still accepted after ${ms} ms`);
  }

  it('each server listens on its own connection', async () => {
    // Each listener connects in the background after its app starts; on a loaded machine that takes a moment.
    const deadline = Date.now() + 15_000;
    while ((await listeners()) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await listeners()).toBe(2);
  });

  it('revoked through one process (the token CLI, here), refused by the others within 1 s, not after the 60 s TTL', async () => {
    const { token, id } = await cachedEverywhere('carol');
    expect(await revokeToken(one.db.prisma, id)).toBe(true);
    expect(await refusedWithin(other, token, 1_000)).toBeLessThan(1_000);
    expect((await devices(one, token)).status).toBe(401);
  });

  it('after the listening connections are cut, they reconnect and revocations are heard again', async () => {
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'token-revocations' AND datname = current_database()`);
    const deadline = Date.now() + 10_000;
    while ((await listeners()) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await listeners()).toBe(2);
    const { token, id } = await cachedEverywhere('dave');
    await revokeToken(one.db.prisma, id);
    expect(await refusedWithin(other, token, 1_000)).toBeLessThan(1_000);
  });
});
