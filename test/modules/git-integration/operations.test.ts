import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { git, GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { prefixedId } from '../../../src/lib/ids.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// The whole push/pull cycle against a real smart-HTTP remote (git http-backend
// behind a token check), with changes made on the other side by plain git.

const TOKEN = 'tok_Operations_s3cret_0123456789';
const RO_TOKEN = 'tok_ReadOnly_s3cret_9876543210';
const INSTALLATION_TOKEN = 'ghs_Installation_s3cret_24680';
const APP_KEY = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

// Several real git round trips per test: generous timeouts for a loaded CI machine.
describe('git operations: push, pull, status, history, test', { timeout: 90_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let server: HttpGitServer;
  let api: Server;
  let dataDir: string;
  let beforeReceivePack: (() => void) | undefined;
  const prRequests: { url: string; body: unknown; authorization: string }[] = [];
  let auth: string;
  let readOnly: string;
  let otherTeam: string;
  let teamId: string;
  const responses: string[] = [];
  const ids: Record<string, string> = {};

  const send = async <R extends { text: string }>(req: PromiseLike<R>) => {
    const res = await req;
    responses.push(res.text);
    return res;
  };
  const post = (path: string, body?: object, token = auth) => {
    const req = t.http().post(`/api${path}`).set('authorization', token);
    return send(body === undefined ? req : req.send(body));
  };
  const get = (path: string, token = auth) => send(t.http().get(`/api${path}`).set('authorization', token));
  const patch = (path: string, body: object) => send(t.http().patch(`/api${path}`).set('authorization', auth).send(body));
  const del = (path: string) => send(t.http().delete(`/api${path}`).set('authorization', auth));
  const status = async () => (await get('/git-integration/status')).body.data;
  const run = async (kind: 'push' | 'pull', body: object) => {
    const res = await post(`/git-integration/${kind}`, body);
    expect(res.status).toBe(202);
    return waitForOperation(t, auth, res.body.data.operation_id);
  };
  const file = (id: string, branch = 'main') => remotes.show('acme/pipes', branch, `pipelines/${id}.json`);
  const pipeline = async (id: string) => (await get(`/pipelines/${id}`)).body.data;
  const gitFile = (id: string, name: string, definition: object) => `${JSON.stringify({ definition, id, name }, null, 2)}\n`;

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    server = await startHttpGitServer(
      remotes.root,
      { [TOKEN]: 'rw', [RO_TOKEN]: 'ro', [INSTALLATION_TOKEN]: 'rw' },
      { beforeReceivePack: () => beforeReceivePack?.() },
    );
    api = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        prRequests.push({ url: req.url!, body: JSON.parse(raw || 'null'), authorization: String(req.headers.authorization) });
        if (req.url!.endsWith('/access_tokens')) {
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ token: INSTALLATION_TOKEN, expires_at: '2099-01-01T00:00:00Z' }));
          return;
        }
        // The App's installation 777 belongs to the account that owns acme/pipes (checked before a save).
        if (req.method === 'GET' && (req.url === '/app/installations/777' || req.url === '/repos/acme/pipes')) {
          const account = { login: 'acme', id: 7 };
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.url === '/repos/acme/pipes' ? { owner: account } : { account }));
          return;
        }
        res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ html_url: 'https://github.example/acme/pipes/pull/1', number: 1 }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    const env = gitTestEnv({
      GIT_PROVIDER_API_URLS: `github=http://127.0.0.1:${(api.address() as AddressInfo).port}`,
      GITHUB_APP_ID: '4242',
      GITHUB_APP_PRIVATE_KEY: APP_KEY,
      GITHUB_APP_CLIENT_ID: 'Iv1.operations',
      GITHUB_APP_CLIENT_SECRET: 'operations-client-secret',
      GITHUB_GIT_URL: new URL(server.url('acme/pipes')).origin,
    });
    dataDir = env.DATA_DIR!;
    t = await createTestApp({ jobs: true, env });
    auth = `Bearer ${await t.token({ team: 'git-ops', user: 'ada', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    readOnly = `Bearer ${await t.token({ team: 'git-ops', user: 'rob', scopes: ['git:read'] })}`;
    otherTeam = `Bearer ${await t.token({ team: 'git-ops-other', user: 'eve', scopes: ['git:read', 'git:write'] })}`;
    teamId = (await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'git-ops' } })).id;

    for (const name of ['alpha', 'bravo', 'charlie', 'delta', 'echo']) {
      const res = await post('/pipelines', { name, definition: { steps: [{ type: 'extract', source: name }], schedule: '@daily' } });
      expect(res.status).toBe(201);
      ids[name] = res.body.data.id;
    }
  });

  afterAll(async () => {
    // The token never appears in a response, a log line, or the clone's config.
    for (const text of responses) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(RO_TOKEN);
      expect(text).not.toContain(INSTALLATION_TOKEN);
    }
    expect(t.logs.text()).not.toContain(INSTALLATION_TOKEN);
    expect(t.logs.text()).not.toContain(TOKEN);
    expect(t.logs.text()).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    await t?.close();
    await server?.close();
    await new Promise((resolve) => api?.close(resolve));
    remotes?.close();
  });

  it('answers 409 before the integration is configured', async () => {
    const res = await post('/git-integration/push', { message: 'x' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toMatch(/not configured/);
    expect((await get('/git-integration/status')).status).toBe(409);
  });

  it('configures the integration (token over smart HTTP)', async () => {
    const res = await post('/git-integration', {
      enabled: true,
      provider: 'github',
      repository_url: server.url('acme/pipes'),
      default_branch: 'main',
      path_prefix: 'pipelines/',
      credentials: { type: 'token', token: TOKEN },
      author_name: 'Planasonix Bot',
      author_email: 'bot@example.com',
    });
    expect(res.status).toBe(200);
  });

  it('status before the first sync: every pipeline is local-ahead', async () => {
    expect(await status()).toMatchObject({
      in_sync: false,
      local_ahead_count: 5,
      remote_ahead_count: 0,
      last_successful_sync_at: null,
      active_operation: null,
      conflicts: [],
    });
  });

  it('tests the saved connection and other remotes', async () => {
    const saved = await post('/git-integration/test');
    expect(saved.status).toBe(200);
    expect(saved.body.data).toMatchObject({ reachable: true, permissions: ['read', 'write'], default_branch: 'main' });
    expect(saved.body.data.latency_ms).toBeGreaterThanOrEqual(0);
    expect((await post('/git-integration/test', {})).body.data).toMatchObject({ reachable: true });

    const ro = await post('/git-integration/test', { repository_url: server.url('acme/pipes'), credentials: { type: 'token', token: RO_TOKEN } });
    expect(ro.body.data).toMatchObject({ reachable: true, permissions: ['read'] });

    const bad = await post('/git-integration/test', { repository_url: server.url('acme/pipes'), credentials: { type: 'token', token: 'wrong-token-value' } });
    expect(bad.status).toBe(200);
    expect(bad.body.data).toMatchObject({ reachable: false, permissions: [] });
    expect(bad.body.data.reason).toMatch(/authentication failed/);
    expect(bad.text).not.toContain('wrong-token-value');

    const down = await post('/git-integration/test', { repository_url: 'http://127.0.0.1:9/nothing.git', credentials: null });
    expect(down.body.data).toMatchObject({ reachable: false });
    expect(down.body.data.reason).toMatch(/unreachable/);

    const invalid = await post('/git-integration/test', { repository_url: 'ext::sh -c touch% /tmp/pwned' });
    expect(invalid.status).toBe(400);
  });

  it('pushes every pipeline to main as deterministic files', async () => {
    const op = await run('push', { message: 'Export pipelines' });
    expect(op).toMatchObject({ kind: 'push', status: 'succeeded', branch: 'main', error: null });
    expect(op.result.commit_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(op.result.changes.added).toHaveLength(5);
    expect(remotes.head('acme/pipes', 'main')).toBe(op.result.commit_sha);
    expect(file(ids.alpha!)).toBe(
      `{\n  "definition": {\n    "schedule": "@daily",\n    "steps": [\n      {\n        "source": "alpha",\n        "type": "extract"\n      }\n    ]\n  },\n  "id": "${ids.alpha}",\n  "name": "alpha"\n}\n`,
    );
    const author = git(join(remotes.root, 'acme/pipes.git'), ['log', '-1', '--format=%an <%ae>|%s', 'main']).trim();
    expect(author).toBe('Planasonix Bot <bot@example.com>|Export pipelines');
    expect(remotes.show('acme/pipes', 'main', 'README.md')).toBe('# pipelines\n');
  });

  it('an identical second push makes no commit', async () => {
    const before = remotes.head('acme/pipes', 'main');
    const op = await run('push', { message: 'Again' });
    expect(op.status).toBe('succeeded');
    expect(op.result.commit_sha).toBeNull();
    expect(remotes.head('acme/pipes', 'main')).toBe(before);
  });

  it('status after the push is in sync', async () => {
    expect(await status()).toMatchObject({ in_sync: true, local_ahead_count: 0, remote_ahead_count: 0, conflicts: [] });
    expect((await status()).last_successful_sync_at).not.toBeNull();
  });

  it('never writes the token, or any remote, into the clone', () => {
    const config = readFileSync(join(dataDir, 'git', teamId, 'config'), 'utf8');
    expect(config).not.toContain(server.url('acme/pipes')); // git is given the URL on each command line
    expect(config).not.toMatch(/remote|url/i);
    expect(config).not.toContain(TOKEN);
    expect(config.toLowerCase()).not.toContain('extraheader');
  });

  it('history lists the commits touching the prefix with pipeline ids', async () => {
    const res = await get('/git-integration/history');
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
    expect(res.body.data[0]).toMatchObject({ message: 'Export pipelines', author: 'Planasonix Bot <bot@example.com>' });
    expect(res.body.data[0].pipeline_ids_touched).toEqual(Object.values(ids).sort());
    const limited = await get(`/git-integration/history?path=pipelines/${ids.alpha}.json&limit=1`);
    expect(limited.body.data[0].pipeline_ids_touched).toEqual([ids.alpha]);
    expect((await get('/git-integration/history?path=../etc')).status).toBe(400);
  });

  it('dry-run pull reports a change made with plain git without applying it', async () => {
    remotes.commit('acme/pipes', 'main', { [`pipelines/${ids.alpha}.json`]: gitFile(ids.alpha!, 'alpha v2', { steps: [] }) }, 'Edit alpha in git');
    expect((await status()).remote_ahead_count).toBe(0); // status never fetches
    const op = await run('pull', { dry_run: true });
    expect(op.status).toBe('succeeded');
    expect(op.result).toMatchObject({ dry_run: true, updated: [ids.alpha], created: [], deleted: [], conflicts: [] });
    expect((await pipeline(ids.alpha!)).name).toBe('alpha');
    expect(await status()).toMatchObject({ remote_ahead_count: 1, local_ahead_count: 0, in_sync: false });
  });

  it('pull applies it', async () => {
    const op = await run('pull', { strategy: 'merge' });
    expect(op.result).toMatchObject({ updated: [ids.alpha], conflicts: [] });
    const alpha = await pipeline(ids.alpha!);
    expect(alpha).toMatchObject({ name: 'alpha v2', definition: { steps: [] }, version: 2 });
    expect(await status()).toMatchObject({ in_sync: true, local_ahead_count: 0, remote_ahead_count: 0 });
  });

  it('a change on both sides is a conflict; nothing is applied for it; theirs resolves it', async () => {
    expect((await patch(`/pipelines/${ids.bravo}`, { name: 'bravo (app)' })).status).toBe(200);
    remotes.commit('acme/pipes', 'main', { [`pipelines/${ids.bravo}.json`]: gitFile(ids.bravo!, 'bravo (git)', { steps: [1] }) }, 'Edit bravo in git');
    expect((await status()).local_ahead_count).toBe(1);

    const op = await run('pull', { strategy: 'merge' });
    expect(op.status).toBe('conflict');
    expect(op.result.conflicts).toEqual([
      expect.objectContaining({
        pipeline_id: ids.bravo,
        path: `pipelines/${ids.bravo}.json`,
        app_change: 'modified',
        git_change: 'modified',
        app: expect.objectContaining({ name: 'bravo (app)' }),
        git: { name: 'bravo (git)', definition: { steps: [1] } },
      }),
    ]);
    expect((await pipeline(ids.bravo!)).name).toBe('bravo (app)');
    const s = await status();
    expect(s.in_sync).toBe(false);
    expect(s.conflicts).toEqual([{ pipeline_id: ids.bravo, path: `pipelines/${ids.bravo}.json`, app_change: 'modified', git_change: 'modified' }]);

    const theirs = await run('pull', { strategy: 'theirs' });
    expect(theirs.status).toBe('succeeded');
    expect(theirs.result.updated).toEqual([ids.bravo]);
    expect(await pipeline(ids.bravo!)).toMatchObject({ name: 'bravo (git)', definition: { steps: [1] } });
    expect(await status()).toMatchObject({ in_sync: true, conflicts: [], local_ahead_count: 0 });
  });

  it('ours keeps the app version, which the next push sends', async () => {
    await patch(`/pipelines/${ids.charlie}`, { name: 'charlie (app)' });
    remotes.commit('acme/pipes', 'main', { [`pipelines/${ids.charlie}.json`]: gitFile(ids.charlie!, 'charlie (git)', {}) }, 'Edit charlie in git');
    const op = await run('pull', { strategy: 'ours' });
    expect(op.status).toBe('succeeded');
    expect(op.result.conflicts[0]).toMatchObject({ pipeline_id: ids.charlie, resolution: 'ours' });
    expect((await pipeline(ids.charlie!)).name).toBe('charlie (app)');
    expect(await status()).toMatchObject({ local_ahead_count: 1, conflicts: [] });

    const push = await run('push', { message: 'Keep charlie' });
    expect(push.result.changes.modified).toEqual([`pipelines/${ids.charlie}.json`]);
    expect(JSON.parse(file(ids.charlie!)!).name).toBe('charlie (app)');
    expect(await status()).toMatchObject({ in_sync: true, local_ahead_count: 0 });
  });

  it('new files create pipelines, removed files soft-delete them, bad files are skipped and reported', async () => {
    const fresh = prefixedId('pl');
    remotes.commit(
      'acme/pipes',
      'main',
      {
        [`pipelines/${fresh}.json`]: gitFile(fresh, 'from git', { steps: ['load'] }),
        [`pipelines/${ids.delta}.json`]: null,
        'pipelines/not-an-id.json': gitFile('not-an-id', 'x', {}),
        [`pipelines/${prefixedId('pl')}.json`]: '{ broken json',
        'pipelines/notes.txt': 'hello',
        [`pipelines/${prefixedId('pl')}.json`]: 'bin\u0000ary',
        [`pipelines/${prefixedId('pl')}.json`]: JSON.stringify({ name: 'x', definition: 'not an object' }),
        [`pipelines/${prefixedId('pl')}.json`]: JSON.stringify({ name: 'huge', definition: { blob: 'x'.repeat(1_100_000) } }),
        [`pipelines/${prefixedId('pl')}.json`]: { symlink: '../../etc/passwd' },
        [`pipelines/nested/${prefixedId('pl')}.json`]: gitFile('x', 'nested', {}),
      },
      'Add, remove and break files',
    );
    const op = await run('pull', {});
    expect(op.status).toBe('succeeded');
    expect(op.result.created).toEqual([fresh]);
    expect(op.result.deleted).toEqual([ids.delta]);
    const reasons = op.result.skipped.map((s: { reason: string }) => s.reason).sort();
    expect(reasons).toEqual(['binary', 'invalid_id', 'invalid_json', 'invalid_pipeline', 'not_a_pipeline_file', 'not_a_pipeline_file', 'symlink', 'too_large']);
    expect(await pipeline(fresh)).toMatchObject({ id: fresh, name: 'from git', definition: { steps: ['load'] } });
    expect((await get(`/pipelines/${ids.delta}`)).status).toBe(404);
    expect(await status()).toMatchObject({ local_ahead_count: 0, remote_ahead_count: 0 });
  });

  it('a pipeline deleted in the app has its file removed by the next push', async () => {
    expect((await del(`/pipelines/${ids.echo}`)).status).toBe(204);
    expect((await status()).local_ahead_count).toBe(1);
    const op = await run('push', { message: 'Remove echo', pipeline_ids: [ids.echo] });
    expect(op.result.changes.removed).toEqual([`pipelines/${ids.echo}.json`]);
    expect(file(ids.echo!)).toBeNull();
    expect((await status()).local_ahead_count).toBe(0);
  });

  it('when the remote moved meanwhile, the commit is rebuilt on the new head and pushed again (never forced)', async () => {
    await patch(`/pipelines/${ids.bravo}`, { definition: { steps: ['moved'] } });
    beforeReceivePack = () => {
      beforeReceivePack = undefined; // only the first push attempt races
      remotes.commit('acme/pipes', 'main', { 'docs/NOTES.md': 'someone else was faster\n' }, 'Concurrent commit');
    };
    const op = await run('push', { message: 'Bravo moved' });
    expect(op.status).toBe('succeeded');
    expect(op.result.push_attempts).toBe(2);
    expect(remotes.show('acme/pipes', 'main', 'docs/NOTES.md')).toBe('someone else was faster\n');
    expect(JSON.parse(file(ids.bravo!)!).definition).toEqual({ steps: ['moved'] });
    const parent = git(join(remotes.root, 'acme/pipes.git'), ['log', '-1', '--format=%s', 'main^']).trim();
    expect(parent).toBe('Concurrent commit');
  });

  it('pushes to a new branch and opens a pull request', async () => {
    await patch(`/pipelines/${ids.alpha}`, { definition: { steps: ['v3'] } });
    const mainHead = remotes.head('acme/pipes', 'main');
    const op = await run('push', {
      branch: 'feature/alpha-v3',
      message: 'Alpha v3',
      pipeline_ids: [ids.alpha],
      create_pull_request: true,
      pr_title: 'Alpha v3',
      pr_body: 'Automated export from Planasonix.',
    });
    expect(op.status).toBe('succeeded');
    expect(op.result).toMatchObject({ branch_created: true, pull_request: { url: 'https://github.example/acme/pipes/pull/1', number: 1 } });
    const parent = git(join(remotes.root, 'acme/pipes.git'), ['rev-parse', 'refs/heads/feature/alpha-v3^']).trim();
    expect(parent).toBe(mainHead);
    expect(JSON.parse(file(ids.alpha!, 'feature/alpha-v3')!).definition).toEqual({ steps: ['v3'] });
    expect(prRequests).toHaveLength(1);
    expect(prRequests[0]).toMatchObject({
      body: { title: 'Alpha v3', body: 'Automated export from Planasonix.', head: 'feature/alpha-v3', base: 'main' },
      authorization: `Bearer ${TOKEN}`,
    });
    expect(prRequests[0]!.url).toBe("/repos/acme/pipes/pulls");
  });

  it('GitHub App credentials: git uses an installation token obtained with the App JWT', async () => {
    const appTeam = `Bearer ${await t.token({ team: 'git-ops-app', user: 'gia', scopes: ['git:read', 'git:write'] })}`;
    // The link a member's GitHub authorization would record (the flow itself: github-app-link.test.ts).
    const appTeamRow = await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'git-ops-app' }, include: { users: true } });
    await t.db.prisma.githubAppInstallationLink.create({
      data: { teamId: appTeamRow.id, installationId: '777', accountId: 7n, accountLogin: 'acme', linkedByUser: appTeamRow.users[0]!.id },
    });
    const saved = await post(
      '/git-integration',
      { provider: 'github', repository_url: server.url('acme/pipes'), credentials: { type: 'github_app', installation_id: '777' }, author_name: 'App', author_email: 'app@example.com' },
      appTeam,
    );
    expect(saved.status).toBe(200);
    const before = prRequests.length;
    const res = await post('/git-integration/test', undefined, appTeam);
    expect(res.body.data).toMatchObject({ reachable: true, permissions: ['read', 'write'], default_branch: 'main' });
    const exchange = prRequests.slice(before).find((r) => r.url === '/app/installations/777/access_tokens');
    expect(exchange?.authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(exchange?.body).toEqual({ repositories: ['pipes'], permissions: { contents: 'write', pull_requests: 'write' } });
  });

  it('a failed operation reports a sanitised reason, also in the status', async () => {
    const wrong = 'tok_Wrong_s3cret_1357913579';
    const team = `Bearer ${await t.token({ team: 'git-ops-bad', user: 'bo', scopes: ['git:read', 'git:write'] })}`;
    await post(
      '/git-integration',
      { provider: 'github', repository_url: server.url('acme/pipes'), credentials: { type: 'token', token: wrong }, author_name: 'B', author_email: 'b@example.com' },
      team,
    );
    const res = await post('/git-integration/pull', {}, team);
    expect(res.status).toBe(202);
    const op = await waitForOperation(t, team, res.body.data.operation_id);
    expect(op.status).toBe('failed');
    expect(op.error).toMatch(/git fetch failed/);
    expect(op.error).not.toContain(wrong);
    const s = (await get('/git-integration/status', team)).body.data;
    expect(s).toMatchObject({ in_sync: false, last_error: op.error, active_operation: null });
    expect(JSON.stringify(responses)).not.toContain(wrong);
    expect(t.logs.text()).not.toContain(wrong);

    expect((await post('/git-integration', { enabled: false }, team)).status).toBe(200);
    const disabled = await post('/git-integration/push', {}, team);
    expect(disabled.status).toBe(409);
    expect(disabled.body.error.message).toMatch(/disabled/);
  });

  it("runs a team's operations one at a time, in submission order", async () => {
    const submitted = [];
    for (const [kind, body] of [['push', { message: 'one' }], ['pull', { dry_run: true }], ['push', { message: 'three' }]] as const) {
      const res = await post(`/git-integration/${kind}`, body);
      expect(res.body.data.status).toBe('queued');
      submitted.push(res.body.data.operation_id as string);
    }
    const busy = await status();
    expect(busy.in_sync).toBe(false);
    expect(submitted).toContain(busy.active_operation.id);
    expect(['queued', 'running']).toContain(busy.active_operation.status);
    const done = [];
    for (const id of submitted) done.push(await waitForOperation(t, auth, id));
    const rows = await Promise.all(submitted.map(async (id) => (await get(`/git-integration/operations/${id}`)).body.data));
    for (let i = 1; i < rows.length; i++) {
      expect(new Date(rows[i].started_at).getTime()).toBeGreaterThanOrEqual(new Date(rows[i - 1].finished_at).getTime());
    }
    expect(done.map((op) => op.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('lists operations newest first with cursor pagination', async () => {
    const first = await get('/git-integration/operations?limit=3');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(3);
    expect(first.body.meta.page).toMatchObject({ limit: 3 });
    const second = await get(`/git-integration/operations?limit=3&cursor=${first.body.meta.page.cursor}`);
    expect(second.body.data[0].id < first.body.data[2].id).toBe(true);
    expect((await get('/git-integration/operations?cursor=bogus')).status).toBe(400);
  });

  it('validates bodies, scopes, tokens and tenants', async () => {
    expect((await post('/git-integration/push', { branch: 'bad..branch' })).status).toBe(400);
    expect((await post('/git-integration/push', { pipeline_ids: [prefixedId('pl')] })).status).toBe(400);
    expect((await post('/git-integration/pull', { strategy: 'force' })).status).toBe(400);
    expect((await post('/git-integration/push', { create_pull_request: true })).status).toBe(400);
    expect((await send(t.http().post('/api/git-integration/push').send({}))).status).toBe(401);
    expect((await send(t.http().get('/api/git-integration/status').set('authorization', 'Bearer nope'))).status).toBe(401);
    expect((await post('/git-integration/push', {}, readOnly)).status).toBe(403);
    expect((await post('/git-integration/test', {}, readOnly)).status).toBe(403);
    expect((await get('/git-integration/status', readOnly)).status).toBe(200);

    const ops = await get('/git-integration/operations?limit=1');
    const id = ops.body.data[0].id;
    expect((await get(`/git-integration/operations/${id}`, otherTeam)).status).toBe(404);
    expect((await get('/git-integration/operations', otherTeam)).body.data).toEqual([]);
    expect((await get('/git-integration/operations/gitop_nope')).status).toBe(404);
    expect((await post('/git-integration/pull', {}, otherTeam)).status).toBe(409);
  });
});
