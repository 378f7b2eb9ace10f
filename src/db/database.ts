import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { Logger } from 'pino';
import { PrismaClient } from '../generated/prisma/client.js';
import type { Config } from '../config.js';
import { migrationsDir } from '../lib/paths.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { applyMigrations } from './migrator.js';
import { rawSql, type RawSql } from './raw-sql.js';

export type { PrismaClient };

export interface Database {
  prisma: PrismaClient;
  /** The same pool Prisma runs on, for the job runner and hand-written set-based SQL. */
  pool: pg.Pool;
  url: string;
  embedded: boolean;
  /**
   * Every pooled connection is served by one database session: PGlite (ours, or another one
   * reached by URL). Session state such as named prepared statements or LISTEN cannot be
   * kept per connection there.
   */
  singleSession: boolean;
  /**
   * Session statements prepared with SQL PREPARE may be kept per connection: not on one session
   * shared by all (singleSession), nor behind a pooler in transaction mode (DB_SQL_PREPARE=false).
   */
  sqlPrepare: boolean;
  /** Raw SQL on the pool, for hot read paths (named statements where the database allows them). */
  sql: RawSql;
  ping(timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  logger: Logger;
  /** Apply pending migrations before returning (the server does; tools may not). */
  migrate?: boolean;
}

/**
 * Connects to `DATABASE_URL`, or starts the embedded database under `DATA_DIR`,
 * and returns one pool plus a Prisma client on top of it. One code path for both.
 */
export async function openDatabase(config: Config, options: OpenDatabaseOptions): Promise<Database> {
  const { logger } = options;
  let embedded: EmbeddedPostgres | undefined;
  let url = config.database.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({
      dataDir: config.database.dataDir,
      maxConnections: config.database.poolSize * 2 + 8,
    });
    url = embedded.url;
    logger.info({ dataDir: config.database.dataDir }, 'embedded database started');
  }

  const pool = new pg.Pool({
    connectionString: url,
    max: config.database.poolSize,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
  });
  // A client losing its connection (database restart, a terminated backend, a reset socket) must
  // not crash the process. pg-pool listens on idle clients only; a checked-out client's socket
  // error would otherwise be an unhandled 'error' event. The query in flight still fails.
  pool.on('error', (error) => logger.warn({ err: error }, 'database connection lost'));
  pool.on('connect', (client) => client.on('error', (error) => logger.debug({ err: error }, 'database connection error')));

  let singleSession = embedded !== undefined;
  try {
    if (options.migrate ?? true) {
      const { applied } = await applyMigrations(pool, { migrationsDir, logger });
      if (applied.length > 0) logger.info({ applied }, 'migrations applied');
    }
    if (!singleSession) singleSession = /PGlite/i.test((await pool.query<{ version: string }>('SELECT version()')).rows[0]!.version);
  } catch (error) {
    await pool.end().catch(() => undefined);
    await embedded?.close().catch(() => undefined);
    throw error;
  }

  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });

  return {
    prisma,
    pool,
    url,
    embedded: embedded !== undefined,
    singleSession,
    sqlPrepare: !singleSession && config.database.sqlPrepare,
    sql: rawSql(pool, { singleSession }),
    async ping(timeoutMs = 2_000) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
        });
        await Promise.race([pool.query('SELECT 1'), timeout]);
        return true;
      } catch {
        return false;
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await prisma.$disconnect().catch(() => undefined);
      await pool.end().catch(() => undefined);
      await embedded?.close();
    },
  };
}
