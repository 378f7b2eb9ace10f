import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';

// Applies prisma/migrations at start and records them in `_prisma_migrations`
// exactly as `prisma migrate deploy` does (same table, checksum = sha256 of
// migration.sql, one row per migration), so the Prisma CLI agrees with us on a
// machine that has its native engine. We run our own applier because the
// WebAssembly engine splits a script on `;` (breaking dollar-quoted bodies) and
// does not wrap a migration in a transaction: here each migration file is one
// query, and a whole start (migrations plus bookkeeping rows) one transaction.
// (So a migration must not need to run outside a transaction, e.g. CREATE INDEX
// CONCURRENTLY; Prisma never generates such statements.)

const LOCK_KEY = 72_707_369; // arbitrary, constant: "migrations of this app"

// The DDL Prisma's engine uses for its bookkeeping table.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

interface MigrationFileInfo {
  name: string;
  sql: string;
  checksum: string;
}

interface MigrationLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export async function readMigrations(migrationsDir: string): Promise<MigrationFileInfo[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const bytes = await readFile(join(migrationsDir, name, 'migration.sql'));
      return { name, sql: bytes.toString('utf8'), checksum: createHash('sha256').update(bytes).digest('hex') };
    }),
  );
}

/**
 * Applies every pending migration, all in one transaction: a start either brings
 * the schema fully up to date or changes nothing. Concurrent callers (several
 * instances starting at once) serialise on a transaction-scoped advisory lock.
 * On the embedded PGlite every connection shares one session, so session locks
 * would not exclude anyone there; its wire server instead runs one open
 * transaction at a time, which gives the same exclusion.
 */
export async function applyMigrations(
  pool: pg.Pool,
  options: { migrationsDir: string; logger?: MigrationLogger },
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(options.migrationsDir);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await client.query(CREATE_MIGRATIONS_TABLE);
    const { rows } = await client.query<{
      migration_name: string;
      checksum: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
    }>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at');

    const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
    if (failed) {
      throw new MigrationError(
        `Migration ${failed.migration_name} failed earlier and was not resolved (like Prisma's P3009). ` +
          'Fix the database, then mark it rolled back (set rolled_back_at) or applied before starting again.',
      );
    }
    const done = new Map(rows.filter((r) => r.finished_at !== null).map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const migration of migrations) {
      const recorded = done.get(migration.name);
      if (recorded === undefined) {
        await applyOne(client, migration);
        applied.push(migration.name);
      } else if (recorded !== migration.checksum) {
        options.logger?.warn({ migration: migration.name }, 'migration was modified after it was applied');
      }
    }
    await client.query('COMMIT');
    return { applied };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function applyOne(client: pg.PoolClient, migration: MigrationFileInfo): Promise<void> {
  try {
    // One simple-protocol query: the whole file, dollar-quoting and all.
    await client.query(migration.sql);
  } catch (error) {
    throw new MigrationError(`Migration ${migration.name} failed: ${(error as Error).message}`);
  }
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
     VALUES ($1, $2, $3, clock_timestamp(), clock_timestamp(), 1)`,
    [randomUUID(), migration.checksum, migration.name],
  );
}
