// How long `npm start` takes to a `/_health` 200, as an operator sees it: the first start on a
// fresh database (the embedded one initialises its files; PostgreSQL gets every migration) and
// warm starts on the same database afterwards. The build is brought up to date once before
// measuring, as `npm install` leaves it.
//
//   npm run bench:start                       embedded database in a temporary DATA_DIR
//   DATABASE_URL=postgresql://... npm run bench:start   a new database on that server (dropped afterwards)
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, root } from './harness.js';

const WARM_RUNS = 3;

async function timeStart(env: Record<string, string | undefined>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  // Its own process group, so the stop reaches node behind npm and sh.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', NODE_ENV: 'production' },
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  try {
    for (;;) {
      if (exited) throw new Error('npm start exited before /_health answered');
      if (performance.now() - started > 120_000) throw new Error('no /_health 200 within 120 s');
      const ok = await fetch(`http://127.0.0.1:${port}/_health`).then((r) => r.ok, () => false);
      if (ok) return (performance.now() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  } finally {
    if (!exited) process.kill(-child.pid!, 'SIGTERM');
    await exit;
  }
}

async function main(): Promise<void> {
  const build = spawnSync(process.execPath, ['scripts/build-if-stale.js'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  const dataDir = mkdtempSync(join(tmpdir(), 'start-time-'));
  const env: Record<string, string | undefined> = { DATA_DIR: dataDir, DATABASE_URL: undefined };
  const adminUrl = process.env.DATABASE_URL;
  const dbName = `start_time_${process.pid}`;
  if (adminUrl) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  try {
    const first = await timeStart(env);
    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) warm.push(await timeStart(env));
    warm.sort((a, b) => a - b);
    const database = adminUrl ? 'PostgreSQL' : 'embedded';
    const load = loadavg().map((l) => l.toFixed(1)).join(' ');
    console.log(`npm start -> GET /_health 200 (node ${process.version}, ${database} database, build up to date, ${cpus().length} CPUs, load average ${load})`);
    console.log(`  first start on a fresh database: ${first.toFixed(1)} s`);
    console.log(`  warm start (median of ${WARM_RUNS}):      ${warm[Math.floor(WARM_RUNS / 2)]!.toFixed(1)} s (${warm.map((s) => s.toFixed(1)).join(', ')})`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    if (adminUrl) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
      await admin.end();
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
