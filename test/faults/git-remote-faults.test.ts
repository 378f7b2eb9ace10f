import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../helpers/git-remotes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { gitTestEnv, waitForOperation, type Operation } from '../modules/git-integration/helpers.js';

// A team's git remote (smart HTTP behind a TCP proxy the test controls) stops
// answering, then disappears, while another team keeps pushing to a healthy remote.
// Every git command has a hard timeout, so the stuck team's operation fails in
// bounded time with a clear reason that its status shows, and the other team's
// operations are not held up behind it.

const TOKEN = 'tok_remote_faults_0123456789';
const NETWORK_TIMEOUT_MS = 5_000;

describe('a git remote that hangs or disappears', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let remotes: GitRemotes;
  let http: HttpGitServer;
  let proxy: TcpProxy;
  let t: TestApp;
  let stuck: string;
  let healthy: string;

  const post = (auth: string, path: string, body: object) => t.http().post(`/api${path}`).set('authorization', auth).send(body);
  async function operation(auth: string, kind: 'push' | 'pull', body: object = {}): Promise<string> {
    const res = await post(auth, `/git-integration/${kind}`, body);
    expect(res.status).toBe(202);
    return res.body.data.operation_id as string;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    remotes = new GitRemotes();
    remotes.createBare('acme/flaky', { files: { 'README.md': 'x\n' } });
    remotes.createBare('acme/steady', { files: { 'README.md': 'x\n' } });
    http = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    proxy = TcpProxy.forUrl(http.url('acme/flaky'));
    await proxy.start();
    t = await createTestApp({ jobs: true, database, env: gitTestEnv({ GIT_NETWORK_TIMEOUT_MS: String(NETWORK_TIMEOUT_MS), GIT_PUSH_MAX_ATTEMPTS: '1' }) });
    const scopes = ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] as const;
    stuck = `Bearer ${await t.token({ team: 'flaky-remote', user: 'fay', scopes: [...scopes] })}`;
    healthy = `Bearer ${await t.token({ team: 'steady-remote', user: 'sam', scopes: [...scopes] })}`;
    const common = { default_branch: 'main', path_prefix: 'pipelines/', author_name: 'Bot', author_email: 'bot@example.com' };
    expect((await post(stuck, '/git-integration', { ...common, provider: 'generic', repository_url: proxy.rewrite(http.url('acme/flaky')), credentials: { type: 'token', token: TOKEN } })).status).toBe(200);
    expect((await post(healthy, '/git-integration', { ...common, provider: 'generic', repository_url: remotes.fileUrl('acme/steady') })).status).toBe(200);
    for (const auth of [stuck, healthy]) {
      for (const name of ['alpha', 'beta']) expect((await post(auth, '/pipelines', { name, definition: { name } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await http?.close();
    await database?.close();
    remotes?.close();
  });

  it('a remote that accepts connections and never answers: the operation times out, the status says so, other teams carry on', async () => {
    proxy.hang();
    const started = Date.now();
    const stuckOp = await operation(stuck, 'push', { message: 'Into the void' });
    // Meanwhile the other team pushes three times, one after another.
    const steadyOps: Operation[] = [];
    for (let i = 0; i < 3; i++) {
      expect((await post(healthy, '/pipelines', { name: `steady-${i}`, definition: { i } })).status).toBe(201);
      steadyOps.push(await waitForOperation(t, healthy, await operation(healthy, 'push', { message: `steady ${i}` }), 30_000));
    }
    const failed = await waitForOperation(t, stuck, stuckOp, 60_000);
    const elapsed = Date.now() - started;

    expect(steadyOps.map((op) => op.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // Not queued behind the stuck team: the first of them was done while the stuck one still waited.
    const finishedAt = (op: Operation) => Date.parse((op as Operation & { finished_at: string }).finished_at);
    expect(finishedAt(steadyOps[0]!)).toBeLessThan(finishedAt(failed));
    expect(failed.status).toBe('failed');
    expect(failed.error).toMatch(/timed out after 5000 ms/);
    expect(failed.error).not.toContain(TOKEN);
    expect(elapsed).toBeLessThan(45_000); // bounded: a few network timeouts, not forever
    const status = (await t.http().get('/api/git-integration/status').set('authorization', stuck)).body.data;
    expect(status).toMatchObject({ in_sync: false, last_error: failed.error, active_operation: null, local_ahead_count: 2 });
  });

  it('a remote that is gone (connection refused): the operation fails fast and clearly; when it is back, the next one succeeds', async () => {
    proxy.cut();
    const started = Date.now();
    const gone = await waitForOperation(t, stuck, await operation(stuck, 'pull'), 30_000);
    expect(gone.status).toBe('failed');
    expect(gone.error).toMatch(/git fetch failed/);
    expect(gone.error).not.toContain(TOKEN);
    expect(Date.now() - started).toBeLessThan(NETWORK_TIMEOUT_MS * 3);

    proxy.restore();
    const back = await waitForOperation(t, stuck, await operation(stuck, 'push', { message: 'Back again' }), 30_000);
    expect(back).toMatchObject({ status: 'succeeded', error: null });
    expect(remotes.head('acme/flaky', 'main')).toBe(back.result.commit_sha);
    const status = (await t.http().get('/api/git-integration/status').set('authorization', stuck)).body.data;
    expect(status).toMatchObject({ in_sync: true, local_ahead_count: 0 });
  });

  it('a repository deleted on the remote: a clear failure, not a hang', async () => {
    remotes.remove('acme/flaky');
    const missing = await waitForOperation(t, stuck, await operation(stuck, 'pull'), 30_000);
    expect(missing.status).toBe('failed');
    expect(missing.error).toMatch(/git fetch failed/);
  });
});
