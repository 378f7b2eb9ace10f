import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';

// Applies prisma/migrations at start and records them in `_prisma_migrations`
// exactly as `prisma migrate deploy` does (same table DDL, same rows: checksum =
// sha256 of migration.sql, a failed migration leaves a row with finished_at NULL
// and the error in `logs`), so `prisma migrate status|deploy` on a machine with
// the native engine agrees with what the server applied. Checked against the
// WebAssembly build of Prisma's engine by test/db/migrator.test.ts.
//
// Why not let Prisma's engine apply them: the native CLI cannot download its
// engine here, and the WebAssembly engine's executeScript (through the pg
// adapter) splits a file on `;`, which breaks dollar-quoted bodies and runs the
// statements one by one, so a failure leaves a half-applied schema. Here each
// migration file is ONE simple-protocol query, in ONE transaction together with
// its `_prisma_migrations` row, on ONE connection.
// (So a migration cannot use statements that refuse to run in a transaction,
// such as CREATE INDEX CONCURRENTLY; Prisma never generates those.)

/** The advisory lock key `prisma migrate` itself takes: the CLI and we exclude each other. */
const PRISMA_MIGRATE_LOCK_KEY = 72_707_369;

// The DDL of Prisma's engine for its bookkeeping table on PostgreSQL.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS _prisma_migrations (
    id                      VARCHAR(36) PRIMARY KEY NOT NULL,
    checksum                VARCHAR(64) NOT NULL,
    finished_at             TIMESTAMPTZ,
    migration_name          VARCHAR(255) NOT NULL,
    logs                    TEXT,
    rolled_back_at          TIMESTAMPTZ,
    started_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_steps_count     INTEGER NOT NULL DEFAULT 0
)`;

class MigrationError extends Error {
  override name = 'MigrationError';
}

export interface MigrationFile {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationLogger {
  info(obj: object, msg?: string): void;
  warn?(obj: object, msg?: string): void;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

/** The migration folders in name order, with prisma's checksum of each file's bytes. */
export async function readMigrations(migrationsDir: string): Promise<MigrationFile[]> {
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
 * Applies every pending migration, each in its own transaction with its
 * bookkeeping row. Concurrent starters (several instances against one database)
 * serialise on a session advisory lock held by the one connection that also runs
 * the migrations. On the embedded PGlite all connections share one session, so
 * that lock excludes nobody (and cannot deadlock either); there its wire server
 * runs one open transaction at a time, and each transaction re-checks whether
 * its migration was applied meanwhile, which gives the same "exactly once".
 */
export async function applyMigrations(
  pool: pg.Pool,
  options: { migrationsDir: string; logger?: MigrationLogger },
): Promise<{ applied: string[] }> {
  const migrations = await readMigrations(options.migrationsDir);
  const client = await pool.connect();
  let locked = false;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_MIGRATE_LOCK_KEY]);
    locked = true;
    await client.query(CREATE_MIGRATIONS_TABLE);
    const rows = await readMigrationRows(client);
    refuseUnresolvedFailure(rows);
    warnAboutModifiedMigrations(rows, migrations, options.logger);

    const applied: string[] = [];
    for (const migration of migrations) {
      if (await applyIfPending(client, migration)) {
        applied.push(migration.name);
        options.logger?.info({ migration: migration.name }, 'migration applied');
      }
    }
    return { applied };
  } finally {
    // A connection that cannot unlock is dropped, not pooled: closing it frees the lock.
    const unlockError = locked
      ? await client.query('SELECT pg_advisory_unlock($1)', [PRISMA_MIGRATE_LOCK_KEY]).then(() => undefined, (e: Error) => e)
      : undefined;
    client.release(unlockError);
  }
}

/**
 * Marks a failed migration as rolled back, like `prisma migrate resolve
 * --rolled-back <name>`: the next run applies it again. (Our failed migrations
 * changed nothing, their transaction was rolled back.)
 */
export async function markMigrationRolledBack(pool: pg.Pool, migrationName: string): Promise<void> {
  const { rowCount } = await pool.query(
    `UPDATE _prisma_migrations SET rolled_back_at = now()
     WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL`,
    [migrationName],
  );
  if (!rowCount) throw new MigrationError(`No failed migration named ${migrationName} to mark as rolled back.`);
}

async function readMigrationRows(client: pg.PoolClient): Promise<MigrationRow[]> {
  const { rows } = await client.query<MigrationRow>(
    'SELECT migration_name, checksum, finished_at, rolled_back_at FROM _prisma_migrations ORDER BY started_at',
  );
  return rows;
}

function isApplied(row: MigrationRow): boolean {
  return row.finished_at !== null && row.rolled_back_at === null;
}

function refuseUnresolvedFailure(rows: MigrationRow[]): void {
  const failed = rows.find((row) => row.finished_at === null && row.rolled_back_at === null);
  if (!failed) return;
  throw new MigrationError(
    `Migration ${failed.migration_name} failed earlier and is not resolved, so no migration is applied ` +
      `(Prisma's P3009). Its error is in _prisma_migrations.logs. Fix the migration, then run ` +
      `\`npm run db:migrate -- --rolled-back ${failed.migration_name}\` ` +
      `(or \`prisma migrate resolve --rolled-back ${failed.migration_name}\`) and start again.`,
  );
}

function warnAboutModifiedMigrations(rows: MigrationRow[], migrations: MigrationFile[], logger?: MigrationLogger): void {
  const files = new Map(migrations.map((m) => [m.name, m.checksum]));
  for (const row of rows.filter(isApplied)) {
    const checksum = files.get(row.migration_name);
    if (checksum !== undefined && checksum !== row.checksum) {
      const log = logger?.warn?.bind(logger) ?? logger?.info.bind(logger);
      log?.({ migration: row.migration_name }, 'migration was modified after it was applied');
    }
  }
}

/** Applies one migration unless it is already applied; false when there was nothing to do. */
async function applyIfPending(client: pg.PoolClient, migration: MigrationFile): Promise<boolean> {
  await client.query('BEGIN');
  let startedAt: Date | undefined;
  try {
    // Re-checked inside the transaction: on PGlite the advisory lock excludes nobody.
    // now() is the transaction's start, in the database's clock like finished_at.
    const { rows } = await client.query<{ started_at: Date; applied: boolean }>(
      `SELECT now() AS started_at, EXISTS (SELECT 1 FROM _prisma_migrations
         WHERE migration_name = $1 AND finished_at IS NOT NULL AND rolled_back_at IS NULL) AS applied`,
      [migration.name],
    );
    startedAt = rows[0]?.started_at;
    if (rows[0]?.applied) {
      await client.query('COMMIT');
      return false;
    }
    // No parameters: the simple protocol runs the whole file, dollar-quoting and all.
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, finished_at, applied_steps_count)
       VALUES ($1, $2, $3, now(), clock_timestamp(), 1)`,
      [randomUUID(), migration.checksum, migration.name],
    );
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    await recordFailure(client, migration, startedAt ?? new Date(), error);
    throw new MigrationError(`Migration ${migration.name} failed and was rolled back: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

// Like prisma: a failed migration keeps a row (finished_at NULL, the error in
// logs) so that the next run stops until someone looks at it and resolves it.
async function recordFailure(client: pg.PoolClient, migration: MigrationFile, startedAt: Date, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error);
  await client
    .query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, logs, applied_steps_count)
       VALUES ($1, $2, $3, $4, $5, 0)`,
      [randomUUID(), migration.checksum, migration.name, startedAt, message],
    )
    .catch(() => undefined);
}
