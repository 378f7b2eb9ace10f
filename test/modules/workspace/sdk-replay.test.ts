import { createHash } from 'node:crypto';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerRootAlias } from '../../../src/app.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { ISO, READ_WRITE, bearer } from './helpers.js';

// The request sequences of the Computer Agents SDKs' local bridge, replayed on both path
// forms. The TypeScript SDK resolves every path against the base URL's origin
// (`/devices`, never `/v1/devices`); the Python SDK appends it to a base URL ending in
// `/v1`. Both send JSON bodies in which absent optional fields are simply missing and
// explicit `null`s are allowed where their types say `| null`; query values are strings.
// The SDK reads `message || error` of an error body, then `code` and `details`.

const PATH_FORMS = [
  { form: 'root (TypeScript SDK)', base: '' },
  { form: '/v1 (Python SDK)', base: '/v1' },
] as const;

interface SdkError {
  status: number;
  message: unknown;
  code: unknown;
  details: unknown;
}

/** What one SDK call sends and how it reads the answer, written from the SDKs' request code. */
class BridgeClient {
  constructor(
    private readonly t: TestApp,
    private readonly base: string,
    private readonly authorization: string,
  ) {}

  async call<T = Record<string, unknown>>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    options: { body?: unknown; query?: Record<string, string | number | undefined> } = {},
  ): Promise<{ status: number; body: T }> {
    const query = Object.fromEntries(
      Object.entries(options.query ?? {})
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => [key, String(value)]),
    );
    const verb = method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    let req = this.t.http()[verb](`${this.base}${path}`).set('authorization', this.authorization).query(query);
    // A body is sent as JSON text when there is one; JSON.stringify drops undefined fields.
    if (options.body) req = req.set('content-type', 'application/json').send(JSON.stringify(options.body));
    const res = await req;
    if (res.status >= 400) {
      const body = (res.body ?? {}) as Record<string, unknown>;
      const error: SdkError = { status: res.status, message: body.message || body.error, code: body.code, details: body.details };
      throw Object.assign(new Error(String(error.message)), error);
    }
    return { status: res.status, body: (res.status === 204 ? undefined : res.body) as T };
  }
}

/** The error an SDK call raises, as the SDK would build it. */
async function sdkError(promise: Promise<unknown>): Promise<SdkError & Error> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError & Error;
  }
  throw new Error('expected the call to fail');
}

/** Our own stand-in for the client-side plan signature: deterministic over a canonical form of the value. */
function signature(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]))
        : v;
  return `sig_${createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex').slice(0, 12)}`;
}

type Device = Record<string, unknown> & { id: string; name: string; platform: string | null; hostname: string | null; lastSeenAt: string | null };
type Binding = Record<string, unknown> & { id: string; deviceId: string; updatedAt: string; syncRoot: string };
type Session = Record<string, unknown> & { id: string; status: string };

describe.each(PATH_FORMS)('SDK request sequences on the $form path form', ({ base }) => {
  let t: TestApp;
  let sdk: BridgeClient;
  let userId: string;
  const team = `ws-sdk${base.replace('/', '-') || '-root'}`;

  beforeAll(async () => {
    t = await createTestApp();
    sdk = new BridgeClient(t, base, bearer(await t.token({ team, user: `${team}-dev`, scopes: READ_WRITE })));
    userId = (await t.db.prisma.user.findFirstOrThrow({ where: { name: `${team}-dev` } })).id;
  });
  afterAll(async () => t?.close());

  /** resolveDevice: find the device by name (and platform/hostname when hinted) in the first 100, heartbeat it, else register it. */
  async function resolveDevice(hint: { name: string; platform?: string | null; hostname?: string | null; appVersion?: string; capabilities?: Record<string, unknown> | null }) {
    const list = await sdk.call<{ data: Device[]; total_count: number }>('GET', '/devices', { query: { limit: 100 } });
    const existing = list.body.data.find(
      (d) => d.name === hint.name && (hint.platform == null || d.platform === hint.platform) && (hint.hostname == null || d.hostname === hint.hostname),
    );
    if (existing) {
      const beat = await sdk.call<{ device: Device }>('POST', `/devices/${existing.id}/heartbeat`, {
        body: { appVersion: hint.appVersion, daemonVersion: undefined, capabilities: hint.capabilities },
      });
      return { device: beat.body.device, created: false, status: beat.status };
    }
    const created = await sdk.call<{ device: Device }>('POST', '/devices', {
      body: { name: hint.name, platform: hint.platform ?? null, hostname: hint.hostname ?? null, appVersion: hint.appVersion, capabilities: hint.capabilities, status: undefined },
    });
    return { device: created.body.device, created: true, status: created.status };
  }

  /** resolveLocalBinding: the bindings of one environment (first 100), the most recently updated first. */
  async function bindingOf(environmentId: string): Promise<Binding | null> {
    const list = await sdk.call<{ data: Binding[]; total_count: number }>('GET', '/workspace-bindings', { query: { environmentId, limit: 100 } });
    expect(list.body.total_count).toBe(list.body.data.length);
    return [...list.body.data].sort((x, y) => y.updatedAt.localeCompare(x.updatedAt))[0] ?? null;
  }

  it('device register, then heartbeat: nulls the types allow, userId of the token, lastSeenAt in an update', async () => {
    const first = await resolveDevice({ name: 'Studio Mac', capabilities: null });
    expect(first).toMatchObject({ created: true, status: 201 });
    expect(first.device).toMatchObject({ userId, name: 'Studio Mac', platform: null, hostname: null, status: 'online', capabilities: {} });
    expect(first.device.lastSeenAt).toMatch(ISO);

    const second = await resolveDevice({ name: 'Studio Mac', appVersion: '2.0.0', capabilities: { watch: true } });
    expect(second).toMatchObject({ created: false, status: 200 });
    expect(second.device).toMatchObject({ id: first.device.id, userId, appVersion: '2.0.0', capabilities: { watch: true }, status: 'online' });

    // A heartbeat with capabilities: null clears them; one without a body is fine too.
    const cleared = await sdk.call<{ device: Device }>('POST', `/devices/${first.device.id}/heartbeat`, { body: { capabilities: null, appVersion: null } });
    expect(cleared.body.device).toMatchObject({ capabilities: {}, appVersion: null });
    expect((await sdk.call<{ device: Device }>('POST', `/devices/${first.device.id}/heartbeat`)).body.device.status).toBe('online');

    // updateDevice with lastSeenAt (and capabilities: null): the stated time wins over the one `online` would set.
    const seen = '2026-01-02T03:04:05.000Z';
    const updated = await sdk.call<{ device: Device }>('PATCH', `/devices/${first.device.id}`, {
      body: { lastSeenAt: seen, status: 'online', capabilities: null, platform: 'darwin' },
    });
    expect(updated.body.device).toMatchObject({ lastSeenAt: seen, platform: 'darwin', capabilities: {}, status: 'offline' });
    // A time with an offset is the same instant; a clock ahead of the server's is recorded as now.
    const offset = await sdk.call<{ device: Device }>('PATCH', `/devices/${first.device.id}`, { body: { lastSeenAt: '2026-01-02T05:04:05+02:00' } });
    expect(offset.body.device.lastSeenAt).toBe(seen);
    const ahead = await sdk.call<{ device: Device }>('PATCH', `/devices/${first.device.id}`, { body: { lastSeenAt: new Date(Date.now() + 86_400_000).toISOString() } });
    expect(Date.parse(ahead.body.device.lastSeenAt!)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(ahead.body.device.lastSeenAt!)).toBeGreaterThan(Date.now() - 60_000);
    expect(ahead.body.device.status).toBe('online');
    const never = await sdk.call<{ device: Device }>('PATCH', `/devices/${first.device.id}`, { body: { lastSeenAt: null } });
    expect(never.body.device).toMatchObject({ lastSeenAt: null, status: 'offline' });

    const bad = await sdkError(sdk.call('PATCH', `/devices/${first.device.id}`, { body: { lastSeenAt: 'yesterday' } }));
    expect(bad).toMatchObject({ status: 400, message: 'Request validation failed', code: 'invalid_request' });
    expect(bad.details).toEqual([{ field: 'body.lastSeenAt', issue: 'must be an ISO 8601 date-time' }]);

    // listDevices with a status filter, and getDevice, as the SDK reads them.
    const offline = await sdk.call<{ data: Device[]; total_count: number }>('GET', '/devices', { query: { status: 'offline', limit: 10, offset: 0 } });
    expect(offline.body.data.map((d) => d.id)).toEqual([first.device.id]);
    expect((await sdk.call<{ device: Device }>('GET', `/devices/${first.device.id}`)).body.device.userId).toBe(userId);
  });

  it('computers.create with a local folder: device, binding (ignorePatterns: null, syncRoot defaulted), lookup by environmentId', async () => {
    const { device } = await resolveDevice({ name: 'Work laptop', platform: 'linux', hostname: 'wl.local' });
    const environmentId = `env_${team}_1`;
    const created = await sdk.call<{ binding: Binding }>('POST', '/workspace-bindings', {
      body: { deviceId: device.id, environmentId, projectId: undefined, name: 'app', localPath: '/home/dev/app', syncRoot: '/home/dev/app', ignorePatterns: null, syncMode: undefined, executionMode: 'bridge_local' },
    });
    expect(created.status).toBe(201);
    expect(created.body.binding).toMatchObject({
      userId,
      deviceId: device.id,
      environmentId,
      projectId: null,
      name: 'app',
      localPath: '/home/dev/app',
      syncRoot: '/home/dev/app',
      ignorePatterns: [],
      syncMode: 'manual',
      executionMode: 'bridge_local',
    });

    // localBridge.createBinding without syncRoot: the binding's local path is its root.
    const other = await sdk.call<{ binding: Binding }>('POST', '/workspace-bindings', {
      body: { deviceId: device.id, environmentId: `env_${team}_2`, projectId: null, localPath: '/srv/other', ignorePatterns: ['dist'] },
    });
    expect(other.body.binding).toMatchObject({ syncRoot: '/srv/other', ignorePatterns: ['dist'], userId });

    // computers.get: binding by environmentId, then its device.
    const found = await bindingOf(environmentId);
    expect(found).toEqual(created.body.binding);
    expect((await sdk.call<{ device: Device }>('GET', `/devices/${found!.deviceId}`)).body.device.id).toBe(device.id);
    expect(await bindingOf('env_nobody')).toBeNull();

    // connectLocal on a connected computer: updateBinding with ignorePatterns: null and no syncRoot.
    const moved = await sdk.call<{ binding: Binding }>('PATCH', `/workspace-bindings/${other.body.binding.id}`, {
      body: { localPath: '/srv/moved', syncRoot: undefined, ignorePatterns: null, syncMode: 'watch', executionMode: undefined },
    });
    expect(moved.body.binding).toMatchObject({ localPath: '/srv/moved', syncRoot: '/srv/moved', ignorePatterns: [], syncMode: 'watch' });
    const rooted = await sdk.call<{ binding: Binding }>('PATCH', `/workspace-bindings/${other.body.binding.id}`, { body: { syncRoot: '/srv/moved/src' } });
    expect(rooted.body.binding.syncRoot).toBe('/srv/moved/src');
    const reset = await sdk.call<{ binding: Binding }>('PATCH', `/workspace-bindings/${other.body.binding.id}`, { body: { syncRoot: null } });
    expect(reset.body.binding.syncRoot).toBe('/srv/moved');

    // listLocal({ projectId: null }) asks for projectId=none.
    const none = await sdk.call<{ data: Binding[]; total_count: number }>('GET', '/workspace-bindings', { query: { deviceId: device.id, projectId: 'none', limit: 50, offset: 0 } });
    expect(none.body.data.map((b) => b.id).sort()).toEqual([created.body.binding.id, other.body.binding.id].sort());
    expect(none.body.total_count).toBe(2);

    // deleteBinding answers 204 without a body.
    expect((await sdk.call('DELETE', `/workspace-bindings/${other.body.binding.id}`)).status).toBe(204);
    const gone = await sdkError(sdk.call('GET', `/workspace-bindings/${other.body.binding.id}`));
    expect(gone).toMatchObject({ status: 404, message: 'Workspace binding not found', code: 'not_found' });
  });

  it('push: prepare (metadata: null), retry, supersede, list and get', async () => {
    const { device } = await resolveDevice({ name: 'Push box' });
    const environmentId = `env_${team}_push`;
    await sdk.call('POST', '/workspace-bindings', { body: { deviceId: device.id, environmentId, localPath: '/work/push' } });
    const binding = (await bindingOf(environmentId))!;
    const push = `/workspace-bindings/${binding.id}/push-sessions`;
    const plan1 = { files: [{ path: 'a.txt', sha: '01' }], deletes: [] };
    const plan2 = { files: [{ path: 'a.txt', sha: '02' }], deletes: ['b.txt'] };

    const first = await sdk.call<{ pushSession: Session; created: boolean }>('POST', push, { body: { plan: plan1, planSignature: signature(plan1), metadata: null } });
    expect(first.status).toBe(201);
    expect(first.body.created).toBe(true);
    expect(first.body.pushSession).toMatchObject({ userId, deviceId: device.id, environmentId, status: 'prepared', metadata: null, plan: plan1 });

    // A retry of the same plan (keys in another order: same signature) returns the same session.
    const reordered = { deletes: [], files: [{ sha: '01', path: 'a.txt' }] };
    const retry = await sdk.call<{ pushSession: Session; created: boolean }>('POST', push, { body: { plan: reordered, planSignature: signature(reordered), metadata: { attempt: 2 } } });
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ pushSession: first.body.pushSession, created: false });

    const second = await sdk.call<{ pushSession: Session; created: boolean }>('POST', push, { body: { plan: plan2, planSignature: signature(plan2) } });
    expect(second.status).toBe(201);
    expect(second.body.pushSession.id).not.toBe(first.body.pushSession.id);
    expect((await sdk.call<{ pushSession: Session }>('GET', `${push}/${first.body.pushSession.id}`)).body.pushSession.status).toBe('superseded');

    const prepared = await sdk.call<{ data: Session[]; total_count: number }>('GET', push, { query: { status: 'prepared', limit: 20 } });
    expect(prepared.body).toMatchObject({ total_count: 1, data: [{ id: second.body.pushSession.id }] });
    const all = await sdk.call<{ data: Session[]; total_count: number }>('GET', push, { query: { limit: 20, offset: 0 } });
    expect(all.body.data.map((s) => s.status)).toEqual(['prepared', 'superseded']);
  });

  it('pull: prepare, apply-preview and apply-result (metadata: null), repeated and after a supersede', async () => {
    const { device } = await resolveDevice({ name: 'Pull box' });
    const environmentId = `env_${team}_pull`;
    await sdk.call('POST', '/workspace-bindings', { body: { deviceId: device.id, environmentId, localPath: '/work/pull', ignorePatterns: null } });
    const binding = (await bindingOf(environmentId))!;
    const pull = `/workspace-bindings/${binding.id}/pull-sessions`;
    const plan = { files: [{ path: 'c.txt', sha: '03' }] };

    const prepared = await sdk.call<{ pullSession: Session; created: boolean }>('POST', pull, { body: { plan, planSignature: signature(plan), metadata: null } });
    expect(prepared.status).toBe(201);
    const id = prepared.body.pullSession.id;
    expect(prepared.body.pullSession).toMatchObject({ userId, metadata: null, previewSignature: null, resultSignature: null });

    const preview = { changes: [{ path: 'c.txt', action: 'write' }] };
    const previewed = await sdk.call<{ pullSession: Session; updated: boolean }>('POST', `${pull}/${id}/apply-preview`, {
      body: { preview, previewSignature: signature(preview), metadata: null },
    });
    expect(previewed.body).toMatchObject({ updated: true, pullSession: { id, preview, previewSignature: signature(preview), previewMetadata: null } });
    expect(previewed.body.pullSession.previewAppliedAt).toMatch(ISO);
    const again = await sdk.call<{ pullSession: Session; updated: boolean }>('POST', `${pull}/${id}/apply-preview`, {
      body: { preview, previewSignature: signature(preview), metadata: null },
    });
    expect(again.body).toEqual({ updated: false, pullSession: previewed.body.pullSession });

    const result = { applied: 1, failed: 0 };
    const applied = await sdk.call<{ pullSession: Session; updated: boolean }>('POST', `${pull}/${id}/apply-result`, {
      body: { result, resultSignature: signature(result), metadata: null },
    });
    expect(applied.body).toMatchObject({ updated: true, pullSession: { id, status: 'prepared', result, resultMetadata: null, previewSignature: signature(preview) } });
    expect((await sdk.call<{ pullSession: Session }>('GET', `${pull}/${id}`)).body.pullSession).toEqual(applied.body.pullSession);

    // A new plan supersedes the session; applying to the old one is a 409 the SDK can show.
    const next = { files: [{ path: 'c.txt', sha: '04' }] };
    expect((await sdk.call('POST', pull, { body: { plan: next, planSignature: signature(next) } })).status).toBe(201);
    const stale = await sdkError(sdk.call('POST', `${pull}/${id}/apply-result`, { body: { result, resultSignature: 'sig_other', metadata: null } }));
    expect(stale).toMatchObject({ status: 409, code: 'conflict' });
    expect(stale.message).toMatch(/superseded/);
    const listed = await sdk.call<{ data: Session[]; total_count: number }>('GET', pull, { query: { status: 'superseded' } });
    expect(listed.body).toMatchObject({ total_count: 1, data: [{ id }] });
  });

  it('errors reach the SDK as a readable message, code and details (never [object Object])', async () => {
    const unknownDevice = await sdkError(sdk.call('GET', '/devices/dev_00000000000000000000000000'));
    expect(unknownDevice).toMatchObject({ status: 404, message: 'Device not found', code: 'not_found' });
    const unknownRoute = await sdkError(sdk.call('GET', '/devices/dev_x/local-state'));
    expect(unknownRoute).toMatchObject({ status: 404, message: `No route GET ${base}/devices/dev_x/local-state`, code: 'not_found' });
    // The SDK's environment and thread resources are not served here; their 404 must still be readable.
    for (const path of ['/environments/env_x', '/threads/thr_x/local-sessions']) {
      const unserved = await sdkError(sdk.call('GET', path));
      expect(unserved, path).toMatchObject({ status: 404, message: `No route GET ${base}${path}`, code: 'not_found' });
    }
    const invalid = await sdkError(sdk.call('POST', '/devices', { body: { name: '' } }));
    expect(invalid).toMatchObject({ status: 400, message: 'Request validation failed', code: 'invalid_request' });
    expect(invalid.details).toEqual([{ field: 'body.name', issue: 'must not be empty' }]);
    const anonymous = await sdkError(new BridgeClient(t, base, 'Bearer at_unknown_0000000000000000').call('GET', '/workspace-bindings'));
    expect(anonymous).toMatchObject({ status: 401, code: 'unauthorized' });
    expect(typeof anonymous.message).toBe('string');
  });
});

describe('the two path forms are one API', () => {
  let t: TestApp;
  let auth: string;

  beforeAll(async () => {
    t = await createTestApp();
    auth = bearer(await t.token({ team: 'ws-sdk-both', user: 'ws-sdk-both-dev', scopes: READ_WRITE }));
  });
  afterAll(async () => t?.close());

  const get = (path: string) => t.http().get(path).set('authorization', auth);

  it('what one form writes the other reads, with identical answers', async () => {
    const device = (await t.http().post('/devices').set('authorization', auth).send({ name: 'Both' })).body.device;
    const binding = (await t.http().post('/v1/workspace-bindings').set('authorization', auth).send({ deviceId: device.id, environmentId: 'env_both', localPath: '/both' }))
      .body.binding;
    const session = (await t.http().post(`/workspace-bindings/${binding.id}/push-sessions`).set('authorization', auth).send({ planSignature: 'sig_both', plan: { n: 1 } }))
      .body.pushSession;
    for (const path of [
      `/devices/${device.id}`,
      '/devices?limit=5',
      `/workspace-bindings/${binding.id}`,
      '/workspace-bindings?environmentId=env_both',
      `/workspace-bindings/${binding.id}/push-sessions/${session.id}`,
      `/workspace-bindings/${binding.id}/push-sessions`,
      '/devices/dev_00000000000000000000000000',
    ]) {
      const [root, v1] = await Promise.all([get(path), get(`/v1${path}`)]);
      expect(root.status, path).toBe(v1.status);
      expect(root.body, path).toEqual(v1.body);
    }
    // A retry on the other form reuses the session the first form prepared.
    const retry = await t.http().post(`/v1/workspace-bindings/${binding.id}/push-sessions`).set('authorization', auth).send({ planSignature: 'sig_both', plan: { n: 1 } });
    expect(retry.status).toBe(200);
    expect(retry.body.pushSession.id).toBe(session.id);
  });

  it('unknown paths below the workspace roots (and /environments, /threads: SDK resources not served here) answer in the workspace shape; other root paths keep the platform shape', async () => {
    for (const [method, path] of [
      ['get', '/devices/dev_x/unknown'],
      ['put', '/devices'],
      ['delete', '/workspace-bindings'],
      ['get', '/workspace-bindings/wb_x/push-sessions/wps_x/nope'],
      ['get', '/devices/%zz'],
    ] as const) {
      const res = await t.http()[method](path).set('authorization', auth);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(Object.keys(res.body).sort(), path).toEqual(['code', 'error']);
      expect(typeof res.body.error, path).toBe('string');
    }
    const missing = await t.http().get('/devices/dev_x/unknown?limit=1').set('authorization', auth);
    expect(missing.body).toEqual({ error: 'No route GET /devices/dev_x/unknown', code: 'not_found' });
    for (const path of ['/devicesx', '/device', '/nope', '/environmentsx']) {
      const res = await t.http().get(path).set('authorization', auth);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ error: { code: 'not_found', message: `No route GET ${path}`, details: [] } });
    }
    // The SDK's own resources this server does not serve (environments, threads): workspace shape, so the SDK shows a message.
    for (const path of ['/threads/t_1/local-sessions', '/environments', '/environments/env_1']) {
      const res = await t.http().get(path).set('authorization', auth);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toEqual({ error: `No route GET ${path}`, code: 'not_found' });
    }
  });

  it('without a token the root form answers 401 in the workspace shape', async () => {
    const res = await t.http().get('/devices');
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: expect.any(String), code: 'unauthorized' });
  });

  it('the OpenAPI document lists the /v1 form only and names the root form an alias', () => {
    const doc = t.app.swagger() as { info: { description: string }; paths: Record<string, unknown> };
    const workspacePaths = Object.keys(doc.paths).filter((p) => p.includes('devices') || p.includes('workspace-bindings'));
    expect(workspacePaths.length).toBeGreaterThanOrEqual(12);
    expect(workspacePaths.every((p) => p.startsWith('/v1/'))).toBe(true);
    expect(doc.info.description).toMatch(/served at the root as an alias of its `\/v1` form/);
  });
});

describe('a root alias is limited to its roots', () => {
  it('a module route outside the declared roots fails at start-up', async () => {
    const app = Fastify();
    await expect(
      registerRootAlias(app, {
        of: '/v1',
        roots: ['/devices'],
        dialect: 'workspace',
        modules: [
          async (scope) => {
            scope.get('/devices', async () => ({ ok: true }));
            scope.get('/elsewhere', async () => ({ ok: true }));
          },
        ],
      }),
    ).rejects.toThrow('GET /elsewhere is outside the root alias of /v1 (/devices)');
    await app.close();
  });
});
