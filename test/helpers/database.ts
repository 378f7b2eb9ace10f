import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { copyPgliteTemplate } from './pglite-template.js';

export interface TestDatabase {
  url: string;
  mode: 'postgres' | 'embedded';
  /** For the embedded mode: the DATA_DIR holding the database. */
  dataDir?: string;
  close(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A brand-new, empty database for one test file (no migrations applied yet). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (adminUrl) {
    const name = `test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    return {
      url: withDatabase(adminUrl, name),
      mode: 'postgres',
      async close() {
        const client = new pg.Client({ connectionString: adminUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      },
    };
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'spec-sync-test-'));
  await copyPgliteTemplate(join(dataDir, 'pg'));
  const embedded = await startEmbeddedPostgres({ dataDir });
  return {
    url: embedded.url,
    mode: 'embedded',
    dataDir,
    async close() {
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
