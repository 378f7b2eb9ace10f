import { createHmac } from 'node:crypto';
import type { Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import type { Scope } from '../../../src/lib/auth/scopes.js';
import { GitRepository } from '../../../src/lib/git/repository.js';
import { gitDepsOf } from '../../../src/modules/git-integration/git-context.js';
import { refreshRemoteView } from '../../../src/modules/git-integration/refresh/job.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// Status and history see commits pushed straight to the repository: a background refresh when
// the view is older than GIT_REMOTE_REFRESH_SECONDS, ?refresh=true, and signed provider webhooks.
// Real remotes: file:// and smart HTTP (git http-backend behind a token check).

const TOKEN = 'tok_Refresh_s3cret_0123456789abcdef';
const pipelineFile = (id: string, name: string) => `${JSON.stringify({ definition: { steps: [] }, id, name }, null, 2)}\n`;
const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const pushEvent = (branch: string) => JSON.stringify({ ref: `refs/heads/${branch}`, after: 'f'.repeat(40) });

interface Team {
  auth: string;
  get: (path: string) => Promise<{ status: number; body: { data: Record<string, unknown>; error?: { message: string } }; text: string }>;
  post: (path: string, body?: object) => Promise<{ status: number; body: { data: Record<string, unknown> }; text: string }>;
}

async function team(t: TestApp, name: string, scopes: Scope[] = ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'], user = `${name}-user`): Promise<Team> {
  const auth = `Bearer ${await t.token({ team: name, user, scopes })}`;
  return {
    auth,
    get: (path) => t.http().get(`/api${path}`).set('authorization', auth) as never,
    post: (path, body) => (body === undefined ? t.http().post(`/api${path}`).set('authorization', auth) : t.http().post(`/api${path}`).set('authorization', auth).send(body)) as never,
  };
}

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function configureAndPush(t: TestApp, who: Team, repositoryUrl: string, credentials: object | null) {
  expect((await who.post('/git-integration', { enabled: true, provider: 'github', repository_url: repositoryUrl, path_prefix: 'pipelines/', credentials })).status).toBe(200);
  expect((await who.post('/pipelines', { name: 'first', definition: { steps: [] } })).status).toBe(201);
  const pushed = await who.post('/git-integration/push', { message: 'Export' });
  expect(pushed.status).toBe(202);
  expect((await waitForOperation(t, who.auth, pushed.body.data.operation_id as string)).status).toBe('succeeded');
}

describe('remote refresh: a file:// remote, GIT_REMOTE_REFRESH_SECONDS=1', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let acme: Team;

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    t = await createTestApp({ jobs: true, env: gitTestEnv({ GIT_REMOTE_REFRESH_SECONDS: '1' }) });
    acme = await team(t, 'refresh-file');
    await configureAndPush(t, acme, remotes.fileUrl('acme/pipes'), null);
  });

  afterAll(async () => {
    await t?.close();
    remotes?.close();
  });

  it('a commit pushed straight to the repository shows in status within the refresh window, and in history', async () => {
    const before = (await acme.get('/git-integration/status')).body.data;
    expect(before).toMatchObject({ remote_ahead_count: 0, in_sync: true });
    const sha = remotes.commit('acme/pipes', 'main', { 'pipelines/pl_01jqzzzzzzzzzzzzzzzzzzzzzz.json': pipelineFile('pl_01jqzzzzzzzzzzzzzzzzzzzzzz', 'teammate') }, 'Teammate edit');

    // Reading status is what queues the refresh; the read itself answers at once from the database.
    const seen = await eventually(async () => (await acme.get('/git-integration/status')).body.data, (s) => s.remote_ahead_count === 1, 15_000);
    expect(seen).toMatchObject({ remote_ahead_count: 1, in_sync: false });
    expect(Date.parse(seen.remote_checked_at as string)).toBeGreaterThan(Date.parse(before.remote_checked_at as string));

    const history = await acme.get('/git-integration/history');
    expect(history.status).toBe(200);
    expect((history.body.data as unknown as { sha: string }[])[0]).toMatchObject({ sha, pipeline_ids_touched: ['pl_01jqzzzzzzzzzzzzzzzzzzzzzz'] });
  });

  it('?refresh=true waits for a view fetched after the request, for status and for history', async () => {
    const sha = remotes.commit('acme/pipes', 'main', { 'pipelines/pl_01jqyyyyyyyyyyyyyyyyyyyyyy.json': pipelineFile('pl_01jqyyyyyyyyyyyyyyyyyyyyyy', 'second') }, 'Second edit');
    const asked = Date.now();
    const status = await acme.get('/git-integration/status?refresh=true');
    expect(status.status).toBe(200);
    expect(status.body.data).toMatchObject({ remote_ahead_count: 2 });
    expect(Date.parse(status.body.data.remote_checked_at as string)).toBeGreaterThanOrEqual(asked - 1000);

    const third = remotes.commit('acme/pipes', 'main', { 'pipelines/pl_01jqxxxxxxxxxxxxxxxxxxxxxx.json': pipelineFile('pl_01jqxxxxxxxxxxxxxxxxxxxxxx', 'third') }, 'Third edit');
    const history = await acme.get('/git-integration/history?refresh=true');
    expect(history.status).toBe(200);
    expect((history.body.data as unknown as { sha: string }[]).map((c) => c.sha).slice(0, 2)).toEqual([third, sha]);
    expect((await acme.get('/git-integration/status?refresh=nope')).status).toBe(400);
  });

  it('a pull brings the view back in sync', async () => {
    const pulled = await acme.post('/git-integration/pull', { strategy: 'theirs' });
    expect((await waitForOperation(t, acme.auth, pulled.body.data.operation_id as string)).status).toBe('succeeded');
    expect((await acme.get('/git-integration/status')).body.data).toMatchObject({ remote_ahead_count: 0, local_ahead_count: 0, in_sync: true });
  });
});

describe('webhooks: a smart-HTTP remote, refresh only on demand (GIT_REMOTE_REFRESH_SECONDS=3600)', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let server: HttpGitServer;
  let acme: Team;
  let other: Team;
  let reader: Team;
  let hook: { hook_id: string; secret: string; paths: Record<string, string> };
  let otherHook: { hook_id: string; secret: string };

  const deliver = (provider: string, hookId: string, body: string, headers: Record<string, string>) => {
    const req = t.http().post(`/api/git-integration/webhooks/${provider}?hook_id=${encodeURIComponent(hookId)}`).set('content-type', 'application/json');
    for (const [name, value] of Object.entries(headers)) void req.set(name, value);
    return req.send(body);
  };
  const status = async () => (await acme.get('/git-integration/status')).body.data;
  const teammateCommit = (id: string) =>
    remotes.commit('acme/pipes', 'main', { [`pipelines/${id}.json`]: pipelineFile(id, `teammate ${id.slice(-4)}`) }, `Teammate ${id}`);

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    remotes.createBare('other/pipes', { files: { 'README.md': '# other\n' } });
    server = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    t = await createTestApp({ jobs: true, env: gitTestEnv({ GIT_REMOTE_REFRESH_SECONDS: '3600' }) });
    acme = await team(t, 'hook-acme');
    reader = await team(t, 'hook-acme', ['git:read'], 'hook-acme-reader');
    other = await team(t, 'hook-other');
    await configureAndPush(t, acme, server.url('acme/pipes'), { type: 'token', token: TOKEN });
    await configureAndPush(t, other, server.url('other/pipes'), { type: 'token', token: TOKEN });
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
    remotes?.close();
  });

  it('generates a webhook secret shown once; git:write only; 409 without an integration', async () => {
    const res = await acme.post('/git-integration/webhook');
    expect(res.status).toBe(201);
    hook = res.body.data as typeof hook;
    expect(hook.secret).toMatch(/^[0-9a-f]{64}$/);
    expect(hook.paths.github).toBe(`/api/git-integration/webhooks/github?hook_id=${hook.hook_id}`);
    const config = await acme.get('/git-integration');
    expect(config.body.data).toMatchObject({ webhook_id: hook.hook_id, auto_pull: false, auto_pull_strategy: 'merge' });
    expect(config.text).not.toContain(hook.secret);
    otherHook = (await other.post('/git-integration/webhook')).body.data as typeof otherHook;

    expect((await reader.post('/git-integration/webhook')).status).toBe(403);
    expect((await t.http().post('/api/git-integration/webhook')).status).toBe(401);
    const nobody = await team(t, 'hook-unconfigured');
    expect((await nobody.post('/git-integration/webhook')).status).toBe(409);
  });

  it('a forged or misaddressed delivery is 401 and changes nothing', async () => {
    const before = await status();
    teammateCommit('pl_01jqfffffffffffffffffffffa');
    const body = pushEvent('main');
    const forged = [
      await deliver('github', hook.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign('not-the-secret', body) }),
      await deliver('github', hook.hook_id, body, { 'x-github-event': 'push' }),
      await deliver('github', hook.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, `${body} `) }),
      await deliver('gitlab', hook.hook_id, body, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': `${hook.secret}x` }),
      await deliver('bitbucket', hook.hook_id, body, { 'x-event-key': 'repo:push', 'x-hub-signature': sign(otherHook.secret, body) }),
      // Another team's id with this team's valid secret, and an id that does not exist: the same answer.
      await deliver('github', otherHook.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) }),
      await deliver('github', 'gitwh_00000000000000000000000000', body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) }),
      await deliver('github', '', body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) }),
    ];
    for (const res of forged) {
      expect(res.status).toBe(401);
      expect(res.body.error.message).toBe(forged[0]!.body.error.message);
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await status()).toMatchObject({ remote_ahead_count: 0, remote_checked_at: before.remote_checked_at });
  });

  it('a signed GitHub delivery refreshes the view at once', async () => {
    const body = pushEvent('main');
    const res = await deliver('github', hook.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) });
    expect(res.status).toBe(202);
    expect(res.body.data).toEqual({ refresh_queued: true, pull_operation_id: null });
    const seen = await eventually(status, (s) => s.remote_ahead_count === 1, 10_000);
    expect(seen).toMatchObject({ remote_ahead_count: 1, in_sync: false });
  });

  it('GitLab (X-Gitlab-Token) and Bitbucket (X-Hub-Signature) deliveries are verified their way', async () => {
    teammateCommit('pl_01jqfffffffffffffffffffffb');
    const body = pushEvent('main');
    const gitlab = await deliver('gitlab', hook.hook_id, body, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': hook.secret });
    expect(gitlab.status).toBe(202);
    expect((await eventually(status, (s) => s.remote_ahead_count === 2, 10_000)).remote_ahead_count).toBe(2);

    teammateCommit('pl_01jqfffffffffffffffffffffc');
    const bitbucket = JSON.stringify({ push: { changes: [{ new: { type: 'branch', name: 'main' } }] } });
    const res = await deliver('bitbucket', hook.hook_id, bitbucket, { 'x-event-key': 'repo:push', 'x-hub-signature': sign(hook.secret, bitbucket) });
    expect(res.status).toBe(202);
    expect((await eventually(status, (s) => s.remote_ahead_count === 3, 10_000)).remote_ahead_count).toBe(3);
    // The other team's view was never touched by any of this.
    expect((await other.get('/git-integration/status')).body.data).toMatchObject({ remote_ahead_count: 0 });
  });

  it('a replayed delivery (same provider delivery id for the same hook) is 202 and does nothing; ids are kept 24 hours', async () => {
    const body = pushEvent('main');
    const id = '72d3162e-cc78-11e3-81ab-4c9367dc0958';
    const github = { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body), 'x-github-delivery': id };
    expect((await deliver('github', hook.hook_id, body, github)).body.data).toEqual({ refresh_queued: true, pull_operation_id: null });
    const replayed = await deliver('github', hook.hook_id, body, github);
    expect(replayed.status).toBe(202);
    expect(replayed.body.data).toEqual({ refresh_queued: false, pull_operation_id: null });

    const gitlab = { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': hook.secret, 'x-gitlab-event-uuid': 'b1f3a1c2-0000-4000-8000-00000000000a' };
    expect((await deliver('gitlab', hook.hook_id, body, gitlab)).body.data).toMatchObject({ refresh_queued: true });
    expect((await deliver('gitlab', hook.hook_id, body, gitlab)).body.data).toMatchObject({ refresh_queued: false });
    const bitbucket = { 'x-event-key': 'repo:push', 'x-hub-signature': sign(hook.secret, body), 'x-request-uuid': 'b1f3a1c2-0000-4000-8000-00000000000b' };
    expect((await deliver('bitbucket', hook.hook_id, body, bitbucket)).body.data).toMatchObject({ refresh_queued: true });
    expect((await deliver('bitbucket', hook.hook_id, body, bitbucket)).body.data).toMatchObject({ refresh_queued: false });

    // The same id for another hook is that hook's own delivery.
    const forOther = { 'x-github-event': 'push', 'x-hub-signature-256': sign(otherHook.secret, body), 'x-github-delivery': id };
    expect((await deliver('github', otherHook.hook_id, body, forOther)).body.data).toMatchObject({ refresh_queued: true });

    // After 24 hours the id is forgotten, and the other hook's expired row is pruned by the next delivery.
    await t.db.prisma.$executeRaw`UPDATE git_webhook_deliveries SET received_at = now() - interval '25 hours' WHERE delivery_id = ${id}`;
    expect((await deliver('github', hook.hook_id, body, github)).body.data).toMatchObject({ refresh_queued: true });
    const rows = await t.db.prisma.$queryRaw<{ hook_id: string }[]>`SELECT hook_id FROM git_webhook_deliveries WHERE delivery_id = ${id}`;
    expect(rows).toEqual([{ hook_id: hook.hook_id }]);
  });

  it('a delivery whose work failed (500) is not remembered as seen: its redelivery with the same id runs', async () => {
    const body = pushEvent('main');
    const github = { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body), 'x-github-delivery': '5f1c0a4e-0000-4000-8000-00000000000c' };
    const enqueue = vi.spyOn(t.jobs!, 'enqueue').mockRejectedValueOnce(new Error('queue unavailable'));
    try {
      expect((await deliver('github', hook.hook_id, body, github)).status).toBe(500);
    } finally {
      enqueue.mockRestore();
    }
    const redelivered = await deliver('github', hook.hook_id, body, github);
    expect(redelivered.status).toBe(202);
    expect(redelivered.body.data).toEqual({ refresh_queued: true, pull_operation_id: null });
    // Done this time, so remembered.
    expect((await deliver('github', hook.hook_id, body, github)).body.data).toEqual({ refresh_queued: false, pull_operation_id: null });
  });

  it('auto_pull: a signed push to the synced branch queues a pull with the configured strategy', async () => {
    expect((await acme.post('/git-integration', { auto_pull: true, auto_pull_strategy: 'theirs' })).body.data).toMatchObject({ auto_pull: true, auto_pull_strategy: 'theirs' });
    const otherBranch = pushEvent('feature/x');
    const ignored = await deliver('github', hook.hook_id, otherBranch, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, otherBranch) });
    expect(ignored.body.data).toEqual({ refresh_queued: true, pull_operation_id: null });

    const body = pushEvent('main');
    const res = await deliver('github', hook.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) });
    expect(res.status).toBe(202);
    const pullId = res.body.data.pull_operation_id as string;
    expect(pullId).toMatch(/^gitop_/);
    const op = await waitForOperation(t, acme.auth, pullId);
    expect(op).toMatchObject({ status: 'succeeded', result: { strategy: 'theirs' } });
    expect(op.result.created).toHaveLength(3);
    expect(await status()).toMatchObject({ remote_ahead_count: 0, local_ahead_count: 0, in_sync: true });
  });

  it('auto_pull: a pull that could not be queued (500) is queued by the redelivery of the same delivery id', async () => {
    const body = pushEvent('main');
    const github = { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body), 'x-github-delivery': '5f1c0a4e-0000-4000-8000-00000000000d' };
    const enqueue = vi.spyOn(t.jobs!, 'enqueue').mockRejectedValueOnce(new Error('queue unavailable'));
    try {
      expect((await deliver('github', hook.hook_id, body, github)).status).toBe(500);
    } finally {
      enqueue.mockRestore();
    }
    const redelivered = await deliver('github', hook.hook_id, body, github);
    expect(redelivered.status).toBe(202);
    const pullId = redelivered.body.data.pull_operation_id as string;
    expect(pullId).toMatch(/^gitop_/);
    expect((await waitForOperation(t, acme.auth, pullId)).status).toBe('succeeded');
  });

  it('auto_pull reads the branch of a form-encoded GitHub delivery (payload=<JSON>), signed over the raw body', async () => {
    const form = (branch: string) => `payload=${encodeURIComponent(pushEvent(branch))}`;
    const headers = (body: string) => ({ 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) });
    const otherBranch = form('other-branch');
    const ignored = await deliver('github', hook.hook_id, otherBranch, headers(otherBranch));
    expect(ignored.status).toBe(202);
    expect(ignored.body.data).toEqual({ refresh_queued: true, pull_operation_id: null });

    const synced = form('main');
    const res = await deliver('github', hook.hook_id, synced, headers(synced));
    expect(res.status).toBe(202);
    const pullId = res.body.data.pull_operation_id as string;
    expect(pullId).toMatch(/^gitop_/);
    expect((await waitForOperation(t, acme.auth, pullId)).status).toBe('succeeded');
    // The signature still covers the exact bytes: the same payload signed as JSON does not pass as the form.
    expect((await deliver('github', hook.hook_id, synced, headers(pushEvent('main')))).status).toBe(401);
  });

  it('auto_pull: a burst of 25 push deliveries (distinct ids, or none) joins one waiting pull; the team can still push', async () => {
    const teamId = (await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'hook-acme' } })).id;
    // Fetches wait until the burst is answered: the first pull cannot finish meanwhile.
    const fetch = GitRepository.prototype.fetch;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const spy = vi.spyOn(GitRepository.prototype, 'fetch').mockImplementation(async function (this: GitRepository, ...args: Parameters<GitRepository['fetch']>) {
      await held;
      return fetch.apply(this, args);
    });
    const ids = new Set<string>();
    let pushId: string;
    try {
      const body = pushEvent('main');
      const headers = (i: number) => ({
        'x-github-event': 'push',
        'x-hub-signature-256': sign(hook.secret, body),
        ...(i % 2 ? { 'x-github-delivery': `9a0b1c2d-0000-4000-8000-${String(i).padStart(12, '0')}` } : {}),
      });
      const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => deliver('github', hook.hook_id, body, headers(i))));
      for (const res of answers) {
        expect(res.status).toBe(202);
        expect(res.body.data.pull_operation_id).toMatch(/^gitop_/);
        ids.add(res.body.data.pull_operation_id as string);
      }
      // One pull that may have started before the last deliveries, and at most one waiting behind it.
      expect(ids.size).toBeLessThanOrEqual(2);
      const unfinished = await t.db.prisma.gitOperation.findMany({ where: { teamId, status: { in: ['queued', 'running'] } }, select: { kind: true, status: true } });
      expect(unfinished.filter((op) => op.status === 'queued').length).toBeLessThanOrEqual(1);
      expect(unfinished.length).toBeLessThanOrEqual(2);

      const pushed = await acme.post('/git-integration/push', { message: 'After the burst' });
      expect(pushed.status).toBe(202);
      pushId = pushed.body.data.operation_id as string;
    } finally {
      release();
      spy.mockRestore();
    }
    for (const id of ids) expect((await waitForOperation(t, acme.auth, id)).status).toBe('succeeded');
    expect((await waitForOperation(t, acme.auth, pushId)).status).toBe('succeeded');
  });

  it('a removed webhook answers 401; generating again replaces id and secret', async () => {
    const again = (await acme.post('/git-integration/webhook')).body.data as typeof hook;
    expect(again.hook_id).not.toBe(hook.hook_id);
    const body = pushEvent('main');
    expect((await deliver('github', hook.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(hook.secret, body) })).status).toBe(401);
    expect((await deliver('github', again.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(again.secret, body) })).status).toBe(202);
    expect((await t.http().delete('/api/git-integration/webhook').set('authorization', acme.auth)).status).toBe(204);
    expect((await deliver('github', again.hook_id, body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(again.secret, body) })).status).toBe(401);
    expect((await acme.get('/git-integration')).body.data).toMatchObject({ webhook_id: null });
  });
});

describe('webhook refusals count as failed authentications (AUTH_FAILURES_PER_MINUTE=3); bodies over 1 MB are 413', { timeout: 60_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let acme: Team;
  let hook: { hook_id: string; secret: string };

  const deliver = (hookId: string, body: string, signature: string) =>
    t
      .http()
      .post(`/api/git-integration/webhooks/github?hook_id=${encodeURIComponent(hookId)}`)
      .set('content-type', 'application/json')
      .set('x-github-event', 'push')
      .set('x-hub-signature-256', signature)
      .send(body);

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    t = await createTestApp({ env: gitTestEnv({ RATE_LIMITS: 'on', AUTH_FAILURES_PER_MINUTE: '3' }) });
    acme = await team(t, 'hook-limits');
    expect((await acme.post('/git-integration', { enabled: true, provider: 'github', repository_url: remotes.fileUrl('acme/pipes'), credentials: null })).status).toBe(200);
    hook = (await acme.post('/git-integration/webhook')).body.data as typeof hook;
  });

  afterAll(async () => {
    await t?.close();
    remotes?.close();
  });

  it('a signed delivery over 1 MB is 413; one at 1 MB is accepted', async () => {
    const big = JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(1024 * 1024) });
    const tooBig = await deliver(hook.hook_id, big, sign(hook.secret, big));
    expect(tooBig.status).toBe(413);
    const fits = JSON.stringify({ ref: 'refs/heads/main', padding: 'x'.repeat(1024 * 1024 - 64) });
    expect((await deliver(hook.hook_id, fits, sign(hook.secret, fits))).status).toBe(202);
  });

  it('failed signatures and failed Bearer tokens share one per-address budget; beyond it 429 with Retry-After; a valid signature still passes', async () => {
    const body = pushEvent('main');
    expect((await t.http().get('/api/git-integration').set('authorization', 'Bearer at_not_a_real_token')).status).toBe(401);
    expect((await deliver(hook.hook_id, body, sign('wrong', body))).status).toBe(401);
    expect((await deliver('gitwh_unknown', body, sign(hook.secret, body))).status).toBe(401);
    const limited = await deliver(hook.hook_id, body, sign('wrong', body));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect((await t.http().get('/api/git-integration').set('authorization', 'Bearer at_not_a_real_token')).status).toBe(429);
    expect((await deliver(hook.hook_id, body, sign(hook.secret, body))).status).toBe(202);
  });
});

describe('a refresh and a push of one team take turns in the clone', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let acme: Team;

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    t = await createTestApp({ jobs: true, env: gitTestEnv() });
    acme = await team(t, 'clone-turns');
    await configureAndPush(t, acme, remotes.fileUrl('acme/pipes'), null);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await t?.close();
    remotes?.close();
  });

  it('a push submitted while a refresh is fetching waits for it; both succeed, round after round', async () => {
    const teamId = (await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'clone-turns' } })).id;
    // Every fetch into the clone is counted; the refresh's fetch of each round is held open until
    // the push is running, which is when, without turns, the push's own fetch would start beside it.
    const fetch = GitRepository.prototype.fetch;
    let active = 0;
    let mostAtOnce = 0;
    let holdNext: { entered: () => void; held: Promise<void> } | null = null;
    vi.spyOn(GitRepository.prototype, 'fetch').mockImplementation(async function (this: GitRepository, ...args: Parameters<GitRepository['fetch']>) {
      active++;
      mostAtOnce = Math.max(mostAtOnce, active);
      try {
        const hold = holdNext;
        holdNext = null;
        if (hold) {
          hold.entered();
          await hold.held;
        }
        return await fetch.apply(this, args);
      } finally {
        active--;
      }
    });

    for (let round = 1; round <= 4; round++) {
      expect((await acme.post('/pipelines', { name: `round ${round}`, definition: { steps: [] } })).status).toBe(201);
      let release!: () => void;
      let entered!: () => void;
      const inFetch = new Promise<void>((resolve) => (entered = resolve));
      holdNext = { entered, held: new Promise<void>((resolve) => (release = resolve)) };
      const refresh = refreshRemoteView(gitDepsOf(t.app), teamId, t.app.log as unknown as Logger);
      await inFetch;

      const pushed = await acme.post('/git-integration/push', { message: `Round ${round}` });
      expect(pushed.status).toBe(202);
      const opId = pushed.body.data.operation_id as string;
      await eventually(async () => (await acme.get(`/git-integration/operations/${opId}`)).body.data.status, (s) => s !== 'queued', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      await refresh;

      expect((await waitForOperation(t, acme.auth, opId)).status).toBe('succeeded');
      const row = await t.db.prisma.gitIntegrationConfig.findUniqueOrThrow({ where: { teamId }, select: { remoteCheckError: true, remoteCheckedAt: true } });
      expect(row).toMatchObject({ remoteCheckError: null, remoteCheckedAt: expect.any(Date) });
    }
    expect(mostAtOnce).toBe(1);
  });
});
