import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { pino } from 'pino';
import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { migrationsDir } from '../../src/lib/paths.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const silent = pino({ level: 'silent' });

describe('first start', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('two instances starting at once against one empty database both come up; each migration is applied once', async () => {
    const config = loadConfig({ DATABASE_URL: database.url, DB_POOL_SIZE: '3' });
    const [a, b] = await Promise.all([openDatabase(config, { logger: silent }), openDatabase(config, { logger: silent })]);
    try {
      expect(await a.ping()).toBe(true);
      expect(await b.ping()).toBe(true);
      const migrations = (await readdir(migrationsDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      const { rows } = await a.pool.query<{ migration_name: string; n: string }>(
        'SELECT migration_name, count(*) AS n FROM _prisma_migrations WHERE finished_at IS NOT NULL GROUP BY 1 ORDER BY 1',
      );
      expect(rows.map((r) => r.migration_name)).toEqual(migrations.sort());
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
      // a later start is a no-op
      const c = await openDatabase(config, { logger: silent });
      const again = await c.pool.query('SELECT count(*)::int AS n FROM _prisma_migrations');
      expect(again.rows[0].n).toBe(migrations.length);
      await c.close();
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('database outage', () => {
  let t: TestApp;
  let proxy: TcpProxy;
  let database: TestDatabase;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    proxy = TcpProxy.forUrl(database.url);
    await proxy.start();
    // The app reaches its database through the proxy, which the test can cut.
    t = await createTestApp({ database: { ...database, url: proxy.rewrite(database.url), close: async () => undefined } });
    token = await t.token({ team: 'outage', user: 'olga' });
  });
  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await database?.close();
  });

  it('the proxy to the embedded database opens no TCP port: its socket sits in a 0700 directory', () => {
    if (database.mode !== 'embedded') return expect(proxy.socketDir).toBeNull();
    expect(proxy.socketDir).not.toBeNull();
    expect(statSync(proxy.socketDir!).mode & 0o077).toBe(0);
    expect(new URL(proxy.rewrite(database.url)).searchParams.get('host')).toBe(proxy.socketDir);
  });

  it('/_ready reports the database down with 503, and recovers by itself', async () => {
    expect((await t.http().get('/_ready')).status).toBe(200);
    proxy.cut();
    const down = await t.http().get('/_ready');
    expect(down.status).toBe(503);
    expect(down.body).toEqual({ status: 'unavailable', database: 'down' });
    expect((await t.http().get('/_health')).status).toBe(200);

    // API calls fail fast with 503 in the client's dialect, never hang or 500.
    const started = Date.now();
    const api = await t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
    expect(api.status).toBe(503);
    expect(api.body.code).toBe('unavailable');
    expect(api.headers['retry-after']).toBeDefined();
    expect(Date.now() - started).toBeLessThan(10_000);

    proxy.restore();
    let ready = 0;
    for (let i = 0; i < 50 && ready !== 200; i++) {
      ready = (await t.http().get('/_ready')).status;
      if (ready !== 200) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ready).toBe(200);
    const back = await t.http().get('/v1/devices').set('authorization', `Bearer ${token}`);
    expect(back.status).toBe(200);
  });
});

describe('embedded database', () => {
  it('refuses a second process on the same data directory with a clear message', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startEmbeddedPostgres } = await import('../../src/db/embedded.js');
    const dir = await mkdtemp(join(tmpdir(), 'lock-test-'));
    // A live process (our parent) holds the lock.
    await writeFile(join(dir, 'embedded-pg.lock'), String(process.ppid));
    await expect(startEmbeddedPostgres({ dataDir: dir })).rejects.toThrow(/in use by process/);
    await rm(dir, { recursive: true, force: true });
  });
});

describe('pg driver sanity', () => {
  it('the test database is reachable with the plain pg client', async () => {
    const database = await createTestDatabase();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query('SELECT 1 AS one');
    expect(rows[0].one).toBe(1);
    await client.end();
    await database.close();
  });
});
