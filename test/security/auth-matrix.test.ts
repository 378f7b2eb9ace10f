import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type supertest from 'supertest';
import { ALL_SCOPES, isScope, type Scope } from '../../src/lib/auth/scopes.js';
import { canonicalUrl, isDialectError, protectedRoutes, routeName, type AppRoute } from './routes.js';
import { createWorld, fillPath, hasParams, TEAM_A, validRequest, type World } from './world.js';

// Every route the app registers (read from its router, not listed by hand) must
// demand a token, enforce its scopes, and hide other teams' data behind 404.

// acai routes that look one product/implementation up by name: another team's name is unknown (404).
// GET /api/v1/implementations answers an unknown product with an empty list, which the leak check covers.
const NAMED_LOOKUPS = new Set(['GET /api/v1/implementation-features', 'GET /api/v1/feature-context', 'PATCH /api/v1/feature-states']);

let world: World;
let routes: AppRoute[];

beforeAll(async () => {
  world = await createWorld();
  routes = protectedRoutes(world.t.app);
}, 120_000);
afterAll(async () => world?.close());

function call(route: AppRoute, auth?: string): supertest.Test {
  const { query, body } = validRequest(route, world.ids, world.repositoryUrl);
  const method = route.method.toLowerCase() as 'get' | 'post' | 'patch' | 'put' | 'delete';
  let req = world.t.http()[method](fillPath(route.url, world.ids));
  if (auth) req = req.set('authorization', auth);
  if (query) req = req.query(query);
  if (body) req = req.send(body);
  return req;
}

const show = (route: AppRoute, res: { status: number; text: string }) => `${routeName(route)} -> ${res.status} ${res.text.slice(0, 300)}`;

describe('auth matrix over every registered route', { timeout: 120_000 }, () => {
  it('finds the routes of all three surfaces', () => {
    const names = routes.map(routeName);
    expect(names.length).toBeGreaterThanOrEqual(30);
    for (const expected of ['PATCH /api/v1/feature-states', 'POST /v1/devices', 'POST /devices', 'GET /api/pipelines/:id', 'POST /api/git-integration/push']) {
      expect(names).toContain(expected);
    }
    expect(names.some((n) => n.includes('_health') || n.includes('/docs'))).toBe(false);
  });

  it('documents every route it serves in the OpenAPI document (no hidden routes; a root alias through its /v1 form)', () => {
    const paths = (world.t.app.swagger() as { paths: Record<string, Record<string, unknown>> }).paths;
    const documented = new Set(Object.entries(paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`)));
    const canonical = (route: AppRoute) => routeName({ ...route, url: canonicalUrl(route.url) });
    expect(routes.map(canonical).filter((name) => !documented.has(name))).toEqual([]);
    // The aliases themselves are not listed: the document has one entry per operation.
    expect(Object.keys(paths).filter((path) => /^\/(devices|workspace-bindings)(\/|$)/.test(path))).toEqual([]);
  });

  it('401 in the surface dialect without a token, with a malformed, unknown or expired one', async () => {
    const expired = `Bearer ${await world.t.token({ team: TEAM_A, user: 'expired', expiresAt: new Date(Date.now() - 60_000) })}`;
    for (const route of routes) {
      for (const auth of [undefined, 'Basic abc', 'Bearer at_unknown_0000000000000000', expired]) {
        const res = await call(route, auth);
        expect(res.status, show(route, res)).toBe(401);
        expect(isDialectError(route.url, res.body), show(route, res)).toBe(true);
      }
    }
  });

  it('403 for a token without scopes, and for a token lacking any one of the declared scopes', async () => {
    const bare = `Bearer ${await world.t.token({ team: TEAM_A, user: 'no-scopes', scopes: [] })}`;
    const allBut = new Map<Scope, string>();
    const tokenWithout = async (scope: Scope) => {
      if (!allBut.has(scope)) {
        const token = await world.t.token({ team: TEAM_A, user: `without-${scope}`, scopes: ALL_SCOPES.filter((s) => s !== scope) });
        allBut.set(scope, `Bearer ${token}`);
      }
      return allBut.get(scope)!;
    };
    for (const route of routes) {
      const res = await call(route, bare);
      expect(res.status, show(route, res)).toBe(403);
      expect(isDialectError(route.url, res.body), show(route, res)).toBe(true);
      const declared = /scope\(s\): ([a-z:, ]+)/.exec(res.text)?.[1]?.split(', ').filter(isScope) ?? [];
      expect(declared.length, show(route, res)).toBeGreaterThan(0);
      for (const scope of declared) {
        const partial = await call(route, await tokenWithout(scope));
        expect(partial.status, `${scope} missing: ${show(route, partial)}`).toBe(403);
        expect(partial.text, show(route, partial)).toContain(scope);
      }
    }
  });

  it("another team's token gets 404 for team A's ids and never sees team A's data", async () => {
    for (const route of routes) {
      const res = await call(route, world.authB);
      if (hasParams(route) || NAMED_LOOKUPS.has(routeName(route))) {
        expect(res.status, show(route, res)).toBe(404);
        expect(isDialectError(route.url, res.body), show(route, res)).toBe(true);
      } else {
        expect(res.status, show(route, res)).toBeLessThan(500);
      }
      for (const marker of world.markersA) expect(res.text, `${show(route, res)} leaks ${marker}`).not.toContain(marker);
    }
  });

  it("team A's resources survived every other team's request", async () => {
    const get = (url: string) => world.t.http().get(url).set('authorization', world.authA);
    const { ids } = world;
    for (const url of [
      `/v1/devices/${ids.device}`,
      `/v1/workspace-bindings/${ids.binding}`,
      `/v1/workspace-bindings/${ids.binding}/push-sessions/${ids.pushSession}`,
      `/v1/workspace-bindings/${ids.binding}/pull-sessions/${ids.pullSession}`,
      `/api/pipelines/${ids.pipeline}`,
      `/api/git-integration/operations/${ids.operation}`,
    ]) {
      expect((await get(url)).status, url).toBe(200);
    }
    const pipeline = await get(`/api/pipelines/${ids.pipeline}`);
    expect(pipeline.body.data.name).toBe('sec-a-pipeline');
    const session = await get(`/v1/workspace-bindings/${ids.binding}/push-sessions/${ids.pushSession}`);
    expect(session.body.pushSession.status).toBe('prepared');
    const settings = await get('/api/git-integration');
    expect(settings.body.data.repository_url).toBe(world.repositoryUrl);
  });
});
