import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.js';
import { copyPgliteTemplate } from '../helpers/pglite-template.js';

// Many pool connections share PGlite's single session. Each connection must see
// its own statement's rows, also while another connection holds a transaction.
describe('embedded database under concurrent connections', () => {
  let dataDir: string;
  let embedded: EmbeddedPostgres;
  let pool: pg.Pool;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'embedded-concurrency-'));
    await copyPgliteTemplate(join(dataDir, 'pg'));
    embedded = await startEmbeddedPostgres({ dataDir });
    pool = new pg.Pool({ connectionString: embedded.url, max: 8 });
    await pool.query('CREATE TABLE kv (k int PRIMARY KEY, v text NOT NULL)');
    await pool.query("INSERT INTO kv SELECT g, 'value-' || g FROM generate_series(1, 200) g");
  });
  afterAll(async () => {
    await pool?.end();
    await embedded?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('parameterised queries from parallel connections each get their own answer', async () => {
    const keys = Array.from({ length: 400 }, (_, i) => (i % 200) + 1);
    const answers = await Promise.all(keys.map((k) => pool.query('SELECT v FROM kv WHERE k = $1', [k])));
    answers.forEach((result, i) => expect(result.rows).toEqual([{ v: `value-${keys[i]}` }]));
  });

  it('while one connection is inside a transaction, the others wait and still get their own rows', async () => {
    const holder = await pool.connect();
    await holder.query('BEGIN');
    await holder.query("UPDATE kv SET v = 'changed' WHERE k = 1");
    const readers = Array.from({ length: 20 }, (_, i) => pool.query('SELECT v FROM kv WHERE k = $1', [i + 2]));
    await new Promise((r) => setTimeout(r, 50));
    await holder.query('SELECT pg_sleep(0.05)');
    await holder.query('COMMIT');
    holder.release();
    const results = await Promise.all(readers);
    results.forEach((result, i) => expect(result.rows).toEqual([{ v: `value-${i + 2}` }]));
    expect((await pool.query('SELECT v FROM kv WHERE k = 1')).rows[0].v).toBe('changed');
  });

  it('a failing statement does not stall the other connections', async () => {
    const failing = pool.query('SELECT * FROM no_such_table').catch((error: Error) => error.message);
    const fine = Promise.all(Array.from({ length: 10 }, (_, i) => pool.query('SELECT $1::int AS n', [i])));
    expect(await failing).toMatch(/no_such_table/);
    expect((await fine).map((r) => r.rows[0].n)).toEqual([...Array(10).keys()]);
  });
});
