// Soak test: the app in-process on a fresh database (embedded, or a new database on
// the server named by DATABASE_URL), a bounded mixed load from many concurrent
// connections, then invariants checked in the database after the queue drains.
//
//   npm run soak                       30 s, 24 connections, embedded database
//   SOAK_SECONDS=120 SOAK_CONNECTIONS=64 DATABASE_URL=postgresql://... npm run soak
//
// Exit code 1 when any response was a 5xx or an invariant is violated.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { JobRunner } from '../src/jobs/runner.js';
import { createToken } from '../src/db/tokens.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 30);
const CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 24);
const TEAMS = Number(process.env.SOAK_TEAMS ?? 4);
const DRAIN_TIMEOUT_MS = 120_000;

const scratch = mkdtempSync(join(tmpdir(), 'soak-'));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const sha = () => randomBytes(20).toString('hex');

// ---- a fresh database
let databaseUrl = '';
let dropDatabase = async () => {};
if (process.env.DATABASE_URL) {
  const name = `soak_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(process.env.DATABASE_URL);
  url.pathname = `/${name}`;
  databaseUrl = url.toString();
  dropDatabase = async () => {
    const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.end();
  };
}

const config = loadConfig({
  ...process.env,
  NODE_ENV: 'production',
  DATABASE_URL: databaseUrl,
  DATA_DIR: join(scratch, 'data'),
  DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '10',
  RATE_LIMITS: 'off',
  GIT_ALLOWED_PROTOCOLS: 'https,ssh,http,file',
  GIT_ALLOW_PRIVATE_HOSTS: 'true',
  GIT_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
});
// Only errors reach the terminal: a 5xx prints its cause.
const logger = pino({ level: 'error' }, pino.destination(2));
const db = await openDatabase(config, { logger });
const jobs = new JobRunner(db.url, logger, { max: 4 });
const app = await buildApp({ config, db, jobs, logger });
await app.listen({ host: '127.0.0.1', port: 0 });
await jobs.start();
const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
const hasPush = app.hasRoute({ method: 'POST', url: '/api/v1/push' });

// ---- figures
const byStatus = new Map<number, number>();
const byAction = new Map<string, number>();
const serverErrors: string[] = [];
let requests = 0;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response JSON is read loosely
async function call(action: string, auth: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  requests++;
  byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
  byAction.set(action, (byAction.get(action) ?? 0) + 1);
  if (res.status >= 500 && serverErrors.length < 20) serverErrors.push(`${action} ${method} ${path} -> ${res.status} ${text.slice(0, 200)}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // empty body (204)
  }
  return { status: res.status, json };
}

// ---- per-team setup: token, git remote, devices and bindings, pipelines, acai data
interface Team {
  auth: string;
  bindings: string[];
  pipelines: string[];
  product: string;
  implementation: string;
  feature: string;
  acids: string[];
  /** The team's last git operation: the load starts another only once it finished, so the queue stays bounded. */
  lastOperation?: string;
}

const BRANCHES = ['main', 'dev', 'release', 'feat-a', 'feat-b'];
const specPush = (branch: string, feature: string) => ({
  repo_uri: 'github.com/soak/app',
  branch_name: branch,
  commit_hash: sha(),
  specs: [
    {
      feature: { name: feature, product: 'soak' },
      requirements: Object.fromEntries([1, 2, 3].map((n) => [`${feature}.MAIN.${n}`, { requirement: `Requirement ${n} at ${Date.now()}` }])),
      meta: { path: `features/${feature}.feature.yaml`, last_seen_commit: sha() },
    },
  ],
  references: { data: { [`${feature}.MAIN.1`]: [{ path: `src/${feature}.ts:${Math.floor(Math.random() * 500)}`, is_test: false }] }, override: false },
});

async function setUpTeam(index: number): Promise<Team> {
  const { token } = await createToken(db.prisma, { team: `soak-${index}`, user: `soaker-${index}` });
  const auth = `Bearer ${token}`;
  const remote = join(scratch, `remote-${index}.git`);
  execFileSync('git', ['init', '--bare', '--quiet', '--initial-branch=main', remote]);
  await call('setup', auth, 'POST', '/api/git-integration', { enabled: true, provider: 'github', repository_url: `file://${remote}`, default_branch: 'main' });
  const bindings: string[] = [];
  for (let d = 0; d < 2; d++) {
    const device = (await call('setup', auth, 'POST', '/v1/devices', { name: `device-${d}` })).json.device.id;
    for (let b = 0; b < 2; b++) {
      bindings.push((await call('setup', auth, 'POST', '/v1/workspace-bindings', { deviceId: device, environmentId: `env-${b}`, localPath: `/work/${d}/${b}` })).json.binding.id);
    }
  }
  const pipelines: string[] = [];
  for (let p = 0; p < 5; p++) pipelines.push((await call('setup', auth, 'POST', '/api/pipelines', { name: `pipeline-${p}`, definition: { steps: [p] } })).json.data.id);

  if (hasPush) {
    const first = await call('setup', auth, 'POST', '/api/v1/push', specPush('main', 'checkout'));
    if (first.status !== 200 && first.status !== 201) throw new Error(`setup push failed: ${first.status} ${JSON.stringify(first.json)}`);
    return { auth, bindings, pipelines, product: 'soak', implementation: 'main', feature: 'checkout', acids: ['checkout.MAIN.1', 'checkout.MAIN.2', 'checkout.MAIN.3'] };
  }
  // Without the push route, the acai read/state data comes from the test fixtures.
  const { seedAcai } = await import('../test/modules/acai/fixtures.js');
  const { scenario } = await import('../test/modules/acai/scenario.js');
  await seedAcai(db.prisma, scenario(`soak-${index}`));
  return { auth, bindings, pipelines, product: 'api', implementation: 'prod', feature: 'auth', acids: ['auth.LOGIN.1', 'auth.LOGIN.2'] };
}

// ---- the mixed load
type Action = (team: Team) => Promise<unknown>;
const actions: [number, string, Action][] = [
  [3, 'feature-state patch', (t) =>
    call('feature-state patch', t.auth, 'PATCH', '/api/v1/feature-states', {
      product_name: t.product,
      implementation_name: t.implementation,
      feature_name: t.feature,
      states: { [pick(t.acids)]: { status: pick(['assigned', 'completed', 'blocked', null]), comment: 'soak' } },
    })],
  [2, 'feature-context read', (t) =>
    call('feature-context read', t.auth, 'GET', `/api/v1/feature-context?product_name=${t.product}&implementation_name=${t.implementation}&feature_name=${t.feature}`)],
  [3, 'push-session prepare', (t) =>
    call('push-session prepare', t.auth, 'POST', `/v1/workspace-bindings/${pick(t.bindings)}/push-sessions`, { planSignature: `sig_${pick(['a', 'b', 'c'])}`, plan: { n: 1 } })],
  [2, 'pull-session prepare', (t) =>
    call('pull-session prepare', t.auth, 'POST', `/v1/workspace-bindings/${pick(t.bindings)}/pull-sessions`, { planSignature: `sig_${pick(['a', 'b'])}`, plan: { n: 2 } })],
  [1, 'session cancel', async (t) => {
    const binding = pick(t.bindings);
    const list = await call('session list', t.auth, 'GET', `/v1/workspace-bindings/${binding}/push-sessions?status=prepared&limit=1`);
    const id = list.json?.data?.[0]?.id;
    if (id) await call('session cancel', t.auth, 'POST', `/v1/workspace-bindings/${binding}/push-sessions/${id}/cancel`);
  }],
  [1, 'heartbeat', async (t) => {
    const list = await call('device list', t.auth, 'GET', '/v1/devices?limit=5');
    const id = list.json?.data?.[0]?.id;
    if (id) await call('heartbeat', t.auth, 'POST', `/v1/devices/${id}/heartbeat`);
  }],
  [3, 'pipeline edit', (t) =>
    call('pipeline edit', t.auth, 'PATCH', `/api/pipelines/${pick(t.pipelines)}`, { definition: { steps: [Math.random()] } })],
  [1, 'pipeline list', (t) => call('pipeline list', t.auth, 'GET', '/api/pipelines?limit=20')],
  [1, 'git push operation', async (t) => {
    if (t.lastOperation) {
      const last = await call('git operation read', t.auth, 'GET', `/api/git-integration/operations/${t.lastOperation}`);
      if (['queued', 'running'].includes(last.json?.data?.status)) return;
    }
    const res = await call('git push operation', t.auth, 'POST', '/api/git-integration/push', { message: `soak ${Date.now()}` });
    if (res.status === 202) t.lastOperation = res.json.data.operation_id;
  }],
  [1, 'git status', (t) => call('git status', t.auth, 'GET', '/api/git-integration/status')],
];
if (hasPush) {
  actions.push(
    [3, 'spec push', (t) => call('spec push', t.auth, 'POST', '/api/v1/push', specPush(pick(BRANCHES.slice(0, 1)), pick(['checkout', 'cart', 'search'])))],
    [2, 'refs-only push', (t) =>
      call('refs-only push', t.auth, 'POST', '/api/v1/push', {
        repo_uri: 'github.com/soak/app',
        branch_name: 'main',
        commit_hash: sha(),
        references: { data: { [pick(t.acids)]: [{ path: `test/x_${Math.floor(Math.random() * 50)}.test.ts:1`, is_test: true }] }, override: false },
      })],
    // Unknown branches of an untracked repo: concurrent first pushes race to create the same branch row.
    [1, 'new-branch push', (t) => call('new-branch push', t.auth, 'POST', '/api/v1/push', { ...specPush(pick(BRANCHES.slice(1)), 'cart'), repo_uri: `github.com/soak/lib-${Math.floor(Math.random() * 3)}` })],
  );
}
const totalWeight = actions.reduce((sum, [weight]) => sum + weight, 0);
function pickAction(): Action {
  let roll = Math.random() * totalWeight;
  for (const [weight, , action] of actions) if ((roll -= weight) < 0) return action;
  return actions[0]![2];
}

const started = Date.now();
const teams: Team[] = [];
let exitCode = 0;
try {
  // One team after another: setup is not what is being measured.
  for (let i = 0; i < TEAMS; i++) teams.push(await setUpTeam(i));
  process.stdout.write(`soak: ${SECONDS}s, ${CONNECTIONS} connections, ${TEAMS} teams, ${db.embedded ? 'embedded database' : 'PostgreSQL'}, push route ${hasPush ? 'present' : 'absent'}\n`);
  const loadStart = Date.now();
  const setupRequests = requests;
  const deadline = loadStart + SECONDS * 1000;
  let transportErrors = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, worker) => {
      while (Date.now() < deadline) {
        try {
          await pickAction()(teams[worker % teams.length]!);
        } catch (error) {
          transportErrors++;
          if (transportErrors <= 5) process.stderr.write(`transport error: ${String(error)}\n`);
        }
      }
    }),
  );
  const loadSeconds = (Date.now() - loadStart) / 1000;

  // Drain: every git operation must reach a final state.
  const drainStart = Date.now();
  let pending = 0;
  for (;;) {
    pending = Number((await db.pool.query(`SELECT count(*) FROM git_operations WHERE status IN ('queued', 'running')`)).rows[0].count);
    if (pending === 0 || Date.now() - drainStart > DRAIN_TIMEOUT_MS) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const invariants: [string, string][] = [
    ['duplicate branches per (team, repo, name)', `SELECT count(*) FROM (SELECT 1 FROM branches GROUP BY team_id, repo_uri, branch_name HAVING count(*) > 1) d`],
    ['bindings with more than one prepared push session', `SELECT count(*) FROM (SELECT 1 FROM push_sessions WHERE status = 'prepared' GROUP BY workspace_binding_id HAVING count(*) > 1) d`],
    ['bindings with more than one prepared pull session', `SELECT count(*) FROM (SELECT 1 FROM pull_sessions WHERE status = 'prepared' GROUP BY workspace_binding_id HAVING count(*) > 1) d`],
    ['git operations stuck in queued/running after drain', `SELECT count(*) FROM git_operations WHERE status IN ('queued', 'running')`],
    ['prepared_slot out of step with status', `SELECT (SELECT count(*) FROM push_sessions WHERE (status = 'prepared') IS DISTINCT FROM (prepared_slot IS TRUE)) + (SELECT count(*) FROM pull_sessions WHERE (status = 'prepared') IS DISTINCT FROM (prepared_slot IS TRUE)) AS count`],
  ];
  let violations = 0;
  const lines: string[] = [];
  for (const [name, sql] of invariants) {
    const count = Number((await db.pool.query(sql)).rows[0].count);
    violations += count;
    lines.push(`  ${count === 0 ? 'ok  ' : 'FAIL'} ${name}: ${count}`);
  }
  const operations = (await db.pool.query(`SELECT status, count(*)::int AS n FROM git_operations GROUP BY status ORDER BY status`)).rows;
  const fiveHundreds = [...byStatus].filter(([status]) => status >= 500).reduce((sum, [, n]) => sum + n, 0);

  const out = [
    `requests: ${requests - setupRequests} in ${loadSeconds.toFixed(1)} s (${Math.round((requests - setupRequests) / loadSeconds)}/s) after ${setupRequests} setup requests, transport errors: ${transportErrors}`,
    `statuses: ${JSON.stringify(Object.fromEntries([...byStatus].sort(([a], [b]) => a - b)))}`,
    `actions: ${JSON.stringify(Object.fromEntries(byAction))}`,
    `git operations: ${operations.map((r) => `${r.status}=${r.n}`).join(', ') || 'none'} (drained in ${((Date.now() - drainStart) / 1000).toFixed(1)} s)`,
    `5xx: ${fiveHundreds}`,
    ...serverErrors.map((line) => `  ${line}`),
    `invariant violations: ${violations}`,
    ...lines,
    `total ${((Date.now() - started) / 1000).toFixed(1)} s`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);
  if (fiveHundreds > 0 || violations > 0 || transportErrors > 0) exitCode = 1;
} catch (error) {
  process.stderr.write(`soak failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  exitCode = 1;
} finally {
  await app.close();
  await jobs.stop();
  await db.close();
  await dropDatabase().catch(() => undefined);
  rmSync(scratch, { recursive: true, force: true });
}
// The embedded database leaves a timer behind: exit explicitly.
process.exit(exitCode);
