// The pieces every scenario needs: a fresh database, the server as a child process,
// autocannon in another child process, and readings of the server's /proc and of
// PostgreSQL's statistics views.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import type { LoadSpec } from './load-worker.js';

export const root = new URL('..', import.meta.url).pathname;

export interface BenchDatabase {
  url: string;
  embedded: boolean;
  drop(): Promise<void>;
}

/**
 * A new `bench_<random>` database on the server named by DATABASE_URL; else an embedded
 * database in `dataDir`, hosted by this process so the bench can reach it with plain `pg`
 * (PGlite is single-process: the server and the bench cannot both open the directory).
 */
export async function freshDatabase(dataDir: string): Promise<BenchDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const embedded = await startEmbeddedPostgres({ dataDir, maxConnections: 64 });
    return { url: embedded.url, embedded: true, drop: () => embedded.close() };
  }
  const name = `bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    embedded: false,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The flags `npm start` gives node (package.json is their one home). */
function startScriptNodeFlags(): string[] {
  const start = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
  const match = /\bnode ((?:--\S+ )*)dist\/server\.js/.exec(start);
  if (!match) throw new Error(`cannot read the node flags from the start script: ${start}`);
  return match[1]!.trim().split(/\s+/).filter(Boolean);
}

export interface ServerProcess {
  base: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export async function startServer(options: { databaseUrl: string; dataDir: string; logFile: string; env?: Record<string, string>; profileDir?: string }): Promise<ServerProcess> {
  const port = await freePort();
  const log = createWriteStream(options.logFile);
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  // The compiled server with the node flags of `npm start` (through tsx it would carry the compiler: ~90 MB more RSS).
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  const child: ChildProcess = spawn(process.execPath, [...profile, ...startScriptNodeFlags(), 'dist/server.js'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      DATA_DIR: options.dataDir,
      RATE_LIMITS: 'off',
      JOBS: 'on',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited = false;
  child.once('exit', () => (exited = true));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited) throw new Error(`server exited during start; see ${options.logFile}`);
    if (Date.now() > deadline) throw new Error(`server did not answer /_health in 90 s; see ${options.logFile}`);
    const ok = await fetch(`${base}/_health`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(200);
  }
  return {
    base,
    pid: child.pid!,
    logFile: options.logFile,
    async stop() {
      if (exited) return;
      const done = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await done;
      clearTimeout(timer);
    },
  };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- /proc readings of the server process
const TICKS_PER_SECOND = 100;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of stat(5); index 11 and 12 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

function statusKb(pid: number, key: string): number {
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : 0;
}

export interface ProcessWatch {
  /** CPU seconds used and peak RSS (MB) seen while watching; VmHWM is the lifetime peak. */
  stop(): { cpuSeconds: number; wallSeconds: number; peakRssMb: number; hwmMb: number };
}

export function watchProcess(pid: number): ProcessWatch {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  let peak = statusKb(pid, 'VmRSS');
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, statusKb(pid, 'VmRSS'));
    } catch {
      // the process is gone; the caller will notice
    }
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, statusKb(pid, 'VmRSS'));
      return {
        cpuSeconds: cpuSeconds(pid) - cpu0,
        wallSeconds: (performance.now() - t0) / 1000,
        peakRssMb: peak / 1024,
        hwmMb: statusKb(pid, 'VmHWM') / 1024,
      };
    },
  };
}

// ---- load, from its own process
export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses: Record<string, number>;
  seconds: number;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/load-worker.ts'), JSON.stringify(spec)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`load worker exited with ${code}`);
  return JSON.parse(out) as LoadResult;
}

// ---- PostgreSQL statistics
export interface DbCounters {
  xactCommit: number;
  tupInserted: number;
  tupUpdated: number;
  tupDeleted: number;
  /** pg_stat_user_tables n_tup_ins + n_tup_upd over all tables: rows written. */
  rowsWritten: number;
}

/**
 * Statistics are flushed by each backend when it ends or at most every ~1-10 s while idle.
 * Ending the server's idle pool connections (its pool replaces them) flushes them now;
 * the job runner's connections (application_name 'jobs') are left alone.
 */
export async function readCounters(pool: pg.Pool, embedded: boolean): Promise<DbCounters | null> {
  if (embedded) return null; // PGlite keeps no cumulative statistics across its one session
  await pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle' AND application_name = ''`,
  );
  await sleep(150);
  await pool.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await pool.query(
    `SELECT d.xact_commit::float8 AS xact, d.tup_inserted::float8 AS ins, d.tup_updated::float8 AS upd, d.tup_deleted::float8 AS del,
            (SELECT coalesce(sum(n_tup_ins + n_tup_upd), 0)::float8 FROM pg_stat_user_tables WHERE schemaname = 'public') AS written
       FROM pg_stat_database d WHERE d.datname = current_database()`,
  );
  const r = rows[0];
  return { xactCommit: r.xact, tupInserted: r.ins, tupUpdated: r.upd, tupDeleted: r.del, rowsWritten: r.written };
}

export function counterDelta(before: DbCounters | null, after: DbCounters | null): DbCounters | null {
  if (!before || !after) return null;
  return {
    xactCommit: after.xactCommit - before.xactCommit,
    tupInserted: after.tupInserted - before.tupInserted,
    tupUpdated: after.tupUpdated - before.tupUpdated,
    tupDeleted: after.tupDeleted - before.tupDeleted,
    rowsWritten: after.rowsWritten - before.rowsWritten,
  };
}

/**
 * CPU seconds used so far by the PostgreSQL backends serving this database (same machine
 * only: read from /proc). Backends that end between two readings are not counted, so the
 * readings are taken while the server's pool is warm and steady.
 */
export async function backendCpu(pool: pg.Pool, embedded: boolean): Promise<Map<number, number> | null> {
  if (embedded) return null;
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`,
  );
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      cpu.set(pid, cpuSeconds(pid));
    } catch {
      return null; // another machine, or no permission: say nothing rather than guess
    }
  }
  return cpu;
}

export function backendCpuDelta(before: Map<number, number> | null, after: Map<number, number> | null): number | null {
  if (!before || !after) return null;
  let total = 0;
  for (const [pid, seconds] of after) total += seconds - (before.get(pid) ?? 0);
  return total;
}
