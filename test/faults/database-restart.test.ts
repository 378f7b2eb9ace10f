import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRemotes } from '../helpers/git-remotes.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { acaiPushBody, call, eventually, faultServerEnv, faultTestsUnavailable, mintToken, sleep, type CallResult } from './harness.js';

// PostgreSQL itself is stopped (fast shutdown: sessions are terminated mid-query)
// while a mixed load runs from several connections, then started again. The server
// process is never restarted: it must answer 503 in each client's dialect while the
// database is gone, report it on /_ready, and carry on by itself once it is back,
// its job runner included. Afterwards nothing acknowledged is missing and nothing
// is half written.

type Kind = 'push' | 'pipeline' | 'devices';
interface Sample extends CallResult {
  kind: Kind;
  startedAt: number;
  endedAt: number;
  key: string;
}

/** The 503 body each client family expects. */
function inDialect(sample: Sample): boolean {
  if (sample.kind === 'push') return typeof sample.body?.errors?.detail === 'string' && sample.body.errors.status === 'SERVICE_UNAVAILABLE';
  if (sample.kind === 'devices') return sample.body?.code === 'unavailable' && typeof sample.body.error === 'string';
  return sample.body?.error?.code === 'unavailable';
}

describe.skipIf(faultTestsUnavailable)('PostgreSQL stopped and restarted under load', { timeout: 240_000 }, () => {
  let database: PrivatePostgres;
  let url: string;
  let server: ServerProcess;
  let auth: string;
  let remotes: GitRemotes;

  beforeAll(async () => {
    database = await startPrivatePostgres();
    url = await database.createDatabase('app');
    server = await startServerProcess(faultServerEnv(url, { DB_POOL_SIZE: '8' }));
    auth = await mintToken(url, 'outage');
    remotes = new GitRemotes();
    remotes.createBare('acme/outage', { files: { 'README.md': 'x\n' } });
    const saved = await call(server.baseUrl, auth, 'POST', '/api/git-integration', {
      provider: 'generic',
      repository_url: remotes.fileUrl('acme/outage'),
      default_branch: 'main',
      path_prefix: 'pipelines/',
      author_name: 'Bot',
      author_email: 'bot@example.com',
    });
    expect(saved.status).toBe(200);
  });

  /** Mixed load (spec pushes, pipeline creations, device lists) from `connections` loops until `stop()`. */
  function mixedLoad(connections: number) {
    const samples: Sample[] = [];
    let running = true;
    const worker = async (w: number) => {
      for (let n = 0; running; n++) {
        const kind: Kind = (['push', 'pipeline', 'devices'] as const)[n % 3]!;
        const startedAt = Date.now();
        let key = '';
        let result: CallResult;
        if (kind === 'push') {
          key = `w${w}`;
          result = await call(server.baseUrl, auth, 'POST', '/api/v1/push', acaiPushBody({ repo: 'github.com/faults/outage', branch: key, specs: 1, requirements: 10, refs: 20 }));
        } else if (kind === 'pipeline') {
          key = `p-${w}-${n}-${startedAt}`;
          result = await call(server.baseUrl, auth, 'POST', '/api/pipelines', { name: key, definition: { name: key, steps: [n] } });
        } else {
          result = await call(server.baseUrl, auth, 'GET', '/v1/devices');
        }
        samples.push({ ...result, kind, startedAt, endedAt: Date.now(), key });
        if (result.status === 503) await sleep(50); // a polite client backs off a little
      }
    };
    const workers = Array.from({ length: connections }, (_, w) => worker(w));
    return {
      samples,
      async stop() {
        running = false;
        await Promise.all(workers);
        return samples;
      },
    };
  }

  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    database?.destroy();
    remotes?.close();
  });

  it('the private server takes only its own random password, not any password (no open door on 127.0.0.1)', async () => {
    const guessed = new URL(url);
    guessed.password = 'postgres';
    const client = new pg.Client({ connectionString: guessed.toString() });
    await expect(client.connect()).rejects.toThrow(/password authentication failed/);
    await client.end().catch(() => undefined);
  });

  it('fails fast with 503 in each dialect while it is down, recovers by itself, and loses nothing', async () => {
    const load = mixedLoad(6);
    const samples = load.samples;

    // The load has been answered at least once before PostgreSQL goes away: on a loaded machine the
    // first answers (the first pushes of one repository, serialised) can take longer than two seconds.
    await sleep(2_000);
    expect(await eventually(async () => samples.some((s) => s.status >= 200 && s.status < 300), 30_000)).toBe(true);
    const stoppedAt = Date.now();
    database.stop('fast');
    await sleep(1_000);
    const readyWhileDown = await fetch(`${server.baseUrl}/_ready`);
    expect(readyWhileDown.status).toBe(503);
    expect(await readyWhileDown.json()).toEqual({ status: 'unavailable', database: 'down' });
    await sleep(2_000);
    database.start();
    const restartedAt = Date.now();
    const recovered = await eventually(async () => (await fetch(`${server.baseUrl}/_ready`)).status === 200, 30_000);
    expect(recovered).toBe(true);
    const readyAt = Date.now();
    await sleep(3_000);
    await load.stop();

    // Answered before the stop: a request still in flight when the server goes away may rightly get a 503
    // (on a loaded machine the first pushes of one repository, serialised, take seconds).
    const before = samples.filter((s) => s.endedAt < stoppedAt);
    const during = samples.filter((s) => s.startedAt >= stoppedAt && s.startedAt < restartedAt);
    const after = samples.filter((s) => s.startedAt > readyAt + 1_000);
    const summary = (list: Sample[]) => list.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});
    console.info('database restart under load', {
      requests: samples.length,
      before: summary(before),
      during: summary(during),
      after: summary(after),
      recoveryMs: readyAt - restartedAt,
    });

    // Never anything but success or a 503; never a dropped connection.
    const unexpected = samples.filter((s) => !(s.status >= 200 && s.status < 300) && s.status !== 503);
    expect(unexpected.map((s) => `${s.kind} ${s.status} ${JSON.stringify(s.body)}`)).toEqual([]);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((s) => s.status < 300)).toBe(true);
    // While it is down: 503s, in the right dialect, with Retry-After semantics, quickly.
    const refused = samples.filter((s) => s.status === 503);
    expect(during.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    expect(refused.filter((s) => !inDialect(s)).map((s) => JSON.stringify(s.body))).toEqual([]);
    expect(Math.max(...refused.map((s) => s.ms))).toBeLessThan(10_000);
    // Back to normal without a restart.
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((s) => s.status >= 300).map((s) => `${s.kind} ${s.status} ${JSON.stringify(s.body)}`)).toEqual([]);
    expect(server.child.exitCode).toBeNull();

    // Nothing acknowledged is missing, nothing is half written.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const createdNames = samples.filter((s) => s.kind === 'pipeline' && s.status === 201).map((s) => s.key);
      const stored = await client.query<{ name: string }>(`SELECT name FROM pipelines WHERE name = ANY($1)`, [createdNames]);
      expect(stored.rowCount).toBe(createdNames.length);
      const pushedBranches = [...new Set(samples.filter((s) => s.kind === 'push' && s.status === 200).map((s) => s.key))];
      const branches = await client.query<{ name: string; specs: string; requirements: string; buckets: string; refs: string }>(
        `SELECT b.branch_name AS name,
                (SELECT count(*) FROM specs s WHERE s.branch_id = b.id) AS specs,
                (SELECT sum((SELECT count(*) FROM jsonb_object_keys(s.requirements))) FROM specs s WHERE s.branch_id = b.id) AS requirements,
                (SELECT count(*) FROM feature_branch_refs r WHERE r.branch_id = b.id) AS buckets,
                (SELECT sum((SELECT count(*) FROM jsonb_each(r.refs))) FROM feature_branch_refs r WHERE r.branch_id = b.id) AS refs
           FROM branches b WHERE b.branch_name = ANY($1)`,
        [pushedBranches],
      );
      expect(branches.rows.map((b) => b.name).sort()).toEqual(pushedBranches.sort());
      for (const b of branches.rows) expect({ branch: b.name, specs: Number(b.specs), requirements: Number(b.requirements), buckets: Number(b.buckets), refs: Number(b.refs) }).toEqual({ branch: b.name, specs: 1, requirements: 10, buckets: 1, refs: 10 });
    } finally {
      await client.end();
    }

    // The job runner lost its connections too; it picks up new work by itself.
    const push = await call(server.baseUrl, auth, 'POST', '/api/git-integration/push', { message: 'After the outage' });
    expect(push.status).toBe(202);
    const opId = push.body.data.operation_id as string;
    let finished: CallResult | undefined;
    await eventually(async () => {
      finished = await call(server.baseUrl, auth, 'GET', `/api/git-integration/operations/${opId}`);
      return ['succeeded', 'failed', 'conflict'].includes(finished.body?.data?.status);
    }, 60_000, 200);
    expect(finished?.body.data).toMatchObject({ status: 'succeeded', error: null });
    expect(remotes.head('acme/outage', 'main')).toBe(finished?.body.data.result.commit_sha);
  });

  it("survives its connections being killed one by one (pg_terminate_backend, the job runner's included)", async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    const load = mixedLoad(6);
    let terminated = 0;
    for (let round = 0; round < 10; round++) {
      await sleep(300);
      const { rowCount } = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'app' AND pid <> pg_backend_pid()`);
      terminated += rowCount ?? 0;
    }
    const calmFrom = Date.now();
    await sleep(2_000);
    const samples = await load.stop();
    await admin.end();

    expect(terminated).toBeGreaterThan(10);
    expect(server.child.exitCode).toBeNull();
    expect(server.output()).not.toMatch(/shutting down after an error/);
    const unexpected = samples.filter((s) => !(s.status >= 200 && s.status < 300) && s.status !== 503);
    expect(unexpected.map((s) => `${s.kind} ${s.status} ${JSON.stringify(s.body)}`)).toEqual([]);
    const after = samples.filter((s) => s.startedAt > calmFrom + 500);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((s) => s.status >= 300).map((s) => `${s.kind} ${s.status}`)).toEqual([]);
    console.info('connections terminated under load', { terminated, requests: samples.length, refused: samples.filter((s) => s.status === 503).length });
  });
});
