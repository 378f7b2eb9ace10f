import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../helpers/git-remotes.js';
import { gitTestEnv, waitForOperation } from '../modules/git-integration/helpers.js';

// Operations of one team run one at a time, in order. Two teams with a backlog of
// slow pulls must not hold a third team's push until their backlogs are done: a
// team's n-th waiting operation ranks behind every other team's first. And a team
// cannot queue without bound (GIT_MAX_QUEUED_OPERATIONS, then 429).

const TOKEN = 'tok_queue_fairness_0123456789';
const REMOTE_DELAY_MS = 1_500;
const PULLS_PER_TEAM = 4;
const WORKERS = 2;

type Op = { id: string; status: string; created_at: string; started_at: string | null; finished_at: string | null };

/** Smart HTTP that waits before answering each request: a slow remote. */
async function startSlowProxy(target: HttpGitServer): Promise<{ url(name: string): string; close(): Promise<void> }> {
  const upstream = new URL(target.url('x'));
  const server: Server = createServer((req, res) => {
    setTimeout(() => {
      const forward = request({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    }, REMOTE_DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('git operations of several teams', { timeout: 180_000 }, () => {
  let remotes: GitRemotes;
  let http: HttpGitServer;
  let slow: Awaited<ReturnType<typeof startSlowProxy>>;
  let t: TestApp;
  const auth: Record<'busyA' | 'busyB' | 'quiet', string> = { busyA: '', busyB: '', quiet: '' };

  const post = (who: string, path: string, body: object) => t.http().post(`/api${path}`).set('authorization', who).send(body);
  const operation = async (who: string, id: string) => (await t.http().get(`/api/git-integration/operations/${id}`).set('authorization', who)).body.data as Op;

  beforeAll(async () => {
    remotes = new GitRemotes();
    for (const name of ['busy-a', 'busy-b', 'quiet']) remotes.createBare(`acme/${name}`, { files: { 'pipelines/README.md': 'x\n' } });
    http = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    slow = await startSlowProxy(http);
    t = await createTestApp({ jobs: true, env: gitTestEnv({ GIT_OPERATION_WORKERS: String(WORKERS), GIT_MAX_QUEUED_OPERATIONS: String(PULLS_PER_TEAM) }) });
    const scopes = ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] as const;
    const common = { provider: 'generic', default_branch: 'main', path_prefix: 'pipelines/', author_name: 'Bot', author_email: 'bot@example.com' };
    for (const [key, name] of [['busyA', 'busy-a'], ['busyB', 'busy-b'], ['quiet', 'quiet']] as const) {
      auth[key] = `Bearer ${await t.token({ team: `queue-${name}`, user: name, scopes: [...scopes] })}`;
      const repositoryUrl = key === 'quiet' ? remotes.fileUrl(`acme/${name}`) : slow.url(`acme/${name}`);
      const saved = await post(auth[key], '/git-integration', { ...common, repository_url: repositoryUrl, ...(key === 'quiet' ? {} : { credentials: { type: 'token', token: TOKEN } }) });
      expect(saved.status).toBe(200);
    }
    expect((await post(auth.quiet, '/pipelines', { name: 'alpha', definition: { name: 'alpha' } })).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await slow?.close();
    await http?.close();
    remotes?.close();
  });

  it('a third team\'s push starts before the busy teams\' backlogs, each team keeps its order, and a full queue is 429', async () => {
    // Two teams queue their backlogs, interleaved as they would arrive.
    const backlog: Record<'busyA' | 'busyB', string[]> = { busyA: [], busyB: [] };
    for (let i = 0; i < PULLS_PER_TEAM; i++) {
      for (const team of ['busyA', 'busyB'] as const) {
        const res = await post(auth[team], '/git-integration/pull', {});
        expect(res.status).toBe(202);
        backlog[team].push(res.body.data.operation_id as string);
      }
    }
    // At the cap: the next one is refused at once, in the platform dialect.
    const refused = await post(auth.busyA, '/git-integration/pull', {});
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: { code: 'rate_limited' } });

    const pushed = await post(auth.quiet, '/git-integration/push', { message: 'Quiet push' });
    expect(pushed.status).toBe(202);
    const push = await waitForOperation(t, auth.quiet, pushed.body.data.operation_id as string, 60_000);
    expect(push.status).toBe('succeeded');

    const ops: Record<'busyA' | 'busyB', Op[]> = { busyA: [], busyB: [] };
    for (const team of ['busyA', 'busyB'] as const) {
      for (const id of backlog[team]) ops[team].push(await waitForOperation(t, auth[team], id, 90_000).then(() => operation(auth[team], id)));
    }
    const quiet = await operation(auth.quiet, push.id);
    const at = (value: string | null) => Date.parse(value!);
    // With two workers held by the busy teams, the push took the first worker that came free:
    // before either busy team's third pull (first come, first served would have put it last).
    expect(at(quiet.started_at)).toBeLessThan(at(ops.busyA[2]!.started_at));
    expect(at(quiet.started_at)).toBeLessThan(at(ops.busyB[2]!.started_at));
    // Each team: one at a time, in submission order.
    for (const team of ['busyA', 'busyB'] as const) {
      expect(ops[team].map((op) => op.status)).toEqual(Array(PULLS_PER_TEAM).fill('succeeded'));
      for (let i = 1; i < PULLS_PER_TEAM; i++) expect(at(ops[team][i]!.started_at)).toBeGreaterThanOrEqual(at(ops[team][i - 1]!.finished_at));
    }
    // Finished operations free the team's queue again.
    expect((await post(auth.busyA, '/git-integration/pull', {})).status).toBe(202);
  });
});
