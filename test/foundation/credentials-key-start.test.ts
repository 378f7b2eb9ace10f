import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsKeyFingerprint } from '../../src/db/credentials-key.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startServerProcess } from '../helpers/server-process.js';

describe('a server started with another git credentials key than the database records', () => {
  let database: TestDatabase;
  const dataDir = mkdtempSync(join(tmpdir(), 'key-mismatch-'));
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('records the first key, then refuses another one at start (exit 1) saying what to do', async () => {
    const first = randomBytes(32);
    const server = await startServerProcess({ DATABASE_URL: database.url, DATA_DIR: dataDir, GIT_CREDENTIALS_KEY: first.toString('base64') });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ fingerprint: string }>('SELECT fingerprint FROM credentials_key_fingerprint');
      expect(rows).toEqual([{ fingerprint: credentialsKeyFingerprint(first) }]);
    } finally {
      await client.end();
    }

    const refused = await startServerProcess({ DATABASE_URL: database.url, DATA_DIR: dataDir, GIT_CREDENTIALS_KEY: randomBytes(32).toString('base64') }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(refused).toMatch(/^server exited early \(1\)/);
    expect(refused).toContain('is not the key the credentials in this database');
    expect(refused).toContain('set GIT_CREDENTIALS_KEY to it');
  }, 180_000);
});
