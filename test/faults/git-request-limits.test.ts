import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningGitCommands, startedGitCommands } from '../../src/lib/git/run.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../helpers/git-remotes.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { gitTestEnv } from '../modules/git-integration/helpers.js';

// Requests that contact a team's remote (/history when the clone lacks the branch,
// /test) run git while the client waits. Against a remote that accepts connections
// and never answers, a burst of them must not become a burst of git processes: at
// most GIT_REQUEST_CONCURRENCY_PER_TEAM per team and GIT_REQUEST_CONCURRENCY per
// process run; every other request is answered 429 with Retry-After at once.

const TOKEN = 'tok_request_limits_0123456789';
// Long enough that no hung fetch times out (freeing its slot) before a loaded machine has answered the whole burst.
const NETWORK_TIMEOUT_MS = 15_000;
const PER_TEAM = 2;
const PER_PROCESS = 3;

describe('git requests against a hanging remote', { timeout: 120_000 }, () => {
  let remotes: GitRemotes;
  let http: HttpGitServer;
  let proxy: TcpProxy;
  let t: TestApp;
  const teams: string[] = [];

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/slow', { files: { 'pipelines/README.md': 'x\n' } });
    http = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    proxy = TcpProxy.forUrl(http.url('acme/slow'));
    await proxy.start();
    t = await createTestApp({
      env: gitTestEnv({
        GIT_NETWORK_TIMEOUT_MS: String(NETWORK_TIMEOUT_MS),
        GIT_REQUEST_CONCURRENCY: String(PER_PROCESS),
        GIT_REQUEST_CONCURRENCY_PER_TEAM: String(PER_TEAM),
      }),
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' }); // one listening server for the bursts below
    for (const name of ['one', 'two', 'three', 'four']) {
      const auth = `Bearer ${await t.token({ team: `limits-${name}`, user: name, scopes: ['git:read', 'git:write'] })}`;
      const config = { provider: 'generic', repository_url: proxy.rewrite(http.url('acme/slow')), default_branch: 'main', path_prefix: 'pipelines/', credentials: { type: 'token', token: TOKEN } };
      const saved = await t.http().post('/api/git-integration').set('authorization', auth).send(config);
      expect(saved.status).toBe(200);
      teams.push(auth);
    }
  });

  afterAll(async () => {
    await t?.close();
    await proxy?.close();
    await http?.close();
    remotes?.close();
  });

  /** Sends all requests at once and samples how many `command` processes run meanwhile. */
  async function burst(command: string, requests: (() => Promise<{ status: number; headers: Record<string, string>; body: unknown }>)[]) {
    let maxRunning = 0;
    const sampler = setInterval(() => {
      maxRunning = Math.max(maxRunning, runningGitCommands(command));
    }, 5);
    try {
      const responses = await Promise.all(requests.map((send) => send()));
      return { responses, maxRunning: Math.max(maxRunning, runningGitCommands(command)) };
    } finally {
      clearInterval(sampler);
    }
  }

  const history = (auth: string) => () => t.http().get('/api/git-integration/history').set('authorization', auth);
  const probe = (auth: string) => () => t.http().post('/api/git-integration/test').set('authorization', auth).send({});

  function expectLimited(responses: { status: number; headers: Record<string, string>; body: unknown }[], limited: number) {
    const refused = responses.filter((r) => r.status === 429);
    expect(refused).toHaveLength(limited);
    for (const res of refused) {
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body).toMatchObject({ error: { code: 'rate_limited' } });
    }
  }

  it(`40 concurrent GET /history of one team start at most ${PER_TEAM} fetches; the others get 429 with Retry-After`, async () => {
    proxy.hang();
    const fetchesBefore = startedGitCommands('fetch');
    const { responses, maxRunning } = await burst('fetch', Array.from({ length: 40 }, () => history(teams[0]!)));
    expect(startedGitCommands('fetch') - fetchesBefore).toBe(PER_TEAM);
    expect(maxRunning).toBeLessThanOrEqual(PER_TEAM);
    expectLimited(responses, 40 - PER_TEAM);
    // The ones that ran waited for the network timeout and say so.
    expect(responses.filter((r) => r.status === 502)).toHaveLength(PER_TEAM);
    expect(runningGitCommands('fetch')).toBe(0);
  });

  it(`40 concurrent GET /history of four teams start at most ${PER_PROCESS} fetches in the process`, async () => {
    proxy.hang();
    const fetchesBefore = startedGitCommands('fetch');
    const { responses, maxRunning } = await burst('fetch', Array.from({ length: 40 }, (_, i) => history(teams[i % 4]!)));
    expect(startedGitCommands('fetch') - fetchesBefore).toBe(PER_PROCESS);
    expect(maxRunning).toBeLessThanOrEqual(PER_PROCESS);
    expectLimited(responses, 40 - PER_PROCESS);
  });

  it(`20 concurrent POST /test of one team start at most ${PER_TEAM} ls-remote; the others get 429`, async () => {
    proxy.hang();
    const before = startedGitCommands('ls-remote');
    const { responses, maxRunning } = await burst('ls-remote', Array.from({ length: 20 }, () => probe(teams[1]!)));
    expect(startedGitCommands('ls-remote') - before).toBe(PER_TEAM);
    expect(maxRunning).toBeLessThanOrEqual(PER_TEAM);
    expectLimited(responses, 20 - PER_TEAM);
    for (const res of responses.filter((r) => r.status === 200)) expect(res.body).toMatchObject({ data: { reachable: false } });
  });

  it('a clone fetched within GIT_HISTORY_FRESH_SECONDS answers /history without the network', async () => {
    proxy.restore();
    // The branch does not exist on the remote: the first request fetches and finds nothing.
    const first = await history(teams[2]!)().query({ branch: 'not-there' });
    expect(first.status).toBe(200);
    expect(first.body.data).toEqual([]);
    proxy.hang();
    const fetchesBefore = startedGitCommands('fetch');
    const again = await Promise.all(Array.from({ length: 10 }, () => history(teams[2]!)().query({ branch: 'not-there' })));
    expect(again.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(startedGitCommands('fetch')).toBe(fetchesBefore);
  });
});
