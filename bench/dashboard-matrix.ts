// The dashboard's product matrix at 100 features x 10 implementations: seeded through the API
// (a parent with 100 specs of 10 requirements, nine children pushing 10 specs of their own, states
// on every feature of the parent and on the children's own features), then read by a signed-in
// browser session, one request at a time.
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { createLoginLink } from '../src/modules/dashboard/sessions/service.js';
import { syntheticPushBody } from '../scripts/lib/acai-push-body.js';

export const MATRIX_FEATURES = 100;
export const MATRIX_IMPLEMENTATIONS = 10;
const REQUIREMENTS = 10;

type Call = (auth: string, method: string, path: string, body?: unknown) => Promise<unknown>;
type MapLimit = <T>(items: T[], limit: number, fn: (item: T) => Promise<unknown>) => Promise<unknown>;

export async function seedMatrix(must: Call, mapLimit: MapLimit, auth: string, product: string): Promise<void> {
  const repo = 'github.com/bench/matrix';
  await must(auth, 'POST', '/api/v1/push', syntheticPushBody({ repo, branch: 'main', product, specs: MATRIX_FEATURES, requirements: REQUIREMENTS, refs: 1000 }));
  const children = Array.from({ length: MATRIX_IMPLEMENTATIONS - 1 }, (_, i) => `child-${i}`);
  await mapLimit(children, 3, async (branch) => {
    await must(auth, 'POST', '/api/v1/push', { ...syntheticPushBody({ repo, branch, product, specs: 10, requirements: REQUIREMENTS, refs: 50 }), parent_impl_name: 'main' });
  });
  const statuses = ['completed', 'incomplete', 'assigned', 'accepted', 'blocked'];
  const states = (feature: string, offset: number) =>
    Object.fromEntries(Array.from({ length: REQUIREMENTS }, (_, r) => [`${feature}.MAIN.${r + 1}`, { status: statuses[(r + offset) % statuses.length] }]));
  const writes = [
    ...Array.from({ length: MATRIX_FEATURES }, (_, f) => ({ implementation: 'main', feature: `feat${f}`, offset: 0 })),
    ...children.flatMap((child, c) => Array.from({ length: 10 }, (_, f) => ({ implementation: child, feature: `feat${f}`, offset: c }))),
  ];
  await mapLimit(writes, 8, async (write) => {
    await must(auth, 'PATCH', '/api/v1/feature-states', {
      product_name: product,
      implementation_name: write.implementation,
      feature_name: write.feature,
      states: states(write.feature, write.offset),
    });
  });
}

/** A session cookie for the team, by the same one-time link a person would use. */
export async function dashboardCookie(prisma: PrismaClient, base: string, team: string): Promise<string> {
  const { code } = await createLoginLink(prisma, { team, user: 'bench' });
  const response = await fetch(`${base}/dashboard/login/link`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ code }).toString(),
    redirect: 'manual',
  });
  const cookie = response.headers.get('set-cookie')?.split(';')[0];
  if (response.status !== 303 || !cookie) throw new Error(`dashboard sign-in failed: ${response.status}`);
  return cookie;
}

/**
 * Sequential GETs of the matrix page: the server's own time for each (its Server-Timing header:
 * session, SQL and HTML, until the response is handed to the socket) and the client's round trip.
 */
export async function timeMatrix(base: string, team: string, product: string, cookie: string, runs: number): Promise<{ server: number[]; roundTrip: number[] }> {
  const url = `${base}/dashboard/t/${encodeURIComponent(team)}/p/${encodeURIComponent(product)}`;
  const server: number[] = [];
  const roundTrip: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const started = performance.now();
    const response = await fetch(url, { headers: { cookie } });
    const text = await response.text();
    if (response.status !== 200 || !text.includes('feat99')) throw new Error(`matrix page: ${response.status}`);
    if (i < 5) continue; // the first few warm the pool and the JIT
    roundTrip.push(performance.now() - started);
    server.push(Number(/app;dur=([\d.]+)/.exec(response.headers.get('server-timing') ?? '')?.[1] ?? NaN));
  }
  return { server, roundTrip };
}
