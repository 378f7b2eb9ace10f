import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { GitRemotes } from '../../helpers/git-remotes.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// The remote view stays true to the remote in three cases an attacker review found it did not:
// history on an instance other than the one that refreshed, a ?refresh=true asked while a push
// runs, and a settings change that points the integration at another repository. Every app here
// keeps GIT_REMOTE_REFRESH_SECONDS at an hour, so nothing below is the periodic refresh.

const SCOPES = ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] as const;
const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const pipelineFile = (id: string, name: string) => `${JSON.stringify({ definition: { steps: [] }, id, name }, null, 2)}\n`;
const pipelineId = (n: number) => `pl_01jq${String(n).padStart(22, 'a')}`;

async function configureAndPush(t: TestApp, auth: string, url: string): Promise<void> {
  const post = (path: string, body?: object) => t.http().post(`/api${path}`).set('authorization', auth).send(body ?? {});
  expect((await post('/git-integration', { enabled: true, provider: 'github', repository_url: url, path_prefix: 'pipelines/', credentials: null })).status).toBe(200);
  expect((await post('/pipelines', { name: 'first', definition: { steps: [] } })).status).toBe(201);
  const pushed = await post('/git-integration/push', { message: 'Export' });
  expect(pushed.status).toBe(202);
  expect((await waitForOperation(t, auth, pushed.body.data.operation_id)).status).toBe('succeeded');
}

async function statusUntil(t: TestApp, auth: string, done: (status: { remote_ahead_count: number }) => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http().get('/api/git-integration/status').set('authorization', auth);
    expect(res.status).toBe(200);
    if (done(res.body.data) || Date.now() > deadline) return res.body.data;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.runIf(process.env.DATABASE_URL)('two instances, one database, a clone each', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let remotes: GitRemotes;
  let auth: string;
  let hook: { hook_id: string; secret: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipes\n' } });
    a = await createTestApp({ database: db, jobs: true, env: gitTestEnv({ GIT_REMOTE_REFRESH_SECONDS: '3600' }) });
    b = await createTestApp({ database: db, jobs: true, env: gitTestEnv({ GIT_REMOTE_REFRESH_SECONDS: '3600' }) });
    auth = `Bearer ${await a.token({ team: 'two-clones', scopes: SCOPES })}`;
    await configureAndPush(a, auth, remotes.fileUrl('acme/pipes'));
    hook = (await a.http().post('/api/git-integration/webhook').set('authorization', auth).send({})).body.data;
    // Both instances have a clone that knows the branch.
    for (const t of [a, b]) expect((await t.http().get('/api/git-integration/history').set('authorization', auth)).status).toBe(200);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    remotes?.close();
    await db?.close();
  });

  it('history on either instance shows a commit another instance measured after a webhook', async () => {
    for (let round = 1; round <= 2; round++) {
      const sha = remotes.commit('acme/pipes', 'main', { [`pipelines/${pipelineId(round)}.json`]: pipelineFile(pipelineId(round), `r${round}`) }, `teammate ${round}`);
      const body = JSON.stringify({ ref: 'refs/heads/main' });
      const delivered = await a
        .http()
        .post(`/api/git-integration/webhooks/github?hook_id=${hook.hook_id}`)
        .set('content-type', 'application/json')
        .set('x-hub-signature-256', sign(hook.secret, body))
        .send(body);
      expect(delivered.status).toBe(202);
      expect((await statusUntil(a, auth, (s) => s.remote_ahead_count === round)).remote_ahead_count).toBe(round);
      for (const [name, t] of [['a', a], ['b', b]] as const) {
        const history = await t.http().get('/api/git-integration/history').set('authorization', auth);
        expect(history.status).toBe(200);
        expect(history.body.data[0]?.sha, `instance ${name}, round ${round}`).toBe(sha);
      }
    }
  });
});

describe('one instance', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let auth: string;

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/first', { files: { 'README.md': '# first\n' } });
    remotes.createBare('acme/second', { files: { 'README.md': '# second\n' } });
    t = await createTestApp({ jobs: true, env: gitTestEnv({ GIT_REMOTE_REFRESH_SECONDS: '3600' }) });
    auth = `Bearer ${await t.token({ team: 'moves', scopes: SCOPES })}`;
    await configureAndPush(t, auth, remotes.fileUrl('acme/first'));
  });
  afterAll(async () => {
    await t?.close();
    remotes?.close();
  });

  const remoteCheckedAt = async () => (await t.db.prisma.gitIntegrationConfig.findUniqueOrThrow({ where: { teamId: await teamId() } })).remoteCheckedAt;
  const teamId = async () => (await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'moves' } })).id;

  it('?refresh=true asked while a push is queued or running waits for a refresh that starts after it (one is asked for again once the push is done)', async () => {
    await t.http().post('/api/pipelines').set('authorization', auth).send({ name: `p-${Date.now()}`, definition: { steps: [] } });
    const pushed = await t.http().post('/api/git-integration/push').set('authorization', auth).send({ message: 'Another' });
    expect(pushed.status).toBe(202);
    const askedAt = new Date();
    const status = await t.http().get('/api/git-integration/status?refresh=true').set('authorization', auth);
    expect(status.status).toBe(200);
    expect((await waitForOperation(t, auth, pushed.body.data.operation_id)).status).toBe('succeeded');
    // The refresh skipped for the running push was asked for again: the view is newer than the request.
    expect((await remoteCheckedAt())?.getTime()).toBeGreaterThanOrEqual(askedAt.getTime() - 5);
  });

  it('pointing the integration at another repository measures that one now, not when the old view goes stale', async () => {
    for (let n = 1; n <= 3; n++) remotes.commit('acme/second', 'main', { [`pipelines/${pipelineId(n)}.json`]: pipelineFile(pipelineId(n), `s${n}`) }, `second ${n}`);
    const before = await t.http().get('/api/git-integration/status').set('authorization', auth);
    expect(before.body.data.remote_ahead_count).toBe(0);
    const moved = await t.http().post('/api/git-integration').set('authorization', auth).send({ repository_url: remotes.fileUrl('acme/second') });
    expect(moved.status).toBe(200);
    const after = await statusUntil(t, auth, (s) => s.remote_ahead_count === 3);
    expect(after.remote_ahead_count).toBe(3);
    expect(after.in_sync).toBe(false);
  });
});
