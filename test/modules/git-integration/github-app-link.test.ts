import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { startGithubApi, type GithubApiStandIn } from '../../helpers/github-api.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { NOT_LINKED } from '../../../src/modules/git-integration/github-app/service.js';
import { gitTestEnv, waitForOperation } from './helpers.js';
import { complete, linkAs, startLink } from './github-app-link.js';

// A GitHub App installation is bound to a team only by proof, through GitHub, that a
// member of the team can access it: the member authorizes the App, GitHub lists the
// installations that user can access, and only those are linked, to that member's team,
// by that member. Knowing an installation
// id (and the repository URL) gets another team nothing, and the answer does not tell
// whether the id exists. GitHub is a local stand-in (API and web origin).

const ACME = { login: 'acme', id: 501 };
const MALLORY = { login: 'mallory', id: 666 };
const WRITE = ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] as const;

describe('GitHub App installations are linked to a team through GitHub user authorization', { timeout: 90_000 }, () => {
  let t: TestApp;
  let github: GithubApiStandIn;
  let remotes: GitRemotes;
  let gitHost: HttpGitServer;
  const gitTokens: Record<string, 'rw' | 'ro'> = {};
  const responses: string[] = [];
  const member = async (team: string, user: string) => `Bearer ${await t.token({ team, user, scopes: [...WRITE] })}`;
  const teamId = async (name: string) => (await t.db.prisma.team.findUniqueOrThrow({ where: { name } })).id;
  const links = async (team: string) =>
    (await t.db.prisma.githubAppInstallationLink.findMany({ where: { team: { name: team } }, orderBy: { installationId: 'asc' } })).map((l) => l.installationId);
  const post = async (path: string, body: object, auth: string) => {
    const res = await t.http().post(`/api${path}`).set('authorization', auth).send(body);
    responses.push(res.text);
    return res;
  };
  const app = (installationId: string | number) => ({ type: 'github_app', installation_id: installationId });
  const githubCalls = (from: number) => github.requests.slice(from).map((r) => `${r.method} ${r.path}`);

  beforeAll(async () => {
    github = await startGithubApi({
      '1001': { account: ACME, repositories: ['pipes'] },
      '2002': { account: MALLORY, repositories: ['pipes'] },
    });
    github.onMint = (token) => (gitTokens[token] = 'rw');
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'pipelines/secret.json': JSON.stringify({ name: 'acme-private', definition: { steps: [] } }) } });
    gitHost = await startHttpGitServer(remotes.root, gitTokens);
    t = await createTestApp({ jobs: true, env: gitTestEnv({ ...github.env(), GITHUB_GIT_URL: new URL(gitHost.url('x')).origin, GITHUB_APP_SLUG: 'pipes-sync' }) });
  });

  afterAll(async () => {
    // The client secret, codes' user tokens and minted tokens never reach a response or a log line.
    const logs = t?.logs.text() ?? '';
    for (const secret of [github?.clientSecret, ...(github?.userTokens ?? []), ...(github?.minted ?? []).map((m) => m.token)]) {
      if (!secret) continue;
      expect(logs).not.toContain(secret);
      for (const text of responses) expect(text).not.toContain(secret);
    }
    await t?.close();
    await gitHost?.close();
    await github?.close();
    remotes?.close();
  });

  it("mallory cannot squat acme's installation: unknown and foreign ids get one answer, GitHub is not asked, nothing is pulled", async () => {
    const mallory = await member('mallory', 'mal');
    const before = github.requests.length;
    const answers = [];
    for (const id of ['999', '1001', 1001]) {
      const tested = await post('/git-integration/test', { repository_url: gitHost.url('acme/pipes'), credentials: app(id) }, mallory);
      const saved = await post('/git-integration', { provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app(id) }, mallory);
      for (const res of [tested, saved]) {
        expect(res.status, res.text).toBe(400);
        expect(res.body.error.details).toEqual([{ field: 'body.credentials', issue: NOT_LINKED }]);
      }
      answers.push(tested.body, saved.body);
    }
    // Byte for byte the same per route whatever the id: nothing tells an existing installation from none.
    expect(new Set(answers.filter((_, i) => i % 2 === 0).map((b) => JSON.stringify(b))).size).toBe(1);
    expect(new Set(answers.filter((_, i) => i % 2 === 1).map((b) => JSON.stringify(b))).size).toBe(1);
    expect(githubCalls(before)).toEqual([]);
    expect(github.minted).toEqual([]);
    expect(await t.db.prisma.gitIntegrationConfig.count({ where: { team: { name: 'mallory' } } })).toBe(0);
    const pull = await post('/git-integration/pull', {}, mallory);
    expect(pull.status).toBe(409);
    expect(await t.db.prisma.pipeline.count({ where: { name: 'acme-private' } })).toBe(0);
  });

  it('a member links what their GitHub user can access: state stored hashed, used once, and acme then saves and pulls', async () => {
    const acme = await member('acme', 'ann');
    const { state, authorizeUrl, body } = await startLink(t, acme);
    expect(authorizeUrl.origin).toBe(github.url);
    expect(authorizeUrl.pathname).toBe('/login/oauth/authorize');
    expect(authorizeUrl.searchParams.get('client_id')).toBe(github.clientId);
    expect(state).toMatch(/^[\w-]{43}$/);
    expect(new URL(body.install_url!).pathname).toBe('/apps/pipes-sync/installations/new');
    expect(new URL(body.install_url!).searchParams.get('state')).toBe(state);
    expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(9 * 60_000);
    expect(Date.parse(body.expires_at) - Date.now()).toBeLessThanOrEqual(10 * 60_000);
    const stored = await t.db.prisma.githubAppLinkState.findMany({ where: { teamId: await teamId('acme') } });
    expect(stored.map((s) => s.stateHash)).toEqual([createHash('sha256').update(state).digest('hex')]);
    expect(JSON.stringify(stored)).not.toContain(state);

    const before = github.requests.length;
    // GitHub's installation_id on the redirect is not evidence and not accepted.
    const spoofed = await complete(t, acme, { state, code: 'x', installation_id: '2002' });
    expect(spoofed.status).toBe(400);
    expect(githubCalls(before)).toEqual([]);
    const done = await complete(t, acme, { state, code: github.authorize('ann-gh', ['1001']) });
    responses.push(done.text);
    expect(done.status, done.text).toBe(200);
    expect(done.body.data).toMatchObject({ team: 'acme', linked: [{ installation_id: '1001', account_login: 'acme' }] });
    expect(githubCalls(before)).toEqual(['POST /login/oauth/access_token', 'GET /user/installations', 'GET /user', 'GET /user/memberships/orgs/acme']);
    expect(github.requests.at(-4)!.body).toMatchObject({ client_id: github.clientId });
    expect(await links('acme')).toEqual(['1001']);
    const link = await t.db.prisma.githubAppInstallationLink.findFirstOrThrow({ where: { team: { name: 'acme' } } });
    expect(link).toMatchObject({ accountLogin: 'acme', accountId: 501n });
    expect(await t.db.prisma.githubAppLinkState.count({ where: { teamId: await teamId('acme') } })).toBe(0);

    // Used once: the same state again is refused before GitHub is asked.
    const again = await complete(t, acme, { state, code: github.authorize('ann-gh', ['1001']) });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('invalid_request');
    expect(githubCalls(before)).toHaveLength(4);

    const saved = await post('/git-integration', { provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app(1001) }, acme);
    expect(saved.status, saved.text).toBe(200);
    const tested = await post('/git-integration/test', { repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, acme);
    expect(tested.body.data).toMatchObject({ reachable: true });
    const pull = await post('/git-integration/pull', {}, acme);
    const op = await waitForOperation(t, acme, pull.body.data.operation_id);
    expect(op.status, JSON.stringify(op)).toBe('succeeded');
  });

  it('forged, expired and wrongly coded states link nothing, and forged or expired ones never reach GitHub', async () => {
    const acme = await member('acme', 'ann');
    const before = github.requests.length;
    const forged = await complete(t, acme, { state: 'x'.repeat(43), code: github.authorize('ann-gh', ['1001', '2002']) });
    expect(forged.status).toBe(400);
    expect(forged.body.error.message).toMatch(/unknown, already used or expired/);

    const { state: expired } = await startLink(t, acme);
    await t.db.prisma.githubAppLinkState.updateMany({ where: { teamId: await teamId('acme') }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const late = await complete(t, acme, { state: expired, code: github.authorize('ann-gh', ['2002']) });
    expect(late.status).toBe(400);
    expect(late.body.error.message).toBe(forged.body.error.message);
    expect(githubCalls(before)).toEqual([]);

    // A code GitHub does not accept: the state is spent, nothing is linked.
    const { state } = await startLink(t, acme);
    const badCode = await complete(t, acme, { state, code: 'not-a-code' });
    responses.push(badCode.text);
    expect(badCode.status).toBe(400);
    expect(badCode.body.error.message).toMatch(/GitHub did not confirm/);
    expect(githubCalls(before)).toEqual(['POST /login/oauth/access_token']);
    expect(await links('acme')).toEqual(['1001']);
  });

  it("a GitHub user who cannot access an installation links nothing; mallory's own member gets only mallory's", async () => {
    const mallory = await member('mallory', 'mal');
    const nothing = await linkAs(t, github, mallory, 'mal-gh', []);
    expect(nothing.body.data.linked).toEqual([]);
    expect(nothing.body.data.message).toMatch(/Nothing was linked/);
    const own = await linkAs(t, github, mallory, 'mal-gh', ['2002', '424242']); // 424242: not an installation of this App
    expect(own.body.data.linked).toEqual([{ installation_id: '2002', account_login: 'mallory' }]);
    expect(await links('mallory')).toEqual(['2002']);
    const refused = await post('/git-integration', { provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, mallory);
    expect(refused.body.error.details).toEqual([{ field: 'body.credentials', issue: NOT_LINKED }]);
  });

  it("links are per team: a completion links for the caller's own state only, and a second team needs its own member's proof", async () => {
    const ops = await member('acme-ops', 'otto');
    const other = await member('bystander', 'bea');
    const { state: bystanderState } = await startLink(t, other);
    const { state: opsState } = await startLink(t, ops);
    const done = await complete(t, ops, { state: opsState, code: github.authorize('ann-gh', ['1001']) });
    expect(done.body.data.team).toBe('acme-ops');
    expect(await links('acme-ops')).toEqual(['1001']);
    expect(await links('bystander')).toEqual([]);
    // The bystander's pending state is untouched by another team's completion and still works once.
    expect(await t.db.prisma.githubAppLinkState.count({ where: { teamId: await teamId('bystander') } })).toBe(1);
    const bystander = await complete(t, other, { state: bystanderState, code: github.authorize('bea-gh', []) });
    expect(bystander.body.data).toMatchObject({ team: 'bystander', linked: [] });
    // Both proven teams may use the installation; acme's is not taken over.
    const saved = await post('/git-integration', { provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, ops);
    expect(saved.status, saved.text).toBe(200);
    expect(await links('acme')).toEqual(['1001']);
  });

  it("a victim who opens mallory's authorize link links nothing to mallory: only the member who started a link completes it", async () => {
    const mallory = await member('mallory', 'mal');
    const acme = await member('acme', 'ann');
    const accomplice = await member('mallory', 'max'); // same team, another member
    const { state } = await startLink(t, mallory);
    // The acme admin's browser comes back from GitHub with a code for the acme user; the UI
    // completes it with the acme admin's token, the state being mallory's.
    const before = github.requests.length;
    const lured = await complete(t, acme, { state, code: github.authorize('ann-gh', ['1001']) });
    expect(lured.status).toBe(400);
    const byAccomplice = await complete(t, accomplice, { state, code: github.authorize('ann-gh', ['1001']) });
    expect(byAccomplice.status).toBe(400);
    expect(byAccomplice.body).toEqual(lured.body);
    expect(githubCalls(before)).toEqual([]);
    expect(await links('mallory')).toEqual(['2002']);
    // Without the victim's code, mallory's own completion only links what mallory's GitHub user can access.
    const own = await complete(t, mallory, { state, code: github.authorize('mal-gh', []) });
    expect(own.body.data.linked).toEqual([]);
    expect(await links('mallory')).toEqual(['2002']);
  });

  it("a GitHub user who only has access to some of an account's repositories (not an admin) links nothing", async () => {
    // /user/installations lists an installation for read access to a single repository;
    // linking it would open every repository the installation reaches to the team.
    const readers = await member('readers', 'rob');
    const before = github.requests.length;
    const { state } = await startLink(t, readers);
    const done = await complete(t, readers, { state, code: github.authorize('rob-gh', ['1001'], 'member') });
    expect(done.status, done.text).toBe(200);
    expect(done.body.data.linked).toEqual([]);
    expect(githubCalls(before)).toContain('GET /user/memberships/orgs/acme');
    expect(await links('readers')).toEqual([]);
    const refused = await post('/git-integration', { provider: 'github', repository_url: gitHost.url('acme/pipes'), credentials: app('1001') }, readers);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ field: 'body.credentials', issue: NOT_LINKED }]);
  });

  it('starting and completing a link need a token with git:write; no GitHub App route is public', async () => {
    const reader = `Bearer ${await t.token({ team: 'acme', user: 'rita', scopes: ['git:read'] })}`;
    for (const path of ['/api/git-integration/github-app/link', '/api/git-integration/github-app/link/complete']) {
      expect((await t.http().post(path).set('authorization', reader).send({ state: 's', code: 'c' })).status, path).toBe(403);
      expect((await t.http().post(path).send({ state: 's', code: 'c' })).status, path).toBe(401);
    }
  });
});

describe('GitHub App settings are checked at start', () => {
  it('an App without its OAuth client is refused: no team could ever link an installation', () => {
    const base = { NODE_ENV: 'test', GITHUB_APP_ID: '1', GITHUB_APP_PRIVATE_KEY: 'pem' };
    expect(() => loadConfig(base)).toThrow(ConfigError);
    expect(() => loadConfig(base)).toThrow(/GITHUB_APP_CLIENT_ID.*\n.*GITHUB_APP_CLIENT_SECRET/);
    expect(() => loadConfig({ ...base, GITHUB_APP_CLIENT_ID: 'Iv1.x', GITHUB_APP_CLIENT_SECRET: 's' })).not.toThrow();
    expect(() => loadConfig({ NODE_ENV: 'test', GITHUB_APP_ID: '1' })).toThrow(/set both or neither/);
  });
});
