import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepRoundTripsWhole } from './pglite-round-trips.js';

export interface EmbeddedPostgres {
  /** A postgres:// URL served by this process on 127.0.0.1. */
  url: string;
  close(): Promise<void>;
}

export class EmbeddedDatabaseLockedError extends Error {
  override name = 'EmbeddedDatabaseLockedError';
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// PGlite is a single-process database: two processes opening one data directory
// would corrupt it. A pid lock file turns that into a clear error instead.
async function acquireLock(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (holder && holder !== process.pid && isProcessAlive(holder)) {
        throw new EmbeddedDatabaseLockedError(
          `The embedded database in ${lockPath.replace(/\/[^/]+$/, '')} is in use by process ${holder}. ` +
            'Stop the server first, or set DATABASE_URL to use a PostgreSQL server.',
        );
      }
      await rm(lockPath, { force: true }); // left behind by a crashed process
    }
  }
  throw new EmbeddedDatabaseLockedError(`Could not lock ${lockPath}`);
}

/**
 * Starts a file-backed PGlite under `dataDir` and serves it over the Postgres wire
 * protocol on 127.0.0.1, so the application uses the same `pg` pool, Prisma adapter
 * and SQL as with a real PostgreSQL server.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  maxConnections?: number;
}): Promise<EmbeddedPostgres> {
  const pgDir = join(options.dataDir, 'pg');
  await mkdir(pgDir, { recursive: true, mode: 0o700 });
  const releaseLock = await acquireLock(join(options.dataDir, 'embedded-pg.lock'));
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(pgDir);
    const server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: options.maxConnections ?? 64,
    });
    keepRoundTripsWhole(server);
    await server.start();
    const url = `postgresql://postgres:postgres@${server.getServerConn()}/postgres?sslmode=disable`;
    const pglite = db;
    return {
      url,
      async close() {
        await server.stop();
        await pglite.close();
        await releaseLock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await releaseLock();
    throw error;
  }
}
