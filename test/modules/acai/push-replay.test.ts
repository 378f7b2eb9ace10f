import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, pushWith, SHA, spec } from './push-helpers.js';

// An identical push on unchanged data is answered from one read (push/store.ts findReplay): no
// transaction, no lock, no write. Any write to the team's acai data since, on any branch and
// including state writes, makes the next push take the full path again.

let t: TestApp;
let token: string;
let recording: string[] | null = null;

/** Every statement the pool's connections run while `recording` is set. */
function recordStatements(pool: pg.Pool): void {
  const wrapped = new WeakSet<pg.PoolClient>();
  const wrap = (target: { query: (...args: unknown[]) => unknown }) => {
    const query = target.query.bind(target);
    target.query = (...args: unknown[]) => {
      const first = args[0] as string | { text?: string };
      recording?.push(typeof first === 'string' ? first : (first.text ?? ''));
      return query(...args);
    };
  };
  pool.on('acquire', (client) => {
    if (wrapped.has(client)) return;
    wrapped.add(client);
    wrap(client as unknown as { query: (...args: unknown[]) => unknown });
  });
}

async function pushRecorded(payload: object) {
  recording = [];
  try {
    const res = await pushWith(t, token, payload);
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    // The token's last-used time (written at most once a minute) is not the push's.
    const sql = recording.filter((s) => !/api_tokens/.test(s));
    return { data: res.body.data as Record<string, unknown>, sql, began: sql.some((s) => /^\s*BEGIN/i.test(s)) };
  } finally {
    recording = null;
  }
}

const version = async () =>
  (await t.db.prisma.$queryRaw<{ v: string }[]>`
    SELECT coalesce((SELECT version FROM acai_team_versions v JOIN teams tm ON tm.id = v.team_id WHERE tm.name = 'team-a'), 0)::text AS v`)[0]!.v;

const frontend = (requirement: object) =>
  body('github.com/acme/replay-web', 'main', {
    commit_hash: SHA('1'),
    specs: [spec({ feature: 'cart', product: 'replay', requirements: { 'cart.MAIN.1': requirement }, commit: SHA('1') })],
  });
// The backend's refs point at the frontend's spec through the implementation both branches track.
const backend = body('github.com/acme/replay-api', 'main', {
  commit_hash: SHA('2'),
  product_name: 'replay',
  target_impl_name: 'main',
  references: { data: { 'cart.MAIN.1': [{ path: 'src/cart.ts:1' }], 'cart.MAIN.9': [{ path: 'src/cart.ts:9' }] } },
});

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
  recordStatements(t.db.pool);
  await pushWith(t, token, frontend({ requirement: 'Adds items' }));
});
afterAll(async () => t?.close());

describe('push: identical pushes are answered from one read', () => {
  it('push.IDEMPOTENCY.1 a repeated push returns the same body (warnings included) with one statement and no write', async () => {
    const first = await pushRecorded(backend);
    expect(first.began).toBe(true);
    expect(first.data.warnings).toEqual([expect.stringContaining('Refs to cart.MAIN.9 were stored, but no spec')]);
    const before = await version();

    const again = await pushRecorded(backend);
    expect(again.began).toBe(false);
    expect(again.sql).toHaveLength(1);
    expect(again.data).toEqual({ ...first.data, specs_created: 0, specs_updated: 0 });
    expect(await version()).toBe(before);

    // The full path agrees with the stored answer: a token without impls:write has another digest.
    const other = await t.token({ team: 'team-a', user: 'bob', scopes: ['refs:write', 'specs:write', 'impls:read'] });
    const slow = await pushWith(t, other, backend);
    expect(slow.status).toBe(200);
    expect(slow.body.data).toEqual(again.data);
  });

  it('push.RESPONSE.4 a spec change on another branch that changes the warnings is not answered from the replay', async () => {
    await pushRecorded(backend);
    expect((await pushRecorded(backend)).began).toBe(false);

    const deprecated = await pushWith(t, token, frontend({ requirement: 'Adds items', deprecated: true }));
    expect(deprecated.status).toBe(200);

    const after = await pushRecorded(backend);
    expect(after.began).toBe(true);
    expect(after.data.warnings).toContain('Refs to cart.MAIN.1 point at a deprecated requirement');
    // ...and the new answer is the one replayed next.
    const replayed = await pushRecorded(backend);
    expect(replayed.began).toBe(false);
    expect(replayed.data.warnings).toEqual(after.data.warnings);
  });

  it('feature-states.TX.1 a state write makes the next identical push take the full path', async () => {
    await pushRecorded(backend);
    const hit = await pushRecorded(backend);
    expect(hit.began).toBe(false);
    const before = await version();

    const state = await t
      .http()
      .patch('/api/v1/feature-states')
      .set('Authorization', `Bearer ${token}`)
      .send({ product_name: 'replay', feature_name: 'cart', implementation_name: 'main', states: { 'cart.MAIN.1': { status: 'completed' } } });
    expect(state.status, JSON.stringify(state.body)).toBe(200);
    expect(BigInt(await version())).toBe(BigInt(before) + 1n);

    const miss = await pushRecorded(backend);
    expect(miss.began).toBe(true);
    expect(miss.data).toEqual(hit.data);
  });

  it('a push of another commit is a miss, and so is one with changed refs', async () => {
    await pushRecorded(backend);
    expect((await pushRecorded({ ...backend, commit_hash: SHA('3') })).began).toBe(true);
    const changed = await pushRecorded({ ...backend, commit_hash: SHA('3'), references: { data: { 'cart.MAIN.1': [{ path: 'src/other.ts:1' }] } } });
    expect(changed.began).toBe(true);
    expect(changed.data.warnings).toEqual(['Refs to cart.MAIN.1 point at a deprecated requirement']);
  });
});

// A large body is looked up by a digest of its raw bytes before it is parsed (push/raw-replay.ts):
// the digest also covers the team, the token's push scopes and the caps, so a hit is answered
// exactly as the full path would answer it now.
describe('push: an identical large body is answered before it is parsed', () => {
  const large = body('github.com/acme/replay-big', 'main', {
    commit_hash: SHA('4'),
    specs: [spec({ feature: 'big', product: 'replay-big', raw_content: 'x'.repeat(20_000), commit: SHA('4') })],
    references: { data: { 'big.MAIN.1': [{ path: 'src/big.ts:1' }], 'big.MAIN.7': [{ path: 'src/big.ts:7' }] } },
  });
  const text = JSON.stringify(large);

  async function pushText(payload: string, as = token, type = 'application/json') {
    recording = [];
    try {
      const res = await t.http().post('/api/v1/push').set('Authorization', `Bearer ${as}`).set('Content-Type', type).send(payload);
      const sql = recording.filter((s) => !/api_tokens/.test(s));
      return { status: res.status, body: res.body as { data: Record<string, unknown>; errors: { detail: string } }, sql, began: sql.some((s) => /^\s*BEGIN/i.test(s)) };
    } finally {
      recording = null;
    }
  }
  const rawHit = (sql: string[]) => sql.length === 1 && /raw_digest/.test(sql[0]!);

  it('push.IDEMPOTENCY.1 the same bytes again are one read of the raw digest, the same body, no write', async () => {
    expect(text.length).toBeGreaterThan(16 * 1024);
    const first = await pushText(text);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.began).toBe(true);
    // A changed push still takes at most three round trips: the raw read stands in for the plan-level one.
    expect(first.sql.length).toBeLessThanOrEqual(3);
    expect(first.body.data.warnings).toEqual([expect.stringContaining('Refs to big.MAIN.7 were stored, but no spec')]);
    const before = await version();

    const again = await pushText(text);
    expect(again.status).toBe(200);
    expect(rawHit(again.sql)).toBe(true);
    expect(again.body).toEqual({ data: { ...first.body.data, specs_created: 0, specs_updated: 0 } });
    expect(await version()).toBe(before);
  });

  it('push.AUTH.2 the same bytes from a token without the scope the push needs are refused as before, not replayed', async () => {
    await pushText(text);
    expect(rawHit((await pushText(text)).sql)).toBe(true);

    const refsOnly = await t.token({ team: 'team-a', user: 'carol', scopes: ['refs:write'] });
    const refused = await pushText(text, refsOnly);
    expect(refused.status).toBe(403);
    expect(refused.body.errors.detail).toBe('API token is missing required scope(s): specs:write');
    expect(refused.began).toBe(false);
    // ...exactly as a re-formatted copy of the body, which no digest of the bytes can match.
    const reformatted = await pushText(JSON.stringify(large, null, 1), refsOnly);
    expect(reformatted.status).toBe(403);
    expect(reformatted.body).toEqual(refused.body);

    const readOnly = await t.token({ team: 'team-a', user: 'dave', scopes: ['impls:read'] });
    const none = await pushText(text, readOnly);
    expect(none.status).toBe(403);
    expect(none.body.errors.detail).toBe('API token is missing required scope(s): specs:write, refs:write');

    // A token with the push scopes but without impls:write has a digest of its own: the full path answers it.
    const noImpls = await t.token({ team: 'team-a', user: 'erin', scopes: ['specs:write', 'refs:write'] });
    const slow = await pushText(text, noImpls);
    expect(slow.status).toBe(200);
    expect(slow.began).toBe(true);
    expect(rawHit((await pushText(text, noImpls)).sql)).toBe(true);
  });

  it('a changed byte is a miss; a re-formatted copy takes the full path, writes no row, and is replayed after', async () => {
    expect((await pushText(text)).status).toBe(200);
    const before = await version();

    const changed = await pushText(text.replace('src/big.ts:7', 'src/big.ts:8'));
    expect(changed.status).toBe(200);
    expect(changed.began).toBe(true);
    expect(BigInt(await version())).toBe(BigInt(before) + 1n);

    const restored = await pushText(text);
    expect(restored.began).toBe(true);
    const now = await version();
    const spaced = JSON.stringify(large, null, 2);
    const full = await pushText(spaced);
    expect(full.status).toBe(200);
    expect(full.began).toBe(true);
    expect(full.body.data).toEqual(restored.body.data);
    expect(await version()).toBe(now);
    expect(rawHit((await pushText(spaced)).sql)).toBe(true);
  });

  it('push.RESPONSE.4 a write on another branch is a miss', async () => {
    await pushText(text);
    expect(rawHit((await pushText(text)).sql)).toBe(true);
    expect((await pushWith(t, token, frontend({ requirement: 'Adds items to the cart' }))).status).toBe(200);
    const after = await pushText(text);
    expect(after.status).toBe(200);
    expect(after.began).toBe(true);
  });

  it('push.ENDPOINT.2 push.ABUSE.1 the content type and the body limit still apply to replayed bytes; other caps are another digest', async () => {
    await pushText(text);
    expect(rawHit((await pushText(text)).sql)).toBe(true);
    const wrongType = await pushText(text, token, 'text/plain');
    expect(wrongType.status).toBe(415);
    expect(wrongType.sql).toHaveLength(0);

    // Other instances on the same database, configured differently.
    const small = await createTestApp({ database: t.database, env: { ACAI_PUSH_MAX_BODY_BYTES: String(text.length - 1) } });
    try {
      const res = await small.http().post('/api/v1/push').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(text);
      expect(res.status).toBe(413);
    } finally {
      await small.close();
    }
    const capped = await createTestApp({ database: t.database, env: { ACAI_PUSH_MAX_RAW_CONTENT_BYTES: '10000' } });
    try {
      const res = await capped.http().post('/api/v1/push').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(text);
      expect(res.status).toBe(422);
      expect(res.body.errors.detail).toContain('ACAI_PUSH_MAX_RAW_CONTENT_BYTES');
    } finally {
      await capped.close();
    }
    // The replay was valid all along: only the caps kept the other instance from it.
    expect(rawHit((await pushText(text)).sql)).toBe(true);
  });
});
