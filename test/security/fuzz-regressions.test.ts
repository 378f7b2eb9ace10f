import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { seedAcai } from '../modules/acai/fixtures.js';
import { scenario } from '../modules/acai/scenario.js';
import { isDialectError, PUBLIC_ROUTES } from './routes.js';
import { operationsOf } from './fuzz-lib.js';

// Inputs the fuzzer found answering 500 (or outside the error dialect), kept as fixed cases.

let t: TestApp;
let auth: string;
let device: string;
let pipeline: string;

const raw = (method: 'post' | 'patch' | 'get', url: string, body?: string) => {
  const req = t.http()[method](url).set('authorization', auth);
  return body === undefined ? req : req.set('content-type', 'application/json').send(body);
};
const deep = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;

beforeAll(async () => {
  t = await createTestApp();
  await seedAcai(t.db.prisma, scenario('fuzz-team'));
  auth = `Bearer ${await t.token({ team: 'fuzz-team', user: 'fay' })}`;
  device = (await raw('post', '/v1/devices', '{"name":"fuzz"}')).body.device.id;
  pipeline = (await raw('post', '/api/pipelines', '{"name":"fuzz","definition":{}}')).body.data.id;
});
afterAll(async () => t?.close());

describe('fixed fuzz findings', () => {
  it('free-form JSON nested thousands of levels deep is a 400, not a stack overflow (workspace, pipelines)', async () => {
    for (const levels of [100, 3000, 300_000]) {
      const ws = await raw('patch', `/v1/devices/${device}`, `{"capabilities":{"a":${deep(levels)}}}`);
      expect(ws.status, ws.text).toBe(400);
      expect(ws.body.details[0].issue).toMatch(/nest deeper than 64/);
      const pl = await raw('patch', `/api/pipelines/${pipeline}`, `{"definition":{"a":${deep(levels)}}}`);
      expect(pl.status, pl.text).toBe(400);
    }
    expect((await raw('patch', `/v1/devices/${device}`, `{"capabilities":{"a":${deep(60)}}}`)).status).toBe(200);
  });

  it('an unpaired surrogate in free-form JSON is a 400, not a jsonb error', async () => {
    for (const body of ['{"capabilities":{"a":"x\\ud800y"}}', '{"capabilities":{"\\udfff":1}}']) {
      const res = await raw('patch', `/v1/devices/${device}`, body);
      expect(res.status, res.text).toBe(400);
      expect(res.body.details[0].issue).toMatch(/surrogate/);
    }
    const pl = await raw('post', '/api/pipelines', '{"name":"s","definition":{"a":["\\ud800"]}}');
    expect(pl.status, pl.text).toBe(400);
    // A proper pair (an emoji) is fine.
    expect((await raw('patch', `/v1/devices/${device}`, '{"capabilities":{"a":"\\ud83d\\ude00"}}')).status).toBe(200);
  });

  it('an unpaired surrogate in a workspace binding field or a pipeline name is a 400, not a 500 or a silent U+FFFD (npm run fuzz, 1,000 runs)', async () => {
    const binding = await raw('post', '/v1/workspace-bindings', JSON.stringify({ deviceId: device, environmentId: 'env-1', localPath: '/srv/fuzz' }));
    expect(binding.status, binding.text).toBe(201);
    const id = binding.body.binding.id as string;
    for (const body of ['{"name":"x\\ud800y"}', '{"ignorePatterns":["x\\ud800y"]}', '{"localPath":"\\udfff"}']) {
      const res = await raw('patch', `/v1/workspace-bindings/${id}`, body);
      expect(res.status, `${body} -> ${res.text}`).toBe(400);
      expect(res.body.details[0].issue).toMatch(/surrogate/);
    }
    const created = await raw('post', '/v1/workspace-bindings', '{"deviceId":"' + device + '","environmentId":"e\\ud800","localPath":"/x"}');
    expect(created.status, created.text).toBe(400);
    expect((await raw('patch', `/v1/workspace-bindings/${id}`, '{"name":"\\ud83d\\ude00 ok"}')).status).toBe(200);
    // The same rule for pipeline names (text columns would silently store U+FFFD).
    expect((await raw('post', '/api/pipelines', '{"name":"p\\ud800","definition":{}}')).status).toBe(400);
  });

  it('a feature-state comment with NUL or an unpaired surrogate is a 422 in the acai dialect', async () => {
    for (const comment of ['a\\u0000b', 'x\\ud800y']) {
      const res = await raw(
        'patch',
        '/api/v1/feature-states',
        `{"product_name":"api","implementation_name":"prod","feature_name":"auth","states":{"auth.LOGIN.1":{"status":"completed","comment":"${comment}"}}}`,
      );
      expect(res.status, res.text).toBe(422);
      expect(res.body.errors.detail).toMatch(/comment must not contain NUL characters or unpaired surrogates/);
    }
  });

  it('NUL and other unstorable text in any query or path parameter is a 4xx, never a database error', async () => {
    const document = t.app.swagger() as Parameters<typeof operationsOf>[0];
    const failures: string[] = [];
    for (const op of operationsOf(document, (path) => PUBLIC_ROUTES.some((pattern) => pattern.test(path)))) {
      for (const bad of ['a%00b', '%00', '%C0%80', '%ED%A0%80']) {
        const path = op.path.replace(/\{[^}]+\}/g, `x${bad}`);
        const query = op.query.map((q) => `${q.name}=${bad}`).join('&');
        const url = query ? `${path}?${query}` : path;
        const method = op.method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
        const res = await t.http()[method](url).set('authorization', auth);
        if (res.status >= 500 || (res.status >= 400 && !isDialectError(op.path, res.body))) failures.push(`${op.method} ${url} -> ${res.status} ${res.text.slice(0, 120)}`);
        // Only the parameter under test is bad: the others get a plausible value.
        for (const q of op.query) {
          const others = op.query.filter((o) => o !== q && o.required).map((o) => `${o.name}=x`);
          const single = await t.http()[method](`${op.path.replace(/\{[^}]+\}/g, 'x')}?${[...others, `${q.name}=${bad}`].join('&')}`).set('authorization', auth);
          if (single.status >= 500) failures.push(`${op.method} ${op.path} ?${q.name}=${bad} -> ${single.status}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('router errors (over-long path parameter, bad URL encoding) answer in the surface dialect', async () => {
    const long = 'x'.repeat(300);
    for (const url of [`/api/pipelines/${long}`, `/v1/devices/${long}`, `/api/git-integration/operations/${long}`, '/v1/devices/%E0%A4%A', '/api/pipelines/%ff']) {
      const res = await raw('get', url);
      expect(res.status, `${url} ${res.text}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(isDialectError(url, res.body), `${url} ${res.text}`).toBe(true);
    }
  });
});
