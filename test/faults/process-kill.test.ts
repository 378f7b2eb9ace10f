import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitRemotes } from '../helpers/git-remotes.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';
import { acaiPushBody, call, eventually, faultServerEnv, faultTestsUnavailable, mintToken } from './harness.js';

// The server process is killed with SIGKILL (no shutdown hook runs) while it is in
// the middle of writing, then started again on the same database and data
// directory. A push is one transaction: after the kill it is either entirely there
// or entirely absent, and pushing again completes it. A git operation left
// `running` by the dead worker is retried by the next server and finishes.

describe.skipIf(faultTestsUnavailable)('the server killed with SIGKILL mid-write', { timeout: 240_000 }, () => {
  let database: PrivatePostgres;
  let url: string;
  let env: Record<string, string>;
  let server: ServerProcess;
  let auth: string;
  let remotes: GitRemotes;
  let watcher: pg.Client;

  /** Kills the server the moment `probe` (polled every few ms) says it is mid-write. */
  async function killWhen(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const seen = await eventually(probe, timeoutMs, 2);
    server.child.kill('SIGKILL');
    await server.exited;
    return seen;
  }

  /** Sessions of the (dead) server that still hold a transaction open. */
  async function openTransactions(): Promise<number> {
    const { rows } = await watcher.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = 'app' AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND application_name <> 'jobs'`,
    );
    return Number(rows[0]!.n);
  }

  beforeAll(async () => {
    database = await startPrivatePostgres();
    url = await database.createDatabase('app');
    env = faultServerEnv(url, { JOBS_MONITOR_INTERVAL_SECONDS: '2', GIT_OPERATION_HEARTBEAT_SECONDS: '10' });
    server = await startServerProcess(env);
    auth = await mintToken(url, 'killed');
    watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
    remotes = new GitRemotes();
    remotes.createBare('acme/killed', { files: { 'README.md': 'x\n' } });
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await watcher?.end();
    database?.destroy();
    remotes?.close();
    if (env?.DATA_DIR) rmSync(env.DATA_DIR, { recursive: true, force: true });
  });

  async function branchCounts(branch: string) {
    const { rows } = await watcher.query<{ specs: string; requirements: string | null; buckets: string }>(
      `SELECT (SELECT count(*) FROM specs s JOIN branches b ON b.id = s.branch_id WHERE b.branch_name = $1) AS specs,
              (SELECT sum((SELECT count(*) FROM jsonb_object_keys(s.requirements))) FROM specs s JOIN branches b ON b.id = s.branch_id WHERE b.branch_name = $1) AS requirements,
              (SELECT count(*) FROM feature_branch_refs r JOIN branches b ON b.id = r.branch_id WHERE b.branch_name = $1) AS buckets`,
      [branch],
    );
    return { specs: Number(rows[0]!.specs), requirements: Number(rows[0]!.requirements ?? 0), buckets: Number(rows[0]!.buckets) };
  }

  it('during a large push: all or nothing, and the same push completes after restart', async () => {
    const complete = { specs: 100, requirements: 10_000, buckets: 100 };
    const body = acaiPushBody({ repo: 'github.com/faults/killed', branch: 'big', specs: 100, requirements: 100, refs: 10_000 });
    // A first push on another branch, acknowledged before the kill, must survive it untouched.
    const earlier = await call(server.baseUrl, auth, 'POST', '/api/v1/push', { ...body, branch_name: 'earlier' });
    expect(earlier.status).toBe(200);

    const inFlight = call(server.baseUrl, auth, 'POST', '/api/v1/push', body);
    const killedMidTransaction = await killWhen(async () => (await openTransactions()) > 0, 30_000);
    expect(killedMidTransaction).toBe(true);
    // The connection died with the process (or, if COMMIT had just gone out, the answer beat the kill).
    const answer = (await inFlight).status;
    expect([0, 200]).toContain(answer);

    // PostgreSQL rolls the orphaned transaction back once it notices the client is gone.
    expect(await eventually(async () => (await openTransactions()) === 0, 30_000)).toBe(true);
    const afterKill = await branchCounts('big');
    expect(answer === 200 ? [complete] : [{ specs: 0, requirements: 0, buckets: 0 }, complete]).toContainEqual(afterKill);
    expect(await branchCounts('earlier')).toEqual(complete);

    server = await startServerProcess(env);
    const again = await call(server.baseUrl, auth, 'POST', '/api/v1/push', body);
    expect(again.status).toBe(200);
    expect(await branchCounts('big')).toEqual(complete);
    console.info('SIGKILL during push', { stateAfterKill: afterKill.specs === 0 ? 'nothing written' : 'fully written' });
  });

  it('during a git push operation: the next server retries it and it completes', async () => {
    const saved = await call(server.baseUrl, auth, 'POST', '/api/git-integration', {
      provider: 'generic',
      repository_url: remotes.fileUrl('acme/killed'),
      default_branch: 'main',
      path_prefix: 'pipelines/',
      author_name: 'Bot',
      author_email: 'bot@example.com',
    });
    expect(saved.status).toBe(200);
    // Enough pipelines that the operation runs for a while. Sixteen requests in flight keep the server
    // as busy as 400 at once did, without 400 requests queueing for its pool past the client's timeout
    // on a loaded machine.
    const statuses: number[] = [];
    let taken = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        for (let i = taken++; i < 400; i = taken++) {
          const definition = { name: `pipe-${i}`, steps: Array.from({ length: 20 }, (_, s) => ({ run: `step ${s}` })) };
          statuses[i] = (await call(server.baseUrl, auth, 'POST', '/api/pipelines', { name: `pipe-${i}`, definition })).status;
        }
      }),
    );
    expect(statuses.filter((status) => status !== 201)).toEqual([]);

    const push = await call(server.baseUrl, auth, 'POST', '/api/git-integration/push', { message: 'Export before the crash' });
    expect(push.status).toBe(202);
    const opId = push.body.data.operation_id as string;
    const operationStatus = async () =>
      (await watcher.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM git_operations WHERE id = $1`, [opId])).rows[0]!;
    expect(await killWhen(async () => (await operationStatus()).status === 'running', 30_000)).toBe(true);
    expect((await operationStatus()).status).toBe('running'); // left behind by the dead worker

    const restartedAt = Date.now();
    server = await startServerProcess(env);
    let finished = await operationStatus();
    await eventually(async () => {
      finished = await operationStatus();
      return ['succeeded', 'failed', 'conflict'].includes(finished.status);
    }, 120_000, 250);
    const op = (await call(server.baseUrl, auth, 'GET', `/api/git-integration/operations/${opId}`)).body.data;
    expect(op).toMatchObject({ status: 'succeeded', error: null, attempts: 2 });
    expect(remotes.head('acme/killed', 'main')).toBe(op.result.commit_sha);
    expect(op.result.changes.added).toHaveLength(400);
    console.info('SIGKILL during git push', { recoveredAfterMs: Date.now() - restartedAt });

    // Nothing is left half done: the team's queue runs the next operation, which finds nothing to commit.
    const next = await call(server.baseUrl, auth, 'POST', '/api/git-integration/push', { message: 'After recovery' });
    let after: { status: string } | undefined;
    await eventually(async () => {
      after = (await call(server.baseUrl, auth, 'GET', `/api/git-integration/operations/${next.body.data.operation_id}`)).body.data;
      return after?.status === 'succeeded';
    }, 60_000, 200);
    expect(after).toMatchObject({ status: 'succeeded', result: { commit_sha: null } });
    const status = (await call(server.baseUrl, auth, 'GET', '/api/git-integration/status')).body.data;
    expect(status).toMatchObject({ in_sync: true, local_ahead_count: 0, active_operation: null });
  });
});
