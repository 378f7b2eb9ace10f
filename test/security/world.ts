import { expect } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../helpers/git-remotes.js';
import { gitTestEnv, waitForOperation } from '../modules/git-integration/helpers.js';
import { seedAcai } from '../modules/acai/fixtures.js';
import { body as pushBody, refs, spec } from '../modules/acai/push-helpers.js';
import { scenario } from '../modules/acai/scenario.js';
import { ALL_SCOPES } from '../../src/lib/auth/scopes.js';
import { createToken } from '../../src/db/tokens.js';
import { canonicalUrl, type AppRoute } from './routes.js';

// One app with team A owning one resource of every kind (acai data, device,
// binding, push and pull session, pipeline, git settings with a token, ssh key,
// git operation), for the security tests to aim other callers at.

export const GIT_TOKEN = 'ghp_SecurityTests0123456789abcdefABCDEF';
export const TEAM_A = 'sec-team-a';
const TEAM_B = 'sec-team-b';

export interface WorldIds {
  device: string;
  binding: string;
  pushSession: string;
  pullSession: string;
  pipeline: string;
  operation: string;
  sshKey: string;
  /** A second token of team A (not authA's own: revoking it must not lock team A out of the other tests). */
  token: string;
}

export interface World {
  t: TestApp;
  remotes: GitRemotes;
  gitServer: HttpGitServer;
  repositoryUrl: string;
  /** `Bearer ...` of team A and team B, each with every scope. */
  authA: string;
  authB: string;
  rawTokens: string[];
  ids: WorldIds;
  /** Strings only team A's data contains: none may reach team B. */
  markersA: string[];
  close(): Promise<void>;
}

export async function createWorld(options: { env?: Record<string, string> } = {}): Promise<World> {
  const remotes = new GitRemotes();
  remotes.createBare('sec/pipes', { files: { 'README.md': '# pipes\n' } });
  const gitServer = await startHttpGitServer(remotes.root, { [GIT_TOKEN]: 'rw' });
  const t = await createTestApp({ jobs: true, env: gitTestEnv(options.env) });
  const tokenA = await t.token({ team: TEAM_A, user: 'ann', scopes: ALL_SCOPES });
  const tokenB = await t.token({ team: TEAM_B, user: 'bob', scopes: ALL_SCOPES });
  const authA = `Bearer ${tokenA}`;
  const authB = `Bearer ${tokenB}`;
  await seedAcai(t.db.prisma, scenario(TEAM_A));

  const send = async (method: 'post' | 'patch', url: string, body: object, status: number) => {
    const res = await t.http()[method](url).set('authorization', authA).send(body);
    expect(res.status, `${method} ${url}: ${res.text}`).toBe(status);
    return res.body;
  };
  const device = (await send('post', '/v1/devices', { name: 'sec-a-laptop' }, 201)).device.id as string;
  const binding = (await send('post', '/v1/workspace-bindings', { deviceId: device, environmentId: 'env_sec_a', localPath: '/home/ann/sec-a' }, 201))
    .binding.id as string;
  const pushSession = (await send('post', `/v1/workspace-bindings/${binding}/push-sessions`, { planSignature: 'sig_a1', plan: { files: 1 } }, 201))
    .pushSession.id as string;
  const pullSession = (await send('post', `/v1/workspace-bindings/${binding}/pull-sessions`, { planSignature: 'sig_a2', plan: { files: 2 } }, 201))
    .pullSession.id as string;
  const pipeline = (await send('post', '/api/pipelines', { name: 'sec-a-pipeline', definition: { steps: [] } }, 201)).data.id as string;
  const sshKey = (await send('post', '/api/git-integration/ssh-keys', { comment: 'sec-a' }, 201)).data.id as string;
  const repositoryUrl = gitServer.url('sec/pipes');
  await send(
    'post',
    '/api/git-integration',
    { enabled: true, provider: 'github', repository_url: repositoryUrl, default_branch: 'main', path_prefix: 'pipelines/', credentials: { type: 'token', token: GIT_TOKEN } },
    200,
  );
  // A provider webhook, so that its sealed secret is among the stored values checked.
  await send('post', '/api/git-integration/webhook', {}, 201);
  const operation = (await send('post', '/api/git-integration/push', { message: 'first sync' }, 202)).data.operation_id as string;
  const done = await waitForOperation(t, authA, operation);
  expect(done.status, JSON.stringify(done)).toBe('succeeded');

  const token = (await createToken(t.db.prisma, { team: TEAM_A, user: 'ann', name: 'sec-a-spare' })).id;
  const ids = { device, binding, pushSession, pullSession, pipeline, operation, sshKey, token };
  return {
    t,
    remotes,
    gitServer,
    repositoryUrl,
    authA,
    authB,
    rawTokens: [tokenA, tokenB],
    ids,
    markersA: [...Object.values(ids), 'sec-a-laptop', 'sec-a-pipeline', 'env_sec_a', repositoryUrl, 'sig_a1', 'sig_a2'],
    async close() {
      await t.close();
      await gitServer.close();
      remotes.close();
    },
  };
}

/** Which id fills a path parameter; a new parameter must be added here (the tests fail until it is). */
function paramValue(url: string, param: string, ids: WorldIds): string {
  if (param === 'bindingId') return ids.binding;
  if (param === 'pushSessionId') return ids.pushSession;
  if (param === 'pullSessionId') return ids.pullSession;
  if (param === 'id' && canonicalUrl(url).startsWith('/v1/devices/')) return ids.device;
  if (param === 'id' && url.startsWith('/api/pipelines/')) return ids.pipeline;
  if (param === 'id' && url.startsWith('/api/git-integration/operations/')) return ids.operation;
  if (param === 'id' && url.startsWith('/api/git-integration/ssh-keys/')) return ids.sshKey;
  if (param === 'id' && url.startsWith('/api/tokens/')) return ids.token;
  throw new Error(`no id known for :${param} in ${url}: add it to test/security/world.ts`);
}

export function fillPath(url: string, ids: WorldIds): string {
  return url.replace(/:([A-Za-z]+)/g, (_all, param: string) => paramValue(url, param, ids));
}

export const hasParams = (route: AppRoute) => route.url.includes(':');

/** A request the route accepts (valid query and body), so that only auth and ownership decide the answer. */
export function validRequest(route: AppRoute, ids: WorldIds, repositoryUrl: string): { query?: Record<string, string>; body?: object } {
  // A root alias (`/devices`) takes the request of its `/v1` form.
  const key = `${route.method} ${canonicalUrl(route.url)}`;
  const requests: Record<string, { query?: Record<string, string>; body?: object }> = {
    'GET /api/v1/implementations': { query: { product_name: 'api' } },
    'GET /api/v1/implementation-features': { query: { product_name: 'api', implementation_name: 'prod' } },
    'GET /api/v1/feature-context': { query: { product_name: 'api', implementation_name: 'prod', feature_name: 'auth' } },
    'PATCH /api/v1/feature-states': {
      body: { product_name: 'api', implementation_name: 'prod', feature_name: 'auth', states: { 'auth.LOGIN.1': { status: 'completed' } } },
    },
    // Pushing specs needs specs:write; the body carries specs so that the scope is required.
    'POST /api/v1/push': {
      body: pushBody('github.com/acme/api', 'main', {
        specs: [spec({ feature: 'auth', product: 'api', requirements: { 'auth.LOGIN.1': { requirement: 'x' } } })],
        references: refs({ 'auth.LOGIN.1': [{ path: 'src/auth.ts:1', is_test: false }] }),
      }),
    },
    'POST /v1/devices': { body: { name: 'sec-laptop-2' } },
    'PATCH /v1/devices/:id': { body: { name: 'renamed' } },
    'POST /v1/devices/:id/heartbeat': { body: {} },
    'POST /v1/workspace-bindings': { body: { deviceId: ids.device, environmentId: 'env_x', localPath: '/tmp/x' } },
    'PATCH /v1/workspace-bindings/:bindingId': { body: { name: 'renamed' } },
    'POST /v1/workspace-bindings/:bindingId/push-sessions': { body: { planSignature: 'sig_b1', plan: { files: 3 } } },
    'POST /v1/workspace-bindings/:bindingId/pull-sessions': { body: { planSignature: 'sig_b2', plan: { files: 4 } } },
    'POST /v1/workspace-bindings/:bindingId/pull-sessions/:pullSessionId/apply-preview': { body: { previewSignature: 'sig_p', preview: { ok: true } } },
    'POST /v1/workspace-bindings/:bindingId/pull-sessions/:pullSessionId/apply-result': { body: { resultSignature: 'sig_r', result: { ok: true } } },
    'POST /api/git-integration': { body: { enabled: true, provider: 'github', repository_url: repositoryUrl.replace('sec/pipes', 'other/pipes'), default_branch: 'main' } },
    'POST /api/git-integration/ssh-keys': { body: {} },
    'POST /api/git-integration/push': { body: { message: 'm' } },
    'POST /api/git-integration/pull': { body: { dry_run: true } },
    'POST /api/git-integration/test': { body: {} },
    'POST /api/pipelines': { body: { name: 'another', definition: {} } },
    'PATCH /api/pipelines/:id': { body: { name: 'renamed' } },
    'POST /api/tokens': { body: { name: 'sec-token' } },
  };
  return requests[key] ?? {};
}
