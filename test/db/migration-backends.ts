// The two databases the migrator must work on, for test/db/migrator.test.ts:
// a real PostgreSQL server and the embedded PGlite served over the wire.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/db/embedded.js';
import { copyPgliteTemplate } from '../helpers/pglite-template.js';

export interface ScratchDatabase {
  url: string;
  close(): Promise<void>;
}

export interface MigrationBackend {
  name: 'postgres' | 'pglite';
  /** Why this backend cannot run here (its tests are skipped), or null. */
  unavailable: string | null;
  /** A brand-new, empty database. */
  create(): Promise<ScratchDatabase>;
}

// DATABASE_URL when the suite runs against a server, else the local default.
const postgresAdminUrl = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function postgresUnavailable(): Promise<string | null> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return null;
  } catch (error) {
    return `PostgreSQL at ${new URL(postgresAdminUrl).host} does not answer (${(error as Error).message})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresAdminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function createPostgresDatabase(): Promise<ScratchDatabase> {
  const name = `migrator_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    close: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

// The production path: a file-backed PGlite behind startEmbeddedPostgres.
async function createPgliteDatabase(): Promise<ScratchDatabase> {
  const dataDir = await mkdtemp(join(tmpdir(), 'migrator-test-'));
  await copyPgliteTemplate(join(dataDir, 'pg'));
  const embedded = await startEmbeddedPostgres({ dataDir, maxConnections: 32 });
  return {
    url: embedded.url,
    async close() {
      await embedded.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function migrationBackends(): Promise<MigrationBackend[]> {
  return [
    { name: 'postgres', unavailable: await postgresUnavailable(), create: createPostgresDatabase },
    { name: 'pglite', unavailable: null, create: createPgliteDatabase },
  ];
}
