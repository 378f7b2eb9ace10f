import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { bigRefs, bigSpecs, body, pushWith, repo, SHA } from './push-helpers.js';

// The number of round trips a push takes is at most 3 and does not grow with the number of specs,
// requirements or refs: the replay lookup, the context read after the lock, and one writing
// statement that goes with COMMIT.

let t: TestApp;
let token: string;
let recording: string[] | null = null;

/** Every statement any pooled connection runs while `recording` is set (Prisma runs on this pool). */
function countStatements(pool: pg.Pool): void {
  const wrapped = new WeakSet<pg.PoolClient>();
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      recording?.push(typeof first === 'string' ? first : (first.text ?? ''));
      return query(...args);
    };
  });
}

async function statementsOf(payload: object): Promise<{ status: number; data: Record<string, unknown>; sql: string[] }> {
  recording = [];
  try {
    const res = await pushWith(t, token, payload);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    return { status: res.status, data: res.body.data, sql: recording };
  } finally {
    recording = null;
  }
}

/**
 * The push transaction itself, BEGIN to COMMIT (auth lookups are cached and not the push's): one
 * entry per query sent, so its length is the transaction's round trips (the last statement
 * travels with COMMIT).
 */
const transactionOf = (sql: string[]) => {
  const begin = sql.findIndex((s) => /^\s*BEGIN/i.test(s));
  const commit = sql.findIndex((s) => /COMMIT\s*$/i.test(s));
  expect(begin).toBeGreaterThanOrEqual(0);
  expect(commit).toBeGreaterThan(begin);
  return sql.slice(begin, commit + 1);
};

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
  countStatements(t.db.pool);
  // Warm the token cache and the connections.
  await pushWith(t, token, body(repo('warm'), 'main', { references: { data: { 'x.A.1': [{ path: 'a' }] } } }));
});
afterAll(async () => t?.close());

describe('push: set-based writes', () => {
  it('push.INSERT_SPEC.1 push.WRITE_REFS.1 push.TX.1 a push of 100 specs x 100 requirements and 10,000 refs takes as many round trips as a push of one spec and one ref: at most 3, new branch or update', async () => {
    // A push to a new branch, and an update of it where every spec and every ref changes.
    const payloads = (name: string, size: number) => {
      const specs = bigSpecs(size, size, name);
      const refs = bigRefs(size, size);
      const uri = repo(name);
      return {
        create: body(uri, 'main', { commit_hash: SHA('1'), specs, references: refs }),
        update: body(uri, 'main', {
          commit_hash: SHA('2'),
          specs: specs.map((s) => ({ ...s, feature: { ...s.feature, description: 'changed' } })),
          references: { override: false, data: Object.fromEntries(Object.entries(refs.data).map(([acid, list]) => [acid, list.map((ref) => ({ ...ref, path: `${ref.path}0` }))])) },
        }),
      };
    };
    const tinyNew = payloads('tiny', 1);
    const bigNew = payloads('big', 100);
    const tiny = await statementsOf(tinyNew.create);
    const big = await statementsOf(bigNew.create);
    expect(tiny.data).toMatchObject({ specs_created: 1, specs_updated: 0 });
    expect(big.data).toMatchObject({ specs_created: 100, specs_updated: 0 });

    const tinyUpdate = await statementsOf(tinyNew.update);
    const bigUpdate = await statementsOf(bigNew.update);
    expect(tinyUpdate.data).toMatchObject({ specs_created: 0, specs_updated: 1, branch_id: tiny.data.branch_id });
    expect(bigUpdate.data).toMatchObject({ specs_created: 0, specs_updated: 100, branch_id: big.data.branch_id });

    // The token's last-used time (written at most once a minute) is not the push's.
    const own = (sql: string[]) => sql.filter((s) => !/api_tokens/.test(s));
    for (const [small, large] of [[tiny, big], [tinyUpdate, bigUpdate]] as const) {
      expect(transactionOf(large.sql).length).toBe(transactionOf(small.sql).length);
      expect(own(large.sql).length).toBe(own(small.sql).length);
      // One entry per query sent, so one per round trip: the replay lookup, then BEGIN + lock +
      // branch + context, then the writing statement + COMMIT.
      expect(own(large.sql).length).toBeLessThanOrEqual(3);
    }

    const stored = await t.db.prisma.$queryRaw<{ specs: bigint; reqs: bigint; refs: bigint }[]>`
      SELECT (SELECT count(*)::int FROM specs WHERE branch_id = ${big.data.branch_id as string}::uuid) AS specs,
             (SELECT sum((SELECT count(*) FROM jsonb_object_keys(requirements))) FROM specs WHERE branch_id = ${big.data.branch_id as string}::uuid)::int AS reqs,
             (SELECT sum((SELECT count(*) FROM jsonb_object_keys(refs))) FROM feature_branch_refs WHERE branch_id = ${big.data.branch_id as string}::uuid)::int AS refs`;
    expect(stored[0]).toEqual({ specs: 100, reqs: 10_000, refs: 10_000 });
  }, 120_000);

  it('push.IDEMPOTENCY.1 an identical big re-push is one round trip, like a tiny one, and changes no row', async () => {
    const bigPayload = body(repo('again'), 'main', { specs: bigSpecs(100, 100, 'again'), references: bigRefs(100, 100) });
    const tinyPayload = body(repo('again-tiny'), 'main', { specs: bigSpecs(1, 1, 'again-tiny'), references: bigRefs(1, 1) });
    const first = await statementsOf(bigPayload);
    await statementsOf(tinyPayload);
    const xmins = () =>
      t.db.prisma.$queryRaw<{ x: string }[]>`
        SELECT string_agg(xmin::text, ',' ORDER BY id) AS x FROM (
          SELECT id, xmin FROM specs WHERE branch_id = ${first.data.branch_id as string}::uuid
          UNION ALL SELECT id, xmin FROM feature_branch_refs WHERE branch_id = ${first.data.branch_id as string}::uuid
          UNION ALL SELECT id, xmin FROM branches WHERE id = ${first.data.branch_id as string}::uuid) rows`;
    const before = await xmins();

    // The tiny push wrote after the big one, which retired the big one's stored answer: this
    // re-push takes the full path and writes nothing...
    const full = await statementsOf(bigPayload);
    expect(full.data).toMatchObject({ specs_created: 0, specs_updated: 0, branch_id: first.data.branch_id });
    expect(full.sql.filter((s) => !/api_tokens/.test(s)).length).toBeLessThanOrEqual(3);
    // ...and from then on both are answered from the stored replay: one read, no transaction
    // (the token's last-used time, written at most once a minute, is not the push's).
    const big = await statementsOf(bigPayload);
    const tiny = await statementsOf(tinyPayload);
    expect(big.data).toEqual(full.data);
    expect(big.sql.filter((s) => !/api_tokens/.test(s))).toHaveLength(1);
    expect(tiny.sql.filter((s) => !/api_tokens/.test(s))).toHaveLength(1);
    expect(await xmins()).toEqual(before);
  }, 120_000);
});
