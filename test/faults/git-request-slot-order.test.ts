import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningGitCommands } from '../../src/lib/git/run.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { stubResolver, type StubResolver } from '../helpers/resolver.js';
import { gitTestEnv } from '../modules/git-integration/helpers.js';

// A request slot (GIT_REQUEST_CONCURRENCY_PER_TEAM) is taken before any work a burst could
// multiply: resolving the remote's host name and preparing credentials (a GitHub App
// installation token is minted there). Against a remote that accepts and never answers,
// a burst of /history resolves the name once per slot, not once per request; a config save
// that may ask GitHub waits for a slot like /test (429 when none is free).

const PER_TEAM = 2;
const HOST = 'hang.test';

describe('request slots come before name resolution and credentials', { timeout: 60_000 }, () => {
  let t: TestApp;
  let resolver: StubResolver;
  let remote: Server;
  const sockets: Socket[] = [];
  let url = '';
  let auth = '';

  beforeAll(async () => {
    // Accepts, reads and never answers.
    remote = createServer((socket) => {
      sockets.push(socket);
      socket.on('error', () => undefined).resume();
    });
    await new Promise<void>((resolve) => remote.listen(0, '127.0.0.1', resolve));
    url = `http://${HOST}:${(remote.address() as AddressInfo).port}/acme/pipes.git`;
    resolver = stubResolver({ [HOST]: ['127.0.0.1'] });
    t = await createTestApp({
      resolver,
      env: gitTestEnv({
        GIT_ALLOW_PRIVATE_HOSTS: 'false',
        GIT_ALLOWED_PRIVATE_HOSTS: HOST,
        // Long enough that no hung fetch frees its slot before a loaded machine has answered the burst.
        GIT_NETWORK_TIMEOUT_MS: '10000',
        GIT_REQUEST_CONCURRENCY_PER_TEAM: String(PER_TEAM),
        GIT_HISTORY_FRESH_SECONDS: '0',
      }),
    });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    auth = `Bearer ${await t.token({ team: 'slot-order', user: 'so', scopes: ['git:read', 'git:write'] })}`;
    const saved = await t.http().post('/api/git-integration').set('authorization', auth).send({ provider: 'generic', repository_url: url, default_branch: 'main' });
    expect(saved.status, saved.text).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => remote?.close(resolve));
  });

  const queriesFor = (from: number) => resolver.queries.slice(from).filter((name) => name === HOST).length;

  it('20 concurrent GET /history resolve the remote\'s name once per request that got a slot; the others get 429 first', async () => {
    const before = resolver.queries.length;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => t.http().get('/api/git-integration/history').query({ branch: `missing-${i}` }).set('authorization', auth)),
    );
    const slotted = responses.filter((r) => r.status !== 429);
    expect(slotted.length).toBeGreaterThanOrEqual(PER_TEAM);
    expect(slotted.length).toBeLessThanOrEqual(10); // a hung fetch holds its slot for the network timeout
    for (const res of slotted) expect(res.status).toBe(502);
    expect(queriesFor(before)).toBe(slotted.length);
  });

  it('a config save with GitHub App credentials waits for a request slot: 429 while the team has none free', async () => {
    const probes = Array.from({ length: PER_TEAM }, () => t.http().post('/api/git-integration/test').set('authorization', auth).send({}).then((r) => r));
    const deadline = Date.now() + 4000;
    while (runningGitCommands('ls-remote') < PER_TEAM && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runningGitCommands('ls-remote')).toBe(PER_TEAM);

    const withApp = await t.http().post('/api/git-integration').set('authorization', auth).send({ credentials: { type: 'github_app', installation_id: '12345' } });
    expect(withApp.status, withApp.text).toBe(429);
    expect(Number(withApp.headers['retry-after'])).toBeGreaterThan(0);
    expect(withApp.body).toMatchObject({ error: { code: 'rate_limited' } });
    // Saves that cannot involve GitHub (no App credentials sent or stored) are not held up.
    expect((await t.http().post('/api/git-integration').set('authorization', auth).send({ author_name: 'Bot' })).status).toBe(200);
    expect((await t.http().post('/api/git-integration').set('authorization', auth).send({ repository_url: url })).status).toBe(200);
    for (const probe of await Promise.all(probes)) expect(probe.body.data.reachable).toBe(false);
  });
});
