// npm run db:migrate                         apply pending migrations
// npm run db:migrate -- --rolled-back <name> mark a failed migration as rolled back
//                                            (like `prisma migrate resolve --rolled-back`)
// Targets DATABASE_URL, or else (unset or empty, as for the server) the embedded database
// under DATA_DIR (default ./.data), which must not be in use by a running server.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { ConfigError, loadConfig } from '../src/config.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { applyMigrations, markMigrationRolledBack } from '../src/db/migrator.js';
import { migrationsDir } from '../src/lib/paths.js';

const { values } = parseArgs({ options: { 'rolled-back': { type: 'string' } } });
const logger = pino({ level: 'info' });

// The server's reading of DATABASE_URL and DATA_DIR: an empty DATABASE_URL is the embedded database
// (pg would take an empty connection string as localhost:5432).
let database;
try {
  database = loadConfig().database;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const embedded = database.url ? undefined : await startEmbeddedPostgres({ dataDir: database.dataDir });
const pool = new pg.Pool({ connectionString: database.url ?? embedded?.url, max: 2 });
let exitCode = 0;
try {
  const rolledBack = values['rolled-back'];
  if (rolledBack) {
    await markMigrationRolledBack(pool, rolledBack);
    logger.info({ migration: rolledBack }, 'migration marked as rolled back; the next run applies it again');
  } else {
    const { applied } = await applyMigrations(pool, { migrationsDir, logger });
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
  }
} catch (error) {
  logger.error({ err: error }, 'migration failed');
  exitCode = 1;
} finally {
  await pool.end();
  await embedded?.close();
}
// PGlite leaves a timer behind after close(): exit explicitly.
process.exit(exitCode);
