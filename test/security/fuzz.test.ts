import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { evilAuthorization, evilParam, fromSchema, mutateRaw, mutateValue, operationsOf, type FuzzRequest, type Operation } from './fuzz-lib.js';
import { isDialectError, PUBLIC_ROUTES } from './routes.js';
import { createWorld } from './world.js';

// Every operation of the OpenAPI document, with generated then broken paths, queries,
// bodies and headers. Properties: never a 5xx; every 4xx in the surface's error
// dialect; a rejected write leaves every table's row count unchanged.
// FUZZ_RUNS (default 40 per operation) and FUZZ_SEED come from the environment: `npm run fuzz`.

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

const world = await createWorld();
afterAll(async () => world.close());
// Accepted git operations must not change tables behind the checks' back: point the integration at a dead remote.
const dead = await world.t
  .http()
  .post('/api/git-integration')
  .set('authorization', world.authA)
  .send({ repository_url: 'file:///nonexistent/fuzz-dead.git', credentials: null });
expect(dead.status, dead.text).toBe(200);

const document = world.t.app.swagger() as Parameters<typeof operationsOf>[0];
const operations = operationsOf(document, (path) => PUBLIC_ROUTES.some((pattern) => pattern.test(path)));
await world.t.app.listen({ port: 0, host: '127.0.0.1' });
const port = (world.t.app.server.address() as AddressInfo).port;

const tables = (
  await world.t.db.prisma.$queryRawUnsafe<{ name: string }[]>(
    `SELECT quote_ident(table_name) AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_prisma_migrations' ORDER BY 1`,
  )
).map((row) => row.name);
const countSql = `SELECT ${tables.map((t) => `(SELECT count(*) FROM ${t})::int AS ${t}`).join(', ')}`;
const rowCounts = async () => JSON.stringify((await world.t.db.prisma.$queryRawUnsafe<object[]>(countSql))[0]);

const REAL_IDS: Record<string, string> = {
  bindingId: world.ids.binding,
  pushSessionId: world.ids.pushSession,
  pullSessionId: world.ids.pullSession,
};
function realId(path: string, param: string): string {
  if (REAL_IDS[param]) return REAL_IDS[param];
  if (path.startsWith('/v1/devices')) return world.ids.device;
  if (path.startsWith('/api/pipelines')) return world.ids.pipeline;
  if (path.startsWith('/api/tokens')) return world.ids.token;
  return world.ids.operation;
}

const queryValue = (value: unknown): string[] =>
  Array.isArray(value) ? value.flatMap(queryValue) : [encodeURIComponent(typeof value === 'object' ? JSON.stringify(value) : String(value))];

function requestArbitrary(op: Operation): fc.Arbitrary<FuzzRequest> {
  const params = fc.tuple(...op.pathParams.map((param) => fc.oneof({ weight: 3, arbitrary: fc.constant(realId(op.path, param)) }, { weight: 2, arbitrary: evilParam })));
  const query = fc.tuple(
    ...op.query.map((q) =>
      fc.option(fc.oneof({ weight: 2, arbitrary: fromSchema(q.schema).map(queryValue) }, { weight: 1, arbitrary: fc.array(evilParam, { minLength: 1, maxLength: 3 }) }), {
        freq: q.required ? 10 : 2,
      }),
    ),
    fc.option(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'x', 'a[b]', '%00'), evilParam), { freq: 3 }),
  );
  const body: fc.Arbitrary<{ body?: Buffer; contentType?: string; label: string }> = op.body
    ? fromSchema(op.body).chain((valid) =>
        fc.oneof(
          fc.constant({ body: Buffer.from(JSON.stringify(valid) ?? 'null'), contentType: 'application/json', label: 'generated body' }),
          { weight: 3, arbitrary: mutateValue(valid).map(({ value, label }) => ({ body: Buffer.from(JSON.stringify(value) ?? 'null'), contentType: 'application/json', label })) },
          { weight: 2, arbitrary: mutateRaw(JSON.stringify(valid) ?? 'null') },
        ),
      )
    : fc.oneof(fc.constant({ label: 'no body' }), mutateRaw('{}').filter((raw) => raw.body.length < 100_000));
  const auth = fc.oneof({ weight: 8, arbitrary: fc.constant(world.authA) }, { weight: 1, arbitrary: evilAuthorization });
  const requestId = fc.option(fc.oneof(fc.string({ maxLength: 20 }), fc.constant('r'.repeat(500))), { freq: 4 });

  return fc.tuple(params, query, body, auth, requestId).filter(([, queryParts]) => JSON.stringify(queryParts).length < 8_000).map(([values, queryParts, payload, authorization, rid]) => {
    let index = 0;
    const path = op.path.replace(/\{[^}]+\}/g, () => values[index++]!);
    const pairs: string[] = [];
    op.query.forEach((q, i) => {
      for (const v of (queryParts[i] as string[] | null) ?? []) pairs.push(`${encodeURIComponent(q.name)}=${v}`);
    });
    const extra = queryParts[op.query.length] as [string, string] | null;
    if (extra) pairs.push(`${extra[0]}=${extra[1]}`);
    const headers: Record<string, string> = { authorization: authorization.replace(/[^\x20-\x7e\t]/g, '') };
    if (payload.contentType) headers['content-type'] = payload.contentType;
    if (rid !== null) headers['x-request-id'] = rid.replace(/[^\x20-\x7e]/g, '');
    return {
      method: op.method,
      url: pairs.length ? `${path}?${pairs.join('&')}` : path,
      headers,
      body: payload.body,
      label: `${payload.label}${authorization === world.authA ? '' : ', odd Authorization'}`,
    };
  });
}

function send(req: FuzzRequest): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    outgoing.on('error', (error) => reject(new Error(`${req.method} ${req.url.slice(0, 200)} [${req.label}, ${req.body?.length ?? 0} bytes]: ${error.message}`)));
    outgoing.end(req.body);
  });
}

const stats = { cases: 0, serverErrors: 0, byStatus: {} as Record<number, number> };

describe('fuzzing every operation of the OpenAPI document', () => {
  it('covers the operations of all three surfaces', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(tables.length).toBeGreaterThanOrEqual(8);
  });

  for (const op of operations) {
    it(`${op.method} ${op.path}`, { timeout: Math.max(60_000, RUNS * 2_000) }, async () => {
      const run = await fc.check(
        fc.asyncProperty(requestArbitrary(op), async (req) => {
          const write = req.method !== 'GET';
          const before = write ? await rowCounts() : '';
          const res = await send(req);
          stats.cases++;
          stats.byStatus[res.status] = (stats.byStatus[res.status] ?? 0) + 1;
          const where = `${req.method} ${req.url.slice(0, 200)} [${req.label}] -> ${res.status} ${res.text.slice(0, 300)}`;
          if (res.status >= 500) {
            stats.serverErrors++;
            const failure = world.t.logs.lines.filter((line) => line.msg === 'request failed').at(-1) as { err?: { message?: string; stack?: string } } | undefined;
            expect.fail(`${where}\n${failure?.err?.stack?.slice(0, 800) ?? 'no error logged'}`);
          }
          expect(res.status, where).toBeLessThan(500);
          if (res.status >= 400) {
            let body: unknown = null;
            try {
              body = JSON.parse(res.text);
            } catch {
              // not JSON: fails below
            }
            expect(isDialectError(op.path, body), where).toBe(true);
            if (write) expect(await rowCounts(), `row counts changed: ${where}`).toBe(before);
          }
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      // Counterexamples hold megabytes of body: report the seed and the short description only.
      if (run.failed) {
        const cause = run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance);
        throw new Error(`FUZZ_SEED=${run.seed} (path ${run.counterexamplePath}): ${cause.slice(0, 1200)}`);
      }
    });
  }

  it('reports the figures', () => {
    console.log(`fuzz: ${stats.cases} cases over ${operations.length} operations, ${stats.serverErrors} server errors, statuses ${JSON.stringify(stats.byStatus)}`);
    expect(stats.serverErrors).toBe(0);
  });
});
