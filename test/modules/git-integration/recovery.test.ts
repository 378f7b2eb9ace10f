import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { GitRemotes } from '../../helpers/git-remotes.js';
import { prefixedId } from '../../../src/lib/ids.js';
import { GIT_OPERATIONS_QUEUE } from '../../../src/modules/git-integration/operations/queue.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// A process that dies mid-operation leaves the operation `running` and its job
// `active`. We reproduce exactly that state (a worker fetched the job, then
// vanished), start a new app on the same database, let pg-boss expire the job
// (the supervise pass that normally runs every minute is triggered directly),
// and watch the retried job finish the operation.

describe('crash recovery of git operations', { timeout: 90_000 }, () => {
  let database: TestDatabase;
  let remotes: GitRemotes;
  let t: TestApp;
  let auth: string;
  let teamId: string;
  const env = gitTestEnv();

  /** The state a crashed worker leaves behind: operation running, job active and overdue. */
  async function crashedOperation(request: Record<string, unknown>, retryCount: number): Promise<string> {
    const id = prefixedId('gitop');
    const boss = new PgBoss({ connectionString: database.url, supervise: false, schedule: false, migrate: false, max: 2 });
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    await boss.start();
    try {
      await pool.query(
        `INSERT INTO git_operations (id, team_id, kind, status, branch, request, attempts, started_at, created_at, updated_at)
         VALUES ($1, $2, 'push', 'running', 'main', $3, $4, now(), now(), now())`,
        [id, teamId, JSON.stringify({ ...request, branch: 'main' }), retryCount + 1],
      );
      const jobId = await boss.send(GIT_OPERATIONS_QUEUE, { operationId: id, teamId }, { singletonKey: teamId });
      const [job] = await boss.fetch(GIT_OPERATIONS_QUEUE);
      expect(job?.id).toBe(jobId);
      await pool.query(
        `UPDATE pgboss.job SET started_on = now() - interval '2 hours', retry_count = $2 WHERE id = $1`,
        [jobId, retryCount],
      );
    } finally {
      await boss.stop({ graceful: false });
      await pool.end();
    }
    return id;
  }

  async function superviseNow(): Promise<void> {
    // A 1 s claim interval, so that consecutive tests may each run a pass.
    const boss = new PgBoss({ connectionString: database.url, supervise: false, schedule: false, migrate: false, max: 2, monitorIntervalSeconds: 1, superviseIntervalSeconds: 1 });
    await boss.start();
    await boss.supervise(GIT_OPERATIONS_QUEUE);
    await boss.stop({ graceful: false });
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    remotes = new GitRemotes();
    remotes.createBare('acme/recover', { files: { 'README.md': 'x\n' } });
    // First life of the server: configure and create pipelines, then stop it.
    const first = await createTestApp({ jobs: true, database, env });
    auth = `Bearer ${await first.token({ team: 'git-recover', user: 'rae', scopes: ['git:read', 'git:write', 'pipelines:write', 'pipelines:read'] })}`;
    teamId = (await first.db.prisma.team.findUniqueOrThrow({ where: { name: 'git-recover' } })).id;
    const saved = await first
      .http()
      .post('/api/git-integration')
      .set('authorization', auth)
      .send({ provider: 'generic', repository_url: remotes.fileUrl('acme/recover'), default_branch: 'main', path_prefix: 'pipelines/', author_name: 'Bot', author_email: 'bot@example.com' });
    expect(saved.status).toBe(200);
    for (const name of ['one', 'two']) {
      expect((await first.http().post('/api/pipelines').set('authorization', auth).send({ name, definition: { name } })).status).toBe(201);
    }
    t = first;
  });

  afterAll(async () => {
    await t?.close();
    await database?.close();
    remotes?.close();
  });

  it('a push interrupted by a crash is retried after restart and completes', async () => {
    await t.close(); // the server is gone; its last job was left behind
    const id = await crashedOperation({ message: 'Interrupted export' }, 0);

    t = await createTestApp({ jobs: true, database, env: { ...env, DATA_DIR: gitTestEnv().DATA_DIR! } });
    await superviseNow();
    const op = await waitForOperation(t, auth, id);
    expect(op).toMatchObject({ status: 'succeeded', attempts: 2, error: null });
    expect(op.result.changes.added).toHaveLength(2);
    expect(remotes.head('acme/recover', 'main')).toBe(op.result.commit_sha);

    // Re-running the same push (as a second retry would) finds nothing new to commit.
    const again = await t.http().post('/api/git-integration/push').set('authorization', auth).send({ message: 'Interrupted export' });
    expect((await waitForOperation(t, auth, again.body.data.operation_id)).result.commit_sha).toBeNull();
  });

  it('an operation whose every attempt was interrupted is marked failed with a reason', async () => {
    await t.close();
    const id = await crashedOperation({ message: 'Doomed' }, 2);
    t = await createTestApp({ jobs: true, database, env });
    await superviseNow();
    const op = await waitForOperation(t, auth, id);
    expect(op.status).toBe('failed');
    expect(op.error).toMatch(/interrupted .* and was abandoned/);

    // The team's queue is not blocked afterwards.
    const next = await t.http().post('/api/git-integration/push').set('authorization', auth).send({ message: 'After' });
    expect((await waitForOperation(t, auth, next.body.data.operation_id)).status).toBe('succeeded');
  });
});
