import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './server-process.js';

// A PostgreSQL server of the test's own (initdb into a temporary directory, a free
// port, a random password in its URLs), so a fault test can stop, kill and restart it
// without disturbing the shared server other test files use. Needs the PostgreSQL server binaries; as
// root it runs them as the `postgres` user (initdb refuses root).

function serverBinDir(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(base, versions[0], 'bin') : null;
}

function postgresUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    return { uid, gid };
  } catch {
    return null;
  }
}

/** Why a private server cannot be run here, or null when it can. */
export function privatePostgresUnavailable(): string | null {
  if (!serverBinDir()) return 'no PostgreSQL server binaries under /usr/lib/postgresql';
  if (process.getuid?.() === 0 && !postgresUser()) return 'running as root and there is no postgres user to run initdb as';
  return null;
}

export interface PrivatePostgres {
  port: number;
  /** A connection URL for `database` on this server. */
  url(database?: string): string;
  /** `fast` disconnects clients and shuts down cleanly; `immediate` is a crash (recovery at next start). */
  stop(mode?: 'fast' | 'immediate'): void;
  start(): void;
  createDatabase(name: string): Promise<string>;
  destroy(): void;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const binDir = serverBinDir();
  if (!binDir) throw new Error(privatePostgresUnavailable()!);
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? postgresUser() : null;
  const dir = mkdtempSync(join(tmpdir(), 'private-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? 'runuser' : join(binDir, tool);
    const argv = asRoot ? ['-u', 'postgres', '--', join(binDir, tool), ...args] : args;
    return execFileSync(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 }).toString();
  };
  // Password authentication (SCRAM) with a random password only this process knows, on TCP and
  // on the Unix socket alike: the server listens on 127.0.0.1, where any local user could reach it.
  const password = randomBytes(24).toString('base64url');
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) chownSync(passwordFile, owner.uid, owner.gid);
  try {
    run('initdb', ['-D', dataDir, '--auth=scram-sha-256', `--pwfile=${passwordFile}`, '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
  } finally {
    rmSync(passwordFile, { force: true });
  }
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${dir}`,
    '-c fsync=off',
    '-c max_connections=100',
  ].join(' ');
  const start = () => {
    run('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
  };
  start();
  const url = (database = 'postgres') => `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    start,
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      await client.query(`CREATE DATABASE "${name}"`);
      await client.end();
      return url(name);
    },
    destroy() {
      try {
        run('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
