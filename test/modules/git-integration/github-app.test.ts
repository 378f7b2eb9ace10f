import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { startGithubApi, type GithubApiStandIn } from '../../helpers/github-api.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { SecretBox } from '../../../src/lib/crypto/secret-box.js';
import { sealCredentials } from '../../../src/modules/git-integration/settings/store.js';
import { CREDENTIALS_KEY, gitTestEnv, waitForOperation } from './helpers.js';
import { linkAs } from './github-app-link.js';
import { NOT_LINKED } from '../../../src/modules/git-integration/github-app/service.js';

// GitHub App credentials are a number a team types in. The server must only mint
// tokens for an installation linked to the team (a member proved access on GitHub,
// github-app-link.test.ts covers the flow) whose account owns the repository, scope them to that
// repository, and send them nowhere but the App's own API and git hosts. GitHub's API
// is a local stand-in (test/helpers/github-api.ts); the App's git host is a real
// smart-HTTP remote, and a second one plays another host that must never see a token.

const ACME = { login: 'acme', id: 501 };
const MALLORY = { login: 'mallory', id: 666 };

describe('GitHub App installations are tied to the repository owner and the App host', { timeout: 90_000 }, () => {
  let t: TestApp;
  let github: GithubApiStandIn;
  let remotes: GitRemotes;
  let gitHost: HttpGitServer;
  let otherHost: HttpGitServer;
  const gitTokens: Record<string, 'rw' | 'ro'> = {};
  let acme: string;
  let acmeTeamId: string;
  let mallory: string;
  const responses: string[] = [];

  const send = async <R extends { text: string }>(req: PromiseLike<R>) => {
    const res = await req;
    responses.push(res.text);
    return res;
  };
  const post = (path: string, body: object | undefined, token: string) => {
    const req = t.http().post(`/api${path}`).set('authorization', token);
    return send(body === undefined ? req : req.send(body));
  };
  const save = (body: object, token: string) => post('/git-integration', body, token);
  const app = (installationId: string | number) => ({ type: 'github_app', installation_id: installationId });
  const fields = (res: { body: { error: { details: { field: string }[] } } }) => res.body.error.details.map((d) => d.field);
  const tokenRequests = () => github.requests.filter((r) => r.path.endsWith('/access_tokens'));
  const mintedFor = (installationId: string) => github.minted.filter((m) => m.installationId === installationId);
  const sentTokens = (server: HttpGitServer) =>
    server.authorizations.map((h) => /^Basic (.+)$/.exec(h)?.[1]).filter(Boolean).map((b) => Buffer.from(b!, 'base64').toString().split(':').slice(1).join(':'));

  beforeAll(async () => {
    github = await startGithubApi({
      '1001': { account: ACME, repositories: ['pipes', 'pipes2'] },
      '2002': { account: MALLORY, repositories: ['pipes'] },
      '3003': { account: ACME, repositories: [] }, // installed, but not granted the repository
    });
    github.onMint = (token) => (gitTokens[token] = 'rw');
    remotes = new GitRemotes();
    for (const name of ['acme/pipes', 'acme/pipes2', 'acme/other', 'mallory/pipes']) remotes.createBare(name, { files: { 'README.md': `# ${name}\n` } });
    gitHost = await startHttpGitServer(remotes.root, gitTokens);
    otherHost = await startHttpGitServer(remotes.root, gitTokens);
    t = await createTestApp({ jobs: true, env: gitTestEnv({ ...github.env(), GITHUB_GIT_URL: new URL(gitHost.url('x')).origin }) });
    acme = `Bearer ${await t.token({ team: 'gh-acme', user: 'ann', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    acmeTeamId = (await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'gh-acme' } })).id;
    mallory = `Bearer ${await t.token({ team: 'gh-mallory', user: 'mal', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    expect((await post('/pipelines', { name: 'orders', definition: { steps: [{ type: 'extract', source: 'orders' }] } }, acme)).status).toBe(201);
  });

  afterAll(async () => {
    // No minted token, App JWT or private key in any response or log line.
    const logs = t?.logs.text() ?? '';
    for (const { token } of github?.minted ?? []) {
      for (const text of [...responses, logs]) expect(text).not.toContain(token);
    }
    for (const { authorization } of github?.requests ?? []) {
      if (authorization) for (const text of [...responses, logs]) expect(text).not.toContain(authorization.replace(/^Bearer /, ''));
    }
    // Nor the App's client secret or a user token of the link flow.
    for (const secret of [github?.clientSecret, ...(github?.userTokens ?? [])]) if (secret) expect(logs).not.toContain(secret);
    await t?.close();
    await gitHost?.close();
    await otherHost?.close();
    await github?.close();
    remotes?.close();
  });

  it('saves an installation of the repository owner, after asking GitHub with a signed App JWT', async () => {
    await linkAs(t, github, acme, 'ann-gh', ['1001', '3003']);
    const before = github.requests.length;
    const res = await save({ provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, acme);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ credential_type: 'github_app', repository_url: expect.stringContaining('/acme/pipes') });
    expect(github.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /app/installations/1001',
      'POST /app/installations/1001/access_tokens',
      'GET /repos/acme/pipes',
    ]);
  });

  it('asks for tokens scoped to the one repository with the least permissions', () => {
    expect(tokenRequests().length).toBeGreaterThan(0);
    for (const request of tokenRequests()) {
      expect(request.body).toEqual({ repositories: ['pipes'], permissions: { contents: 'write', pull_requests: 'write' } });
    }
  });

  it('another team cannot use an installation it has not linked, even one another team saved, and GitHub is not asked', async () => {
    const other = `Bearer ${await t.token({ team: 'gh-other', user: 'oz', scopes: ['git:read', 'git:write'] })}`;
    const before = github.requests.length;
    const saved = await save({ provider: 'github', repository_url: gitHost.url('acme/pipes2'), credentials: app('1001') }, other);
    expect(saved.status).toBe(400);
    expect(saved.body.error.details).toEqual([{ field: 'body.credentials', issue: NOT_LINKED }]);
    const tested = await post('/git-integration/test', { repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, other);
    expect(tested.status).toBe(400);
    expect(tested.body.error.details).toEqual([{ field: 'body.credentials', issue: NOT_LINKED }]);
    expect(await t.db.prisma.gitIntegrationConfig.count({ where: { team: { name: 'gh-other' } } })).toBe(0);
    expect(github.requests.slice(before)).toEqual([]);
  });

  it("refuses another account's installation before any token is minted", async () => {
    await linkAs(t, github, mallory, 'mal-gh', ['2002']); // mallory's own installation, linked the honest way
    const before = github.requests.length;
    const res = await save({ provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app('2002') }, mallory);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details).toEqual([{ field: 'body.credentials', issue: expect.stringMatching(/does not belong/) }]);
    expect(github.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /app/installations/2002']);
    expect(mintedFor('2002')).toEqual([]);
    expect(await t.db.prisma.gitIntegrationConfig.count({ where: { team: { name: 'gh-mallory' } } })).toBe(0);
  });

  it('refuses a repository the installation was not granted, an unknown installation, and a repository the account does not own', async () => {
    for (const [url, installation, issue] of [
      [gitHost.url('acme/pipes'), '3003', /cannot access/],
      [gitHost.url('acme/other'), '1001', /cannot access/],
      [gitHost.url('acme/pipes'), '99999', /not linked/],
      [gitHost.url('mallory/pipes'), '1001', /does not belong/],
    ] as const) {
      const res = await save({ provider: 'github', repository_url: url, credentials: app(installation) }, acme);
      expect(res.status, `${url} ${installation}`).toBe(400);
      expect(res.body.error.details).toEqual([{ field: 'body.credentials', issue: expect.stringMatching(issue) }]);
    }
    expect(mintedFor('3003')).toEqual([]);
    expect(github.minted.every((m) => m.installationId === '1001' && m.repositories?.length === 1)).toBe(true);
  });

  it('refuses a repository URL on any other host than the App git host, without asking GitHub for anything', async () => {
    const before = github.requests.length;
    const appOrigin = new URL(gitHost.url('x'));
    for (const url of [
      otherHost.url('acme/pipes'),
      `http://localhost:${appOrigin.port}/acme/pipes.git`,
      `https://127.0.0.1:${appOrigin.port}/acme/pipes.git`,
      `${appOrigin.origin}/acme/pipes/extra.git`,
    ]) {
      const res = await save({ provider: 'github', repository_url: url, credentials: app('1001') }, acme);
      expect(res.status, url).toBe(400);
      expect(fields(res), url).toEqual(expect.arrayContaining([expect.stringMatching(/^body\.(credentials|repository_url)$/)]));
    }
    const plain = await save({ provider: 'github', repository_url: otherHost.url('acme/pipes'), credentials: app('1001') }, acme);
    expect(plain.body.error.details).toEqual([{ field: 'body.credentials', issue: expect.stringContaining(appOrigin.origin) }]);
    expect(github.requests.slice(before)).toEqual([]);
  });

  it('POST /test verifies an installation from the body the same way and sends nothing elsewhere', async () => {
    const before = github.requests.length;
    const foreign = await post('/git-integration/test', { repository_url: gitHost.url('acme/pipes'), credentials: app('2002') }, mallory);
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([{ field: 'body.credentials', issue: expect.stringMatching(/does not belong/) }]);
    const elsewhere = await post('/git-integration/test', { repository_url: otherHost.url('acme/pipes'), credentials: app('1001') }, mallory);
    expect(elsewhere.status).toBe(400);
    expect(fields(elsewhere)).toEqual(['body.credentials']);
    expect(github.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /app/installations/2002']);
    expect(otherHost.authorizations).toEqual([]);

    const good = await post('/git-integration/test', { repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, acme);
    expect(good.status).toBe(200);
    expect(good.body.data).toMatchObject({ reachable: true, permissions: ['read', 'write'] });
  });

  it('GitHub being unreachable is a 503 at save and a stored config is left as it was', async () => {
    github.down = true;
    try {
      const res = await save({ provider: 'github', repository_url: gitHost.url('acme/pipes2'), credentials: app('1001') }, acme);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('unavailable');
      const tested = await post('/git-integration/test', { repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, acme);
      expect(tested.status).toBe(503);
      expect(tested.body.error.code).toBe('unavailable');
    } finally {
      github.down = false;
    }
    expect(await t.db.prisma.gitIntegrationConfig.count({ where: { team: { name: 'gh-mallory' } } })).toBe(0);
    expect((await t.db.prisma.gitIntegrationConfig.findUniqueOrThrow({ where: { teamId: acmeTeamId } })).repositoryUrl).toContain('/acme/pipes.git');
  });

  it('push, pull, test and the pull request send the installation token only to the App hosts', async () => {
    const firstToken = github.minted.length;
    const tested = await post('/git-integration/test', undefined, acme);
    expect(tested.body.data).toMatchObject({ reachable: true, permissions: ['read', 'write'], default_branch: 'main' });
    const pushed = await post('/git-integration/push', { branch: 'feature/x', message: 'export', create_pull_request: true }, acme);
    expect(pushed.status).toBe(202);
    const push = await waitForOperation(t, acme, pushed.body.data.operation_id);
    expect(push.status).toBe('succeeded');
    expect(push.result.pull_request).toMatchObject({ number: 1 });
    const pulled = await post('/git-integration/pull', { dry_run: true }, acme);
    expect((await waitForOperation(t, acme, pulled.body.data.operation_id)).status).toBe('succeeded');

    const tokens = github.minted.slice(firstToken);
    expect(tokens.length).toBeGreaterThanOrEqual(3);
    for (const minted of tokens) expect(minted).toMatchObject({ installationId: '1001', repositories: ['pipes'], permissions: { contents: 'write', pull_requests: 'write' } });
    const issued = new Set(tokens.map((m) => m.token));
    expect(sentTokens(gitHost).filter((token) => issued.has(token)).length).toBeGreaterThan(0);
    expect(otherHost.authorizations).toEqual([]);
    const pr = github.requests.find((r) => r.method === 'POST' && r.path === '/repos/acme/pipes/pulls');
    expect(issued.has(pr!.authorization.replace(/^Bearer /, ''))).toBe(true);
  });

  it('a changed repository_url is verified again: granted repository saves, another is refused, another host drops the credentials', async () => {
    const refused = await save({ repository_url: gitHost.url('acme/other') }, acme);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ field: 'body.credentials', issue: expect.stringMatching(/cannot access/) }]);
    const moved = await save({ repository_url: gitHost.url('acme/pipes2') }, acme);
    expect(moved.status).toBe(200);
    expect(tokenRequests().at(-1)!.body).toMatchObject({ repositories: ['pipes2'] });
    const pushed = await post('/git-integration/push', { message: 'to pipes2' }, acme);
    expect((await waitForOperation(t, acme, pushed.body.data.operation_id)).status).toBe('succeeded');
    expect(remotes.head('acme/pipes2', 'main')).not.toBeNull();

    const before = github.requests.length;
    const otherHostSave = await save({ repository_url: otherHost.url('acme/pipes2') }, acme);
    expect(otherHostSave.status).toBe(200);
    expect(otherHostSave.body.data.credential_type).toBeNull();
    expect(github.requests.slice(before)).toEqual([]);
    expect((await save({ repository_url: gitHost.url('acme/pipes2'), credentials: app('1001') }, acme)).status).toBe(200);
  });

  it('a stored config that no longer matches what was verified fails the operation and mints nothing', async () => {
    const box = new SecretBox(Buffer.from(CREDENTIALS_KEY, 'base64'));
    const cases = [
      // Verified for acme/pipes2, but the row now points at another host.
      { repositoryUrl: otherHost.url('acme/pipes2'), message: /only sent to/ },
      // Verified for acme/pipes2, the row now names another repository on the App host.
      { repositoryUrl: gitHost.url('acme/pipes'), message: /verified for another repository/ },
      // Saved before verification existed, with another account's installation: verified at use, refused.
      { repositoryUrl: gitHost.url('acme/pipes'), encryptedCredentials: sealCredentials(box, acmeTeamId, { type: 'github_app', installationId: '2002' }), message: /not linked/ },
      // Saved before installations had to be linked: the team's own installation, but no link.
      { repositoryUrl: gitHost.url('acme/pipes'), encryptedCredentials: sealCredentials(box, acmeTeamId, { type: 'github_app', installationId: '3003' }), unlink: '3003', message: /not linked to this team/ },
    ];
    const original = await t.db.prisma.gitIntegrationConfig.findUniqueOrThrow({ where: { teamId: acmeTeamId } });
    try {
      for (const { message, unlink, ...row } of cases) {
        if (unlink) await t.db.prisma.githubAppInstallationLink.deleteMany({ where: { teamId: acmeTeamId, installationId: unlink } });
        await t.db.prisma.gitIntegrationConfig.update({ where: { teamId: acmeTeamId }, data: { encryptedCredentials: original.encryptedCredentials, ...row } });
        const before = github.minted.length;
        const pushed = await post('/git-integration/push', { message: 'should not happen' }, acme);
        const op = await waitForOperation(t, acme, pushed.body.data.operation_id);
        expect(op.status, row.repositoryUrl).toBe('failed');
        expect(op.error).toMatch(message);
        const tested = await post('/git-integration/test', undefined, acme);
        expect(tested.status).toBe(409);
        if (unlink) expect(tested.body.error.message).toMatch(/github-app\/link/);
        expect(github.minted.length).toBe(before);
      }
      // No credential ever reached the other host (a background refresh of a settings move may
      // have fetched it anonymously, which is all the row allows).
      expect(otherHost.authorizations.filter((header) => header !== '')).toEqual([]);
      expect(mintedFor('2002')).toEqual([]);
    } finally {
      await t.db.prisma.gitIntegrationConfig.update({
        where: { teamId: acmeTeamId },
        data: { repositoryUrl: original.repositoryUrl, encryptedCredentials: original.encryptedCredentials },
      });
    }
  });
});
