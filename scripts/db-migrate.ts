// npm run db:migrate                         apply pending migrations
// npm run db:migrate -- --rolled-back <name> mark a failed migration as rolled back
//                                            (like `prisma migrate resolve --rolled-back`)
// Targets DATABASE_URL, or else the embedded database under DATA_DIR (default
// ./.data), which must not be in use by a running server.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pino } from 'pino';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { applyMigrations, markMigrationRolledBack } from '../src/db/migrator.js';
import { migrationsDir } from '../src/lib/paths.js';

const { values } = parseArgs({ options: { 'rolled-back': { type: 'string' } } });
const logger = pino({ level: 'info' });

const embedded = process.env.DATABASE_URL
  ? undefined
  : await startEmbeddedPostgres({ dataDir: resolve(process.env.DATA_DIR ?? './.data') });
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL ?? embedded?.url, max: 2 });
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
