import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { startGithubApi, type GithubApiStandIn } from '../../helpers/github-api.js';
import { SecretBox } from '../../../src/lib/crypto/secret-box.js';
import { gitCredentialsContext } from '../../../src/modules/git-integration/settings/secret-contexts.js';
import { loadGitIntegration } from '../../../src/modules/git-integration/settings/store.js';
import { linkAs } from './github-app-link.js';

const KEY = randomBytes(32);
const TOKEN = `ghp_${randomBytes(18).toString('hex')}`;
const SEED_BODY = {
  enabled: true,
  provider: 'github',
  repository_url: 'https://github.com/acme-analytics/planasonix-pipelines',
  default_branch: 'main',
  path_prefix: 'pipelines/',
  credentials: { type: 'github_app', installation_id: '12345678' },
  author_name: 'Planasonix Bot',
  author_email: 'bot@example.com',
};

describe('git integration settings', () => {
  let t: TestApp;
  let github: GithubApiStandIn;
  let auth: string;
  let teamId: string;
  const box = new SecretBox(KEY);
  const bearer = (token: string) => `Bearer ${token}`;
  const get = (token = auth) => t.http().get('/api/git-integration').set('authorization', token);
  const save = (body: object, token = auth) => t.http().post('/api/git-integration').set('authorization', token).send(body);
  const responses: string[] = [];
  const record = <R extends { text: string }>(res: R) => (responses.push(res.text), res);

  beforeAll(async () => {
    // GitHub App credentials are verified with GitHub before they are saved: a stand-in API
    // knows the installations these tests use (github-app.test.ts covers the refusals).
    github = await startGithubApi({
      '12345678': { account: { login: 'acme-analytics', id: 1 }, repositories: ['planasonix-pipelines'] },
      '42': { account: { login: 'a', id: 2 }, repositories: ['b'] },
    });
    t = await createTestApp({ env: { GIT_CREDENTIALS_KEY: KEY.toString('base64'), ...github.env(), GITHUB_GIT_URL: 'https://github.com' } });
    auth = bearer(await t.token({ team: 'git-cfg', user: 'gail', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] }));
    teamId = (await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'git-cfg' } })).id;
    // An installation is usable once a member proved access to it on GitHub (github-app-link.test.ts).
    await linkAs(t, github, auth, 'gail-gh', ['12345678']);
  });
  afterAll(async () => {
    // Credentials never leave the server: not in any response, not in any log line.
    expect(responses.length).toBeGreaterThan(5);
    for (const text of responses) expect(text).not.toContain(TOKEN);
    expect(t.logs.text()).not.toContain(TOKEN);
    await t?.close();
    await github?.close();
  });

  it('answers the not-configured body before anything is saved', async () => {
    const res = record(await get());
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { enabled: false, repository_url: null, default_branch: null } });
  });

  it("saves the seed's request and answers with the seed's fields plus updated_at", async () => {
    const res = record(await save(SEED_BODY));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      enabled: true,
      provider: 'github',
      repository_url: SEED_BODY.repository_url,
      default_branch: 'main',
      path_prefix: 'pipelines/',
      credential_type: 'github_app',
      author_name: 'Planasonix Bot',
      author_email: 'bot@example.com',
      last_sync_at: null,
    });
    expect(new Date(res.body.data.updated_at).toISOString()).toBe(res.body.data.updated_at);
    expect(JSON.stringify(res.body)).not.toContain('12345678');

    const read = record(await get());
    expect(read.body).toEqual(res.body);
  });

  it('stores a token encrypted at rest and never returns it', async () => {
    const res = record(await save({ credentials: { type: 'token', token: TOKEN, username: 'x-access-token' } }));
    expect(res.status).toBe(200);
    expect(res.body.data.credential_type).toBe('token');
    expect(res.body.data.provider).toBe('github'); // omitted fields keep their values
    expect(res.text).not.toContain(TOKEN);

    const { rows } = await t.db.pool.query<{ credential_type: string; encrypted_credentials: string }>(
      'SELECT credential_type, encrypted_credentials FROM git_integration_configs WHERE team_id = $1',
      [teamId],
    );
    const column = rows[0]!.encrypted_credentials;
    expect(column).toMatch(/^v2\./);
    expect(column).not.toContain(TOKEN);
    expect(column).not.toContain(Buffer.from(TOKEN).toString('base64'));
    expect(JSON.parse(box.open(column, gitCredentialsContext(teamId)))).toEqual({ token: TOKEN, username: 'x-access-token' });

    const loaded = await loadGitIntegration(t.db.prisma, teamId, box);
    expect(loaded).toMatchObject({
      teamId,
      enabled: true,
      provider: 'github',
      repositoryUrl: SEED_BODY.repository_url,
      defaultBranch: 'main',
      pathPrefix: 'pipelines/',
      authorName: 'Planasonix Bot',
      authorEmail: 'bot@example.com',
      credentials: { type: 'token', token: TOKEN, username: 'x-access-token' },
      lastSyncAt: null,
      lastSyncedCommit: null,
      lastSyncedBranch: null,
    });
  });

  it('keeps stored credentials when an update omits them', async () => {
    const res = record(await save({ default_branch: 'release/2025', path_prefix: 'etl/pipelines' }));
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ default_branch: 'release/2025', path_prefix: 'etl/pipelines/', credential_type: 'token' });
    const loaded = await loadGitIntegration(t.db.prisma, teamId, box);
    expect(loaded?.credentials).toEqual({ type: 'token', token: TOKEN, username: 'x-access-token' });
  });

  it('drops a stored token when the URL moves to another host, port or protocol, unless the same request brings new credentials', async () => {
    for (const url of ['https://gitlab.example.com/acme/pipelines.git', 'https://github.com:8443/acme-analytics/pipelines.git']) {
      const restored = record(await save({ repository_url: 'https://github.com/acme-analytics/pipelines.git', credentials: { type: 'token', token: TOKEN } }));
      expect(restored.body.data.credential_type).toBe('token');
      const res = record(await save({ repository_url: url }));
      expect(res.status).toBe(200);
      expect(res.body.data.credential_type).toBeNull();
      expect(await t.db.prisma.gitIntegrationConfig.findUniqueOrThrow({ where: { teamId } })).toMatchObject({ credentialType: null, encryptedCredentials: null });
    }
    record(await save({ repository_url: 'https://github.com/acme-analytics/pipelines.git', credentials: { type: 'token', token: TOKEN } }));
    // Same host, other repository: kept.
    const sameHost = record(await save({ repository_url: 'https://github.com/acme-analytics/other.git' }));
    expect(sameHost.status).toBe(200);
    expect(sameHost.body.data.credential_type).toBe('token');
    const moved = record(
      await save({ provider: 'gitlab', repository_url: 'https://gitlab.example.com/acme/pipelines.git', credentials: { type: 'token', token: TOKEN } }),
    );
    expect(moved.status).toBe(200);
    expect(moved.body.data).toMatchObject({ provider: 'gitlab', credential_type: 'token' });
  });

  it('shows last_sync_at once an operation recorded a sync', async () => {
    const at = new Date('2025-03-27T12:30:00.000Z');
    await t.db.prisma.gitIntegrationConfig.update({ where: { teamId }, data: { lastSyncAt: at, lastSyncedCommit: 'a'.repeat(40), lastSyncedBranch: 'main' } });
    const res = record(await get());
    expect(res.body.data.last_sync_at).toBe('2025-03-27T12:30:00.000Z');
    expect(await loadGitIntegration(t.db.prisma, teamId, box)).toMatchObject({ lastSyncAt: at, lastSyncedCommit: 'a'.repeat(40), lastSyncedBranch: 'main' });
  });

  it('removes credentials with credentials: null', async () => {
    const res = record(await save({ credentials: null }));
    expect(res.status).toBe(200);
    expect(res.body.data.credential_type).toBeNull();
    expect((await loadGitIntegration(t.db.prisma, teamId, box))?.credentials).toBeNull();
  });

  it('accepts a deploy key as credentials.ssh_key_id or as top-level ssh_key_id', async () => {
    const key = record(await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth).send({}));
    expect(key.status).toBe(201);
    const keyId = key.body.data.id as string;

    const viaCredentials = record(
      await save({ repository_url: 'git@github.com:acme-analytics/pipelines.git', credentials: { type: 'ssh_key', ssh_key_id: keyId } }),
    );
    expect(viaCredentials.status).toBe(200);
    expect(viaCredentials.body.data).toMatchObject({ credential_type: 'ssh_key', ssh_key_id: keyId });

    await save({ credentials: null });
    const viaTopLevel = record(await save({ ssh_key_id: keyId }));
    expect(viaTopLevel.status).toBe(200);
    expect(viaTopLevel.body.data).toMatchObject({ credential_type: 'ssh_key', ssh_key_id: keyId });
    expect((record(await get())).body.data.ssh_key_id).toBe(keyId);

    const loaded = await loadGitIntegration(t.db.prisma, teamId, box);
    expect(loaded?.credentials).toMatchObject({ type: 'ssh_key', sshKeyId: keyId, publicKey: key.body.data.public_key });
    expect(loaded?.credentials?.type === 'ssh_key' && loaded.credentials.privateKey).toContain('BEGIN OPENSSH PRIVATE KEY');
    for (const text of responses) expect(text).not.toContain('PRIVATE KEY');
  });

  it("rejects an unknown key, another team's key, and conflicting key fields", async () => {
    const otherAuth = bearer(await t.token({ team: 'git-cfg-other', user: 'otto', scopes: ['git:read', 'git:write'] }));
    const foreign = record(await t.http().post('/api/git-integration/ssh-keys').set('authorization', otherAuth).send({}));
    const own = record(await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth).send({}));
    for (const [body, field] of [
      [{ ssh_key_id: foreign.body.data.id }, 'body.ssh_key_id'],
      [{ credentials: { type: 'ssh_key', ssh_key_id: 'gitkey_00000000000000000000000000' } }, 'body.credentials.ssh_key_id'],
      [{ credentials: { type: 'ssh_key', ssh_key_id: 'nope' } }, 'body.credentials.ssh_key_id'],
      [{ ssh_key_id: own.body.data.id, credentials: { type: 'token', token: 'abc' } }, 'body.ssh_key_id'],
    ] as const) {
      const res = record(await save(body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
  });

  it.each([
    ['unknown provider', { provider: 'svn' }, 'body.provider'],
    ['bad branch', { default_branch: 'feature..x' }, 'body.default_branch'],
    ['branch starting with -', { default_branch: '-f' }, 'body.default_branch'],
    ['bad email', { author_email: 'not-an-email' }, 'body.author_email'],
    ['author with angle brackets', { author_name: 'Eve <x>' }, 'body.author_name'],
    ['unknown credential type', { credentials: { type: 'password', password: 'x' } }, 'body.credentials.type'],
    ['token with spaces', { credentials: { type: 'token', token: 'a b' } }, 'body.credentials.token'],
    ['username with colon', { credentials: { type: 'token', token: 'abc', username: 'a:b' } }, 'body.credentials.username'],
    ['bad installation id', { credentials: { type: 'github_app', installation_id: 'abc' } }, 'body.credentials.installation_id'],
    ['unknown field', { webhook: 'x' }, 'body'],
    ['credentials in the URL', { repository_url: 'https://user:pass@github.com/a/b.git' }, 'body.repository_url'],
    ['path prefix with ..', { path_prefix: '../etc' }, 'body.path_prefix'],
  ])('400 with details for %s', async (_label, body, field) => {
    const res = record(await save(body));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_request');
    expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
  });

  it('survives concurrent first saves of one team', async () => {
    const fresh = bearer(await t.token({ team: 'git-cfg-race', user: 'rae', scopes: ['git:read', 'git:write'] }));
    const results = await Promise.all(
      ['a', 'b', 'c'].map((name) => save({ provider: 'generic', repository_url: `https://git.example.com/team/${name}.git` }, fresh)),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    results.forEach(record);
  });

  it('refuses credentials that cannot work with the remote', async () => {
    const fresh = bearer(await t.token({ team: 'git-cfg-mismatch', user: 'max', scopes: ['git:read', 'git:write'] }));
    await linkAs(t, github, fresh, 'max-gh', ['42']);
    const key = record(await t.http().post('/api/git-integration/ssh-keys').set('authorization', fresh).send({}));
    for (const [body, field] of [
      [{ provider: 'github', repository_url: 'git@github.com:a/b.git', credentials: { type: 'token', token: 'abc' } }, 'body.credentials'],
      [{ provider: 'github', repository_url: 'https://github.com/a/b.git', credentials: { type: 'ssh_key', ssh_key_id: key.body.data.id } }, 'body.credentials'],
      [{ provider: 'github', repository_url: 'https://github.com/a/b.git', ssh_key_id: key.body.data.id }, 'body.ssh_key_id'],
      [{ provider: 'gitlab', repository_url: 'https://gitlab.com/a/b.git', credentials: { type: 'github_app', installation_id: 42 } }, 'body.credentials'],
    ] as const) {
      const res = record(await save(body, fresh));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details).toEqual([{ field, issue: expect.any(String) }]);
    }
    // Switching an ssh remote to https needs new credentials that fit it.
    expect(record(await save({ provider: 'github', repository_url: 'git@github.com:a/b.git', ssh_key_id: key.body.data.id }, fresh)).status).toBe(200);
    expect(record(await save({ repository_url: 'https://github.com/a/b.git' }, fresh)).status).toBe(400);
    const switched = record(await save({ repository_url: 'https://github.com/a/b.git', credentials: { type: 'github_app', installation_id: 42 } }, fresh));
    expect(switched.status).toBe(200);
    expect(switched.body.data).toMatchObject({ credential_type: 'github_app' });
    expect(switched.body.data.ssh_key_id).toBeUndefined();
  });

  it('requires provider and repository_url on the first save, reporting both', async () => {
    const fresh = bearer(await t.token({ team: 'git-cfg-fresh', user: 'fay', scopes: ['git:read', 'git:write'] }));
    const res = record(await save({ default_branch: 'main' }, fresh));
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.provider', 'body.repository_url']);
    const minimal = record(await save({ provider: 'generic', repository_url: 'https://git.example.com/team/repo.git' }, fresh));
    expect(minimal.status).toBe(200);
    expect(minimal.body.data).toMatchObject({ enabled: true, default_branch: 'main', path_prefix: '', credential_type: null });
  });

  it('401 without a token and 403 without the scope', async () => {
    expect(record(await t.http().get('/api/git-integration')).status).toBe(401);
    expect(record(await t.http().post('/api/git-integration').send(SEED_BODY)).status).toBe(401);
    expect(record(await t.http().delete('/api/git-integration')).status).toBe(401);
    expect(record(await t.http().post('/api/git-integration/ssh-keys').send({})).status).toBe(401);

    const reader = bearer(await t.token({ team: 'git-cfg', user: 'reader', scopes: ['git:read'] }));
    const writer = bearer(await t.token({ team: 'git-cfg', user: 'writer', scopes: ['git:write'] }));
    expect(record(await get(writer)).status).toBe(403);
    const denied = record(await save(SEED_BODY, reader));
    expect(denied.status).toBe(403);
    expect(denied.body.error.message).toContain('git:write');
    expect(record(await t.http().delete('/api/git-integration').set('authorization', reader)).status).toBe(403);
    expect(record(await t.http().post('/api/git-integration/ssh-keys').set('authorization', reader).send({})).status).toBe(403);
    expect(record(await get(reader)).status).toBe(200);
  });

  it("keeps teams apart: another team sees not-configured and its DELETE touches nothing", async () => {
    const other = bearer(await t.token({ team: 'git-cfg-isolated', user: 'ivy', scopes: ['git:read', 'git:write'] }));
    expect(record(await get(other)).body.data).toEqual({ enabled: false, repository_url: null, default_branch: null });
    expect(record(await t.http().delete('/api/git-integration').set('authorization', other)).status).toBe(204);
    expect(record(await get()).body.data.enabled).toBe(true);
  });

  it('DELETE clears the settings and every credential but keeps pipelines', async () => {
    record(await save({ repository_url: 'https://github.com/acme-analytics/pipelines.git', credentials: { type: 'token', token: TOKEN } }));
    const pipeline = record(
      await t.http().post('/api/pipelines').set('authorization', auth).send({ name: 'kept', definition: { a: 1 } }),
    );
    expect(pipeline.status).toBe(201);

    const res = record(await t.http().delete('/api/git-integration').set('authorization', auth));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(record(await get()).body).toEqual({ data: { enabled: false, repository_url: null, default_branch: null } });
    expect(await loadGitIntegration(t.db.prisma, teamId, box)).toBeNull();
    expect(await t.db.prisma.gitIntegrationConfig.count({ where: { teamId } })).toBe(0);
    expect(await t.db.prisma.gitSshKey.count({ where: { teamId } })).toBe(0);
    const { rows } = await t.db.pool.query(
      `SELECT 1 FROM git_integration_configs WHERE encrypted_credentials IS NOT NULL AND team_id = $1`,
      [teamId],
    );
    expect(rows).toHaveLength(0);

    const still = record(await t.http().get(`/api/pipelines/${pipeline.body.data.id}`).set('authorization', auth));
    expect(still.status).toBe(200);
    expect(still.body.data.name).toBe('kept');
    // Deleting again is fine.
    expect(record(await t.http().delete('/api/git-integration').set('authorization', auth)).status).toBe(204);
  });
});
