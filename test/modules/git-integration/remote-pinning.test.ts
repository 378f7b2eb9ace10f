import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { stubResolver, type StubResolver } from '../../helpers/resolver.js';
import { REFUSED_HOST_ISSUE } from '../../../src/lib/net/remote-target.js';
import { cloneDir } from '../../../src/modules/git-integration/git-context.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// Findings 2 and 3 of issue 11 end to end, against a real smart-HTTP remote on
// 127.0.0.1 that records every Authorization header it receives:
// - the URL parser differential (`http://github.com\@127.0.0.1:PORT/x.git`) never
//   carries a saved token to that server, whether typed in or stored before the fix;
// - git connects exactly where the check said (pinned), the check runs again at
//   every use, and a refused host answers the same whatever its port;
// - a saved token does not follow the URL to another host.
// Private addresses are allowed only for the two names listed here
// (GIT_ALLOWED_PRIVATE_HOSTS), as an operator would for an internal Gitea: 127.0.0.1 reached
// under any other name stays refused.

const TOKEN = 'tok_Pinning_s3cret_0123456789';
const NEW_TOKEN = 'tok_Pinning_other_9876543210';

describe('repository URLs and host names end to end (issue 11, findings 2 and 3)', { timeout: 90_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let server: HttpGitServer;
  let resolver: StubResolver;
  let port: number;
  let listener: Server;
  let listenerPort: number;
  const accepted: Socket[] = [];

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    server = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw', [NEW_TOKEN]: 'rw' });
    port = Number(new URL(server.url('x')).port);
    // A second listening port: a refused host must answer the same for it as for a closed one.
    listener = createServer((socket) => accepted.push(socket.end()));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as AddressInfo).port;
    resolver = stubResolver({
      'remote.test': ['127.0.0.1'],
      'alias.test': ['127.0.0.1'],
      'inside.test': ['127.0.0.1'],
      'ten.test': ['10.0.0.7'],
      'metadata.test': ['169.254.169.254'],
      'v6-loopback.test': ['::1'],
      'mapped.test': ['::ffff:127.0.0.1'],
      'mixed.test': ['140.82.112.3', '127.0.0.1'],
    });
    t = await createTestApp({
      jobs: true,
      resolver,
      env: gitTestEnv({ GIT_ALLOW_PRIVATE_HOSTS: 'false', GIT_ALLOWED_PRIVATE_HOSTS: 'remote.test,alias.test' }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
    await new Promise((resolve) => listener?.close(resolve));
    remotes?.close();
  });

  const authFor = async (team: string) => `Bearer ${await t.token({ team, user: 'pin', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
  const post = (auth: string, path: string, body?: object) => t.http().post(`/api${path}`).set('authorization', auth).send(body);
  const tokenSeen = (token: string) => server.authorizations.some((header) => Buffer.from(header.replace(/^Basic /, ''), 'base64').toString().includes(token));
  const push = async (auth: string) => {
    const res = await post(auth, '/git-integration/push', { branch: 'main', message: 'sync' });
    expect(res.status, res.text).toBe(202);
    return waitForOperation(t, auth, res.body.data.operation_id);
  };

  it('finding 2: the backslash URL is refused on save and on /test, and the token never reaches 127.0.0.1', async () => {
    const auth = await authFor('pin-backslash');
    const before = server.authorizations.length;
    for (const url of [
      `http://github.com\\@127.0.0.1:${port}/acme/pipes.git`,
      `http://remote.test\\@127.0.0.1:${port}/acme/pipes.git`,
      `http://github.com%2f@127.0.0.1:${port}/acme/pipes.git`,
      `http://github.com%40127.0.0.1:${port}/acme/pipes.git`,
      `http://github.com@127.0.0.1:${port}/acme/pipes.git`,
      `http://user@@127.0.0.1:${port}/acme/pipes.git`,
      `http://github.com\t@127.0.0.1:${port}/acme/pipes.git`,
    ]) {
      const saved = await post(auth, '/git-integration', { provider: 'generic', repository_url: url, credentials: { type: 'token', token: TOKEN } });
      expect(saved.status, url).toBe(400);
      expect(saved.body.error.details).toEqual([{ field: 'body.repository_url', issue: expect.any(String) }]);
      const tested = await post(auth, '/git-integration/test', { repository_url: url, credentials: { type: 'token', token: TOKEN } });
      expect(tested.status, url).toBe(400);
      expect(JSON.stringify([saved.body, tested.body])).not.toContain(TOKEN);
    }
    expect(server.authorizations.length).toBe(before);
  });

  it('finding 2: a backslash URL stored before the fix is refused at every use (409 / failed operation), its token unsent', async () => {
    const auth = await authFor('pin-stored');
    const good = `http://alias.test:${port}/acme/pipes.git`;
    const saved = await post(auth, '/git-integration', { provider: 'generic', repository_url: good, credentials: { type: 'token', token: TOKEN } });
    expect(saved.status, saved.text).toBe(200);
    const hostile = `http://github.com\\@127.0.0.1:${port}/acme/pipes.git`;
    // As a row written by an older version would be: the token is stored with the hostile URL.
    expect((await t.db.prisma.gitIntegrationConfig.updateMany({ where: { repositoryUrl: good }, data: { repositoryUrl: hostile } })).count).toBe(1);
    const before = server.authorizations.length;

    const tested = await post(auth, '/git-integration/test', {});
    expect(tested.status, tested.text).toBe(409);
    expect(tested.body.error.message).toMatch(/saved repository_url .*backslash/);
    const history = await t.http().get('/api/git-integration/history').set('authorization', auth);
    expect(history.status, history.text).toBe(409);
    const op = await push(auth);
    expect(op.status).toBe('failed');
    expect(op.error).toMatch(/saved repository_url .*backslash/);
    expect(server.authorizations.length).toBe(before);
    expect(tokenSeen(TOKEN) && server.authorizations.slice(before).length > 0).toBe(false);
  });

  it('finding 3: git connects to the checked address (a name only the stub knows), resolved again for every operation', async () => {
    const auth = await authFor('pin-remote');
    const answers: string[][] = [];
    resolver.set('remote.test', () => answers.shift() ?? ['127.0.0.1']);
    const url = `http://remote.test:${port}/acme/pipes.git`;
    const saved = await post(auth, '/git-integration', { provider: 'generic', repository_url: url, credentials: { type: 'token', token: TOKEN } });
    expect(saved.status, saved.text).toBe(200);

    // The system resolver has never heard of remote.test: reaching the server proves the pin.
    const queries = resolver.queries.length;
    const ok = await post(auth, '/git-integration/test', {});
    expect(ok.body.data).toMatchObject({ reachable: true, permissions: ['read', 'write'] });
    expect(resolver.queries.slice(queries)).toEqual(['remote.test']);
    expect(tokenSeen(TOKEN)).toBe(true);
    expect((await push(auth)).status).toBe('succeeded');

    // The next answer moves the name to an address where nothing listens: the next operation
    // goes exactly there (and fails), nothing cached from the previous check.
    answers.push(['127.0.0.2']);
    const moved = await post(auth, '/git-integration/test', {});
    expect(moved.body.data.reachable).toBe(false);
    expect(moved.body.data.reason).toMatch(/127\.0\.0\.2|couldn't connect|failed to connect|connection refused/i);
    // And back: a later operation resolves again.
    expect((await post(auth, '/git-integration/test', {})).body.data.reachable).toBe(true);
  });

  it('finding 3: a name that resolves inside after it was saved is refused at use, before any connection (rebinding)', async () => {
    const auth = await authFor('pin-rebind');
    const answers = [['140.82.112.3']];
    resolver.set('rebind.test', () => answers.shift() ?? ['127.0.0.1']);
    const saved = await post(auth, '/git-integration', {
      provider: 'generic',
      repository_url: `http://rebind.test:${port}/acme/pipes.git`,
      credentials: { type: 'token', token: NEW_TOKEN },
    });
    expect(saved.status, saved.text).toBe(200);
    const before = server.authorizations.length;
    const tested = await post(auth, '/git-integration/test', {});
    expect(tested.status).toBe(409);
    expect(tested.body.error.message).toContain(REFUSED_HOST_ISSUE);
    const op = await push(auth);
    expect(op.status).toBe('failed');
    expect(op.error).toContain(REFUSED_HOST_ISSUE);
    expect((await t.http().get('/api/git-integration/history').set('authorization', auth)).status).toBe(409);
    expect(server.authorizations.length).toBe(before);
  });

  it('finding 3: names that point inside are refused on save and /test with one answer, whatever the port (open or closed)', async () => {
    const auth = await authFor('pin-inside');
    const etcHostsName = hostname().toLowerCase();
    const names = ['inside.test', 'ten.test', 'metadata.test', 'v6-loopback.test', 'mapped.test', 'mixed.test', 'localhost', etcHostsName];
    for (const name of names) {
      const answers = new Set<string>();
      for (const p of [listenerPort, 1, port]) {
        const url = `http://${name}:${p}/acme/pipes.git`;
        const saved = await post(auth, '/git-integration', { provider: 'generic', repository_url: url });
        expect(saved.status, url).toBe(400);
        expect(saved.body.error.details).toEqual([{ field: 'body.repository_url', issue: REFUSED_HOST_ISSUE }]);
        const tested = await post(auth, '/git-integration/test', { repository_url: url, credentials: { type: 'token', token: TOKEN } });
        expect(tested.status, url).toBe(400);
        answers.add(JSON.stringify(tested.body.error.details));
      }
      expect([...answers], name).toEqual([JSON.stringify([{ field: 'body.repository_url', issue: REFUSED_HOST_ISSUE }])]);
    }
    const dotted = await post(auth, '/git-integration', { provider: 'generic', repository_url: `http://localhost.:${port}/acme/pipes.git` });
    expect(dotted.status).toBe(400);
    expect(accepted).toHaveLength(0);
  });

  it('finding 2: the stored and returned URL is the canonical one', async () => {
    const auth = await authFor('pin-canonical');
    const res = await post(auth, '/git-integration', { provider: 'generic', repository_url: `HTTP://Remote.TEST:${port}/acme/pipes.git` });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.repository_url).toBe(`http://remote.test:${port}/acme/pipes.git`);
    const row = await t.db.prisma.gitIntegrationConfig.findFirst({ where: { repositoryUrl: { contains: 'remote.test' } }, select: { repositoryUrl: true } });
    expect(row?.repositoryUrl).toBe(`http://remote.test:${port}/acme/pipes.git`);
  });

  it('finding 2: git is given the canonical URL, never the stored string (a row saved before the parser, still parseable)', async () => {
    const auth = await authFor('pin-origin');
    remotes.createBare('acme/origin', { files: { 'README.md': '# origin\n' } });
    const canonical = `http://remote.test:${port}/acme/origin.git`;
    const saved = await post(auth, '/git-integration', { provider: 'generic', repository_url: canonical, credentials: { type: 'token', token: TOKEN } });
    expect(saved.status, saved.text).toBe(200);
    const stored = `HTTP://Remote.TEST:${port}/acme/origin.git`;
    expect((await t.db.prisma.gitIntegrationConfig.updateMany({ where: { repositoryUrl: canonical }, data: { repositoryUrl: stored } })).count).toBe(1);
    expect((await push(auth)).status).toBe('succeeded');
    const row = await t.db.prisma.gitIntegrationConfig.findFirstOrThrow({ where: { repositoryUrl: stored }, select: { teamId: true } });
    // The clone records the URL its remote-tracking refs were fetched from: the one git was given.
    const clone = cloneDir(t.config, row.teamId);
    expect(readFileSync(join(clone, 'spec-sync-fetched'), 'utf8')).toBe(canonical);
    expect(readFileSync(join(clone, 'config'), 'utf8')).not.toMatch(/remote|url/i);
  });

  it('a saved token is dropped when the URL moves to another host or port, and is not sent there', async () => {
    const auth = await authFor('pin-move');
    const first = await post(auth, '/git-integration', {
      provider: 'generic',
      repository_url: `http://remote.test:${port}/acme/pipes.git`,
      credentials: { type: 'token', token: NEW_TOKEN },
    });
    expect(first.body.data.credential_type).toBe('token');
    // Same host and port, another path: the token stays.
    const samePlace = await post(auth, '/git-integration', { repository_url: `http://remote.test:${port}/acme/other.git` });
    expect(samePlace.body.data.credential_type).toBe('token');

    const moved = await post(auth, '/git-integration', { repository_url: `http://alias.test:${port}/acme/pipes.git` });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.data.credential_type).toBeNull();
    const row = await t.db.prisma.gitIntegrationConfig.findFirst({ where: { repositoryUrl: `http://alias.test:${port}/acme/pipes.git` } });
    expect(row).toMatchObject({ credentialType: null, encryptedCredentials: null });

    const before = server.requests.length;
    const tested = await post(auth, '/git-integration/test', {});
    expect(tested.body.data).toMatchObject({ reachable: false, reason: expect.stringMatching(/authentication failed/) });
    // Both names reach this one server; a background refresh queued by the saves above may still
    // fetch remote.test with its token. The moved URL's host gets requests, never a credential.
    const toAlias = server.requests.slice(before).filter((request) => request.host.startsWith('alias.test'));
    expect(toAlias.length).toBeGreaterThan(0);
    expect(toAlias.every((request) => request.authorization === '')).toBe(true);
    expect(server.requests.filter((request) => request.host.startsWith('alias.test') && request.authorization !== '')).toEqual([]);

    // New credentials in the same request as the move are kept.
    const withToken = await post(auth, '/git-integration', {
      repository_url: `http://remote.test:${port}/acme/pipes.git`,
      credentials: { type: 'token', token: NEW_TOKEN },
    });
    expect(withToken.body.data.credential_type).toBe('token');
  });

  it('a saved token is dropped when the provider changes: it would go to another provider\'s pull-request API', async () => {
    const auth = await authFor('pin-provider');
    const url = `http://remote.test:${port}/acme/pipes.git`;
    const first = await post(auth, '/git-integration', { provider: 'gitlab', repository_url: url, credentials: { type: 'token', token: NEW_TOKEN } });
    expect(first.body.data.credential_type).toBe('token');
    // The same provider named again changes nothing.
    expect((await post(auth, '/git-integration', { provider: 'gitlab' })).body.data.credential_type).toBe('token');

    const moved = await post(auth, '/git-integration', { provider: 'github' });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body.data).toMatchObject({ provider: 'github', credential_type: null });
    const row = await t.db.prisma.gitIntegrationConfig.findFirstOrThrow({ where: { repositoryUrl: url, provider: 'github' } });
    expect(row).toMatchObject({ credentialType: null, encryptedCredentials: null });

    // New credentials in the same request as the change are kept.
    const withToken = await post(auth, '/git-integration', { provider: 'bitbucket', credentials: { type: 'token', token: NEW_TOKEN } });
    expect(withToken.body.data).toMatchObject({ provider: 'bitbucket', credential_type: 'token' });
  });

  it('refuses a malformed GIT_ALLOWED_PRIVATE_HOSTS at start', async () => {
    await expect(createTestApp({ env: { GIT_ALLOWED_PRIVATE_HOSTS: '10.0.0.0/99' }, database: t.database })).rejects.toThrow(/GIT_ALLOWED_PRIVATE_HOSTS/);
  });
});
