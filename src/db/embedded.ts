import { chmod, lstat, mkdir, mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { keepRoundTripsWhole } from './pglite-round-trips.js';

export interface EmbeddedPostgres {
  /**
   * A postgres:// URL served by this process on a Unix socket in a directory only this
   * user can enter (`?host=<dir>`): PGlite accepts any user and password, so the socket's
   * file permissions are the only door, and no TCP port is opened.
   */
  url: string;
  /** The directory holding the socket (mode 0700). */
  socketDir: string;
  close(): Promise<void>;
}

class EmbeddedDatabaseLockedError extends Error {
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

// libpq and pg look for `<host dir>/.s.PGSQL.<port>`; the port is only part of the name.
const SOCKET_PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${SOCKET_PORT}`;
// sun_path holds 108 bytes on Linux and 104 on macOS, NUL included.
const MAX_SOCKET_PATH_BYTES = 103;

/** A directory only this user can enter, refusing one that is a symlink or someone else's. */
async function privateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const stats = await lstat(dir);
  const uid = process.getuid?.();
  if (!stats.isDirectory() || (uid !== undefined && stats.uid !== uid)) {
    throw new Error(`${dir} must be a directory owned by this user`);
  }
  await chmod(dir, 0o700);
}

/**
 * The socket goes in `<dataDir>/socket`; when that path is too long for a Unix socket,
 * in a fresh private directory under the system temp dir, removed again on close.
 */
async function socketDirectory(dataDir: string): Promise<{ dir: string; remove(): Promise<void> }> {
  const inDataDir = join(dataDir, 'socket');
  if (Buffer.byteLength(join(inDataDir, SOCKET_NAME)) <= MAX_SOCKET_PATH_BYTES) {
    await privateDirectory(inDataDir);
    return { dir: inDataDir, remove: async () => undefined };
  }
  const dir = await mkdtemp(join(tmpdir(), 'spec-sync-pg-')); // created 0700
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * Starts a file-backed PGlite under `dataDir` and serves it over the Postgres wire
 * protocol on a private Unix socket, so the application uses the same `pg` pool, Prisma adapter
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
  let socket: Awaited<ReturnType<typeof socketDirectory>> | undefined;
  try {
    socket = await socketDirectory(options.dataDir);
    const socketPath = join(socket.dir, SOCKET_NAME);
    // We hold the lock, so a socket file here was left by a crashed process.
    await rm(socketPath, { force: true });
    db = await PGlite.create(pgDir);
    const server = new PGLiteSocketServer({
      db,
      path: socketPath,
      maxConnections: options.maxConnections ?? 64,
    });
    keepRoundTripsWhole(server);
    await server.start();
    const url = `postgresql://postgres@localhost:${SOCKET_PORT}/postgres?host=${encodeURIComponent(socket.dir)}&sslmode=disable`;
    const pglite = db;
    const removeSocketDir = socket.remove;
    return {
      url,
      socketDir: socket.dir,
      async close() {
        await server.stop();
        await pglite.close();
        await rm(socketPath, { force: true });
        await removeSocketDir();
        await releaseLock();
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await socket?.remove().catch(() => undefined);
    await releaseLock();
    throw error;
  }
}
