import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsDir } from '../../src/lib/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { GitRemotes } from '../helpers/git-remotes.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createToken } from '../../src/db/tokens.js';
import { acaiPushBody, call, eventually, faultServerEnv, sleep } from './harness.js';

// Three server processes on one fresh PostgreSQL database, started at the same moment,
// behind a round-robin HTTP proxy: migrations run once, a mixed load through the proxy
// gets no 5xx, git operations run exactly once and one at a time per team (watched in
// git_operations every few ms, not inferred from timing), an operation whose instance is
// SIGKILLed completes on another, and a token revoked through one instance is refused
// by all three within a second.
//
// Recovery after the SIGKILL takes the dead worker's heartbeat (GIT_OPERATION_HEARTBEAT_SECONDS,
// at least 10) plus a monitor pass (JOBS_MONITOR_INTERVAL_SECONDS, 1 here) plus the retry delay
// (1 s): 12-15 s measured. With the defaults (30 s, 15 s) it is up to about 45 s.

const postgres = Boolean(process.env.DATABASE_URL);
if (!postgres) console.warn('several instances on one database: PostgreSQL only (DATABASE_URL unset), skipped');

const INSTANCES = 3;
const LOAD_MS = 10_000;
/** Pipelines pushed by the operation whose instance is killed: enough that it runs for a while. */
const KILL_PIPELINES = 300;
const GIT_TEAMS = ['mi-git-a', 'mi-git-b', 'mi-git-c'];

/** Without the hop-by-hop headers: each side of the proxy has its own connection and keep-alive. */
function endToEnd(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const { connection: _connection, 'keep-alive': _keepAlive, 'transfer-encoding': _encoding, ...rest } = headers;
  return rest;
}

/**
 * Per-request round robin over the instances, as a load balancer would; a backend that
 * refuses the connection (a dead instance) is skipped, which is safe because nothing was sent.
 * Its own failures answer 599 so they can never be mistaken for a server's 5xx.
 */
class RoundRobinProxy {
  private next = 0;
  private server: Server;
  port = 0;
  constructor(private readonly ports: number[]) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.forward(req.method!, req.url!, req.headers, Buffer.concat(chunks), res, ports.length));
    });
  }
  private forward(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, res: ServerResponse, triesLeft: number) {
    const port = this.ports[this.next++ % this.ports.length]!;
    const upstream = httpRequest({ host: '127.0.0.1', port, method, path: url, headers: endToEnd(headers) }, (answer) => {
      res.writeHead(answer.statusCode!, endToEnd(answer.headers));
      answer.pipe(res);
    });
    upstream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNREFUSED' && triesLeft > 1) return this.forward(method, url, headers, body, res, triesLeft - 1);
      if (!res.headersSent) res.writeHead(599).end(String(error.code));
      else res.destroy();
    });
    upstream.end(body);
  }
  async start(): Promise<void> {
    // Longer than the client's idle keep-alive, so the client never reuses a socket the proxy just closed.
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }
  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Parsed pino lines of a server's output. */
function logLines(server: ServerProcess): Record<string, unknown>[] {
  return server
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

describe.skipIf(!postgres)('three instances on one PostgreSQL database', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  const dataDirs: string[] = [];
  let proxy: RoundRobinProxy;
  let watcher: pg.Client;
  let remotes: GitRemotes;
  let sharedEnv: Record<string, string>;
  /** Tokens of every team the tests use, minted once (one test-side connection, not one per team). */
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    database = await createTestDatabase();
    // One credentials key for all (they share the database's sealed secrets); one data directory each.
    sharedEnv = faultServerEnv(database.url, {
      // Logs at debug: which instance applied migrations and which ran each job.
      LOG_LEVEL: 'debug',
      TOKEN_CACHE_TTL_MS: '60000',
      JOBS_MONITOR_INTERVAL_SECONDS: '1',
      GIT_OPERATION_HEARTBEAT_SECONDS: '10',
      DB_POOL_SIZE: '8',
    });
    dataDirs.push(sharedEnv.DATA_DIR!);
    const envs = Array.from({ length: INSTANCES }, (_, i) => {
      const dataDir = i === 0 ? sharedEnv.DATA_DIR! : mkdtempSync(join(tmpdir(), 'fault-data-'));
      if (i > 0) dataDirs.push(dataDir);
      return { ...sharedEnv, DATA_DIR: dataDir };
    });
    const startedAt = Date.now();
    const started = await Promise.allSettled(envs.map((env) => startServerProcess(env)));
    servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    console.info('three instances ready after (ms)', Date.now() - startedAt);
    proxy = new RoundRobinProxy(servers.map((s) => s.port));
    await proxy.start();
    watcher = new pg.Client({ connectionString: database.url });
    await watcher.connect();
    remotes = new GitRemotes();
    const config = loadConfig({ DATABASE_URL: database.url, DB_POOL_SIZE: '1', JOBS: 'false', DATA_DIR: tmpdir() });
    const db = await openDatabase(config, { logger: pino({ level: 'silent' }), migrate: false });
    try {
      for (const team of [...GIT_TEAMS, 'mi-killed', 'mi-tokens']) tokens.set(team, `Bearer ${(await createToken(db.prisma, { team, user: 'multi' })).token}`);
    } finally {
      await db.close();
    }
  });

  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await proxy?.close();
    await watcher?.end();
    await database?.close();
    remotes?.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the migrations once, and all three become ready', async () => {
    const files = readdirSync(migrationsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    const { rows } = await watcher.query<{ migration_name: string; n: number; finished: number }>(
      `SELECT migration_name, count(*)::int AS n, count(finished_at)::int AS finished FROM _prisma_migrations WHERE rolled_back_at IS NULL GROUP BY migration_name ORDER BY migration_name`,
    );
    expect(rows).toEqual(files.sort().map((migration_name) => ({ migration_name, n: 1, finished: 1 })));
    const applied = servers.map((s) => logLines(s).filter((l) => l.msg === 'migrations applied').length);
    expect(applied.reduce((a, b) => a + b, 0)).toBe(1);
    for (const server of servers) expect((await fetch(`${server.baseUrl}/_ready`)).status).toBe(200);
  });

  it('a mixed load through the proxy: no 5xx, every git operation once and one at a time per team', async () => {
    // Setup through the proxy too: whichever instance answers, the state is the database's.
    const base = proxy.baseUrl;
    const setupStarted = Date.now();
    const teams = await Promise.all(
      GIT_TEAMS.map(async (team) => {
        const auth = tokens.get(team)!;
        remotes.createBare(team, { files: { 'README.md': 'x\n' } });
        const saved = await call(base, auth, 'POST', '/api/git-integration', {
          provider: 'generic',
          repository_url: remotes.fileUrl(team),
          default_branch: 'main',
          path_prefix: 'pipelines/',
          author_name: 'Bot',
          author_email: 'bot@example.com',
        });
        expect(saved.status, JSON.stringify(saved.body)).toBe(200);
        const created = await Promise.all(
          Array.from({ length: 20 }, (_, p) =>
            call(base, auth, 'POST', '/api/pipelines', { name: `p-${p}`, definition: { steps: Array.from({ length: 10 }, (_, s) => ({ run: `s${s}` })) } }),
          ),
        );
        expect(created.filter((c) => c.status !== 201)).toEqual([]);
        const pipelines = created.map((c) => c.body.data.id as string);
        const device = await call(base, auth, 'POST', '/v1/devices', { name: 'Laptop' });
        expect(device.status, JSON.stringify(device.body)).toBe(201);
        const binding = await call(base, auth, 'POST', '/v1/workspace-bindings', { deviceId: device.body.device.id, environmentId: 'env_1', localPath: '/home/dev/p' });
        expect(binding.status, JSON.stringify(binding.body)).toBe(201);
        return { team, auth, pipelines, binding: binding.body.binding.id as string };
      }),
    );

    const setupMs = Date.now() - setupStarted;
    // The watcher: every few ms, how many operations each team has running, and every status seen per operation.
    let maxRunningPerTeam = 0;
    const worst: { team: string; n: number }[] = [];
    const seen = new Map<string, string[]>();
    let watching = true;
    let polls = 0;
    const watch = (async () => {
      while (watching) {
        const { rows } = await watcher.query<{ id: string; team_id: string; status: string }>(`SELECT id, team_id, status FROM git_operations`);
        polls++;
        const running = new Map<string, number>();
        for (const row of rows) {
          const history = seen.get(row.id) ?? [];
          if (history.at(-1) !== row.status) history.push(row.status);
          seen.set(row.id, history);
          if (row.status === 'running') running.set(row.team_id, (running.get(row.team_id) ?? 0) + 1);
        }
        for (const [team, n] of running) {
          if (n > maxRunningPerTeam) maxRunningPerTeam = n;
          if (n > 1 && worst.length < 5) worst.push({ team, n });
        }
        await sleep(3);
      }
    })();

    const statuses = new Map<string, Map<number, number>>();
    const serverErrors: string[] = [];
    const record = (action: string, result: { status: number; body: unknown }) => {
      const byStatus = statuses.get(action) ?? new Map<number, number>();
      byStatus.set(result.status, (byStatus.get(result.status) ?? 0) + 1);
      statuses.set(action, byStatus);
      if ((result.status >= 500 || result.status === 0) && serverErrors.length < 10) serverErrors.push(`${action} -> ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
    };
    const submitted: string[] = [];
    const pick = <T,>(items: T[]) => items[Math.floor(Math.random() * items.length)]!;
    const actions: [string, (t: (typeof teams)[number]) => Promise<void>][] = [
      ['acai push', async (t) => record('acai push', await call(base, t.auth, 'POST', '/api/v1/push', acaiPushBody({ repo: `github.com/mi/${t.team}`, branch: pick(['main', 'dev']), specs: 3, requirements: 5, refs: 10 })))],
      ['workspace prepare', async (t) =>
        record('workspace prepare', await call(base, t.auth, 'POST', `/v1/workspace-bindings/${t.binding}/push-sessions`, { planSignature: `sig_${pick(['a', 'b', 'c'])}`, plan: { n: 1 } }))],
      ['pipeline edit', async (t) => record('pipeline edit', await call(base, t.auth, 'PATCH', `/api/pipelines/${pick(t.pipelines)}`, { definition: { steps: [{ run: String(Math.random()) }] } }))],
      ['pipeline create', async (t) => record('pipeline create', await call(base, t.auth, 'POST', '/api/pipelines', { name: `load-${Math.random()}`, definition: { steps: [] } }))],
      ['git operation', async (t) => {
        const kind = pick(['push', 'push', 'pull']);
        const result = await call(base, t.auth, 'POST', `/api/git-integration/${kind}`, kind === 'push' ? { message: `load ${Date.now()}` } : { strategy: 'theirs' });
        record(`git ${kind}`, result);
        if (result.status === 202) submitted.push(result.body.data.operation_id);
      }],
    ];
    const deadline = Date.now() + LOAD_MS;
    await Promise.all(
      Array.from({ length: 12 }, async (_, worker) => {
        while (Date.now() < deadline) await pick(actions)[1](teams[worker % teams.length]!);
      }),
    );

    // Drain: every submitted operation reaches a final state.
    const drainStarted = Date.now();
    const drained = await eventually(
      async () => Number((await watcher.query(`SELECT count(*) FROM git_operations WHERE status IN ('queued', 'running')`)).rows[0].count) === 0,
      60_000,
      200,
    );
    const drainMs = Date.now() - drainStarted;
    watching = false;
    await watch;
    const summary = Object.fromEntries([...statuses].map(([action, m]) => [action, Object.fromEntries(m)]));
    const completed = servers.flatMap((server) => logLines(server).filter((l) => l.msg === 'request completed').map((l) => Number(l.responseTime)));
    console.info('server side', { outputBytes: servers.map((server) => server.output().length), requests: completed.length, meanMs: completed.reduce((a, b) => a + b, 0) / completed.length, maxMs: Math.max(...completed) });
    console.info('mixed load through the proxy', { setupMs, drainMs, summary, submitted: submitted.length, polls, maxRunningPerTeam });

    expect(serverErrors).toEqual([]);
    expect(drained).toBe(true);
    expect(submitted.length).toBeGreaterThanOrEqual(6);
    // Never two operations of one team running at once.
    expect(worst).toEqual([]);
    expect(maxRunningPerTeam).toBe(1);

    // Each ran exactly once and ended once: one attempt, succeeded, statuses only moved forward.
    const { rows: ops } = await watcher.query<{ id: string; status: string; attempts: number; finished_at: Date | null }>(
      `SELECT id, status, attempts, finished_at FROM git_operations WHERE id = ANY($1::text[])`,
      [submitted],
    );
    expect(ops).toHaveLength(submitted.length);
    for (const op of ops) {
      expect(op, JSON.stringify(op)).toMatchObject({ status: 'succeeded', attempts: 1, finished_at: expect.any(Date) });
      const history = seen.get(op.id) ?? [];
      expect(['queued', 'running', 'succeeded'].filter((s) => history.includes(s))).toEqual(history);
    }

    // The jobs were run by more than one instance ("job started" with the job's id, at debug level).
    const { rows: jobs } = await watcher.query<{ id: string; operation_id: string }>(
      `SELECT id, data->>'operationId' AS operation_id FROM pgboss.job WHERE name = 'git-operations' AND data->>'operationId' = ANY($1::text[])`,
      [submitted],
    );
    const ranOn = new Map<string, number[]>();
    servers.forEach((server, index) => {
      for (const line of logLines(server)) {
        if (line.msg === 'job started' && line.queue === 'git-operations') ranOn.set(String(line.jobId), [...(ranOn.get(String(line.jobId)) ?? []), index]);
      }
    });
    for (const job of jobs) expect(ranOn.get(job.id), job.operation_id).toHaveLength(1);
    expect(new Set(jobs.flatMap((job) => ranOn.get(job.id) ?? [])).size).toBeGreaterThan(1);

    // The soak's invariants.
    const invariants = {
      duplicateBranches: `SELECT count(*)::int AS n FROM (SELECT 1 FROM branches GROUP BY team_id, repo_uri, branch_name HAVING count(*) > 1) d`,
      twoPreparedPushSessions: `SELECT count(*)::int AS n FROM (SELECT 1 FROM push_sessions WHERE status = 'prepared' GROUP BY workspace_binding_id HAVING count(*) > 1) d`,
      slotOutOfStep: `SELECT count(*)::int AS n FROM push_sessions WHERE (status = 'prepared') IS DISTINCT FROM (prepared_slot IS TRUE)`,
    };
    for (const [name, sql] of Object.entries(invariants)) expect({ [name]: (await watcher.query<{ n: number }>(sql)).rows[0]!.n }).toEqual({ [name]: 0 });
  });

  it('a token revoked through one instance is refused by all of them within 1 s', async () => {
    const alive = servers.filter((s) => s.child.exitCode === null);
    expect(alive).toHaveLength(INSTANCES);
    const admin = tokens.get('mi-tokens')!;
    const created = await call(alive[0]!.baseUrl, admin, 'POST', '/api/tokens', { name: 'short-lived', scopes: ['pipelines:read'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const token = `Bearer ${created.body.data.token}`;
    // Cached by every instance (TOKEN_CACHE_TTL_MS is a minute).
    for (const server of alive) expect((await call(server.baseUrl, token, 'GET', '/api/pipelines')).status).toBe(200);

    const revoke = await call(alive[alive.length - 1]!.baseUrl, admin, 'DELETE', `/api/tokens/${created.body.data.id}`);
    expect(revoke.status).toBe(204);
    // From the revocation's acknowledgement; a request counts when it was sent (its answer may take long on a busy machine).
    const revokedAt = Date.now();
    const refusedAfter = await Promise.all(
      alive.map(async (server) => {
        for (let sentAt = Date.now(); sentAt - revokedAt < 1_000; sentAt = Date.now()) {
          if ((await call(server.baseUrl, token, 'GET', '/api/pipelines')).status === 401) return sentAt - revokedAt;
          await sleep(20);
        }
        return null;
      }),
    );
    console.info('revoked token refused after (ms), per instance', { refusedAfter, revokeRequestMs: revoke.ms });
    expect(refusedAfter.every((ms) => ms !== null && ms < 1_000)).toBe(true);
  });

  it('an instance SIGKILLed mid-operation: the operation completes on another', async () => {
    const team = 'mi-killed';
    const auth = tokens.get(team)!;
    remotes.createBare(team, { files: { 'README.md': 'x\n' } });
    const base = proxy.baseUrl;
    expect(
      (await call(base, auth, 'POST', '/api/git-integration', {
        provider: 'generic',
        repository_url: remotes.fileUrl(team),
        default_branch: 'main',
        path_prefix: 'pipelines/',
        author_name: 'Bot',
        author_email: 'bot@example.com',
      })).status,
    ).toBe(200);
    const setupStarted = Date.now();
    let taken = 0;
    const created: number[] = [];
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        for (let i = taken++; i < KILL_PIPELINES; i = taken++) {
          const definition = { name: `pipe-${i}`, steps: Array.from({ length: 20 }, (_, s) => ({ run: `step ${s}` })) };
          created.push((await call(base, auth, 'POST', '/api/pipelines', { name: `pipe-${i}`, definition })).status);
        }
      }),
    );
    expect(created.filter((s) => s !== 201)).toEqual([]);
    const setupMs = Date.now() - setupStarted;

    const push = await call(base, auth, 'POST', '/api/git-integration/push', { message: 'Before the crash' });
    expect(push.status).toBe(202);
    const opId = push.body.data.operation_id as string;
    const jobId = async () =>
      (await watcher.query<{ id: string }>(`SELECT id FROM pgboss.job WHERE name = 'git-operations' AND data->>'operationId' = $1`, [opId])).rows[0]?.id;
    // The job's logger tags every line with its id: the first one is its "job started".
    const runner = (id: string | undefined) => (id ? servers.findIndex((s) => s.output().includes(`"jobId":"${id}"`)) : -1);
    const status = async () =>
      (await watcher.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM git_operations WHERE id = $1`, [opId])).rows[0]!;

    let victim = -1;
    expect(
      await eventually(async () => {
        victim = runner(await jobId());
        return victim >= 0 && (await status()).status === 'running';
      }, 30_000, 5),
    ).toBe(true);
    servers[victim]!.child.kill('SIGKILL');
    await servers[victim]!.exited;
    expect((await status()).status).toBe('running'); // left behind by the dead instance
    const killedAt = Date.now();

    let finished = await status();
    await eventually(async () => {
      finished = await status();
      return ['succeeded', 'failed', 'conflict'].includes(finished.status);
    }, 60_000, 100);
    const recoveredAfterMs = Date.now() - killedAt;
    console.info('SIGKILL of the instance running a git push', { setupMs, victim, recoveredAfterMs });
    expect(finished).toEqual({ status: 'succeeded', attempts: 2 });
    const rescuer = servers.findIndex((s, i) => i !== victim && logLines(s).some((l) => l.msg === 'resuming interrupted git operation' && l.operationId === opId));
    expect(rescuer).toBeGreaterThanOrEqual(0);
    const op = (await call(base, auth, 'GET', `/api/git-integration/operations/${opId}`)).body.data;
    expect(remotes.head(team, 'main')).toBe(op.result.commit_sha);
    expect(op.result.changes.added).toHaveLength(KILL_PIPELINES);
  });
});
