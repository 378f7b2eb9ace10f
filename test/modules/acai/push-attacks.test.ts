import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, product, pushWith, repo, SHA, spec } from './push-helpers.js';

// A hostile tenant against the push's literal path (values written into SQL text as one JSON
// literal, literal.ts), its per-connection prepared statements (store.ts) and tenant scoping.

let t: TestApp;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  t = await createTestApp();
  tokenA = await t.token({ team: 'attack-a' });
  tokenB = await t.token({ team: 'attack-b' });
});
afterAll(async () => t?.close());

const HOSTILE = [
  `'`, `''`, `\\`, `\\'`, `'\\`, `E'\\\\'`, `$1`, `$$`, `$&`, `$'`, '$`', `$tag$`, `*/ --`, `'); COMMIT; DROP TABLE specs; --`,
  `\\u0000`, `\\x27`, `\u0001\u001f\u007f\u0085\u2028\u2029`, `é中文😀`, `"}]}`, `\\"`, `Ã\\"`, `ソ\\'`,
].join(' | ');

describe('push: hostile input through the JSON literal', () => {
  it('push.TX.1 every string field is stored exactly as sent, whatever quotes, backslashes, $-sequences or control characters it holds', async () => {
    const r = `${repo('hostile')}/${HOSTILE}`;
    const long = `\\'`.repeat(50_000);
    const res = await pushWith(t, tokenA, body(r, HOSTILE, {
      commit_hash: HOSTILE,
      target_impl_name: HOSTILE,
      specs: [spec({
        feature: 'cart', description: HOSTILE, raw_content: long + HOSTILE, path: HOSTILE, commit: HOSTILE,
        requirements: { [`cart.A.1`]: { requirement: HOSTILE, note: HOSTILE, replaced_by: [HOSTILE] }, [`cart.${HOSTILE}`]: HOSTILE },
      })],
      references: { data: { 'cart.A.1': [{ path: HOSTILE }], [`cart.${HOSTILE}.1`]: [{ path: 'x' }] } },
    }));
    expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    expect(res.body.data).toMatchObject({ implementation_name: HOSTILE, specs_created: 1 });
    const [stored] = await t.db.prisma.$queryRaw<{ repo_uri: string; branch_name: string; last_seen_commit: string; raw_content: string; path: string; requirements: unknown; refs: unknown }[]>`
      SELECT b.repo_uri, b.branch_name, b.last_seen_commit, s.raw_content, s.path, s.requirements, f.refs
        FROM branches b JOIN specs s ON s.branch_id = b.id JOIN feature_branch_refs f ON f.branch_id = b.id
       WHERE b.id = ${res.body.data.branch_id}::uuid`;
    expect(stored).toEqual({
      repo_uri: r, branch_name: HOSTILE, last_seen_commit: HOSTILE, raw_content: long + HOSTILE, path: HOSTILE,
      requirements: {
        'cart.A.1': { definition: HOSTILE, note: HOSTILE, is_deprecated: false, replaced_by: [HOSTILE] },
        [`cart.${HOSTILE}`]: { definition: HOSTILE, is_deprecated: false, replaced_by: [] },
      },
      refs: { 'cart.A.1': [{ path: HOSTILE, is_test: false }], [`cart.${HOSTILE}.1`]: [{ path: 'x', is_test: false }] },
    });
    // The same push again is answered unchanged (the replay holds the hostile strings too).
    const again = await pushWith(t, tokenA, body(r, HOSTILE, {
      commit_hash: HOSTILE,
      target_impl_name: HOSTILE,
      specs: [spec({
        feature: 'cart', description: HOSTILE, raw_content: long + HOSTILE, path: HOSTILE, commit: HOSTILE,
        requirements: { [`cart.A.1`]: { requirement: HOSTILE, note: HOSTILE, replaced_by: [HOSTILE] }, [`cart.${HOSTILE}`]: HOSTILE },
      })],
      references: { data: { 'cart.A.1': [{ path: HOSTILE }], [`cart.${HOSTILE}.1`]: [{ path: 'x' }] } },
    }));
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual({ ...res.body.data, specs_created: 0, specs_updated: 0 });
  });

  it('push.REQUEST NUL and unpaired surrogates, in values and in keys, are refused with 422 before the database', async () => {
    const bad = ['a\u0000b', 'a\ud800b', 'a\udc00'];
    for (const s of bad) {
      const r = repo('bad');
      const cases = [
        body(r, s),
        body(`${r}/${s}`, 'main'),
        body(r, 'main', { commit_hash: s }),
        body(r, 'main', { target_impl_name: s, specs: [spec({ feature: 'cart' })] }),
        body(r, 'main', { specs: [spec({ feature: 'cart', description: s })] }),
        body(r, 'main', { specs: [spec({ feature: 'cart', raw_content: s })] }),
        body(r, 'main', { specs: [spec({ feature: 'cart', path: s })] }),
        body(r, 'main', { specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': s } })] }),
        body(r, 'main', { specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': { requirement: 'x', note: s } } })] }),
        body(r, 'main', { specs: [spec({ feature: 'cart', requirements: { [`cart.A.${s}`]: 'x' } })] }),
        body(r, 'main', { references: { data: { [`cart.A.${s}`]: [{ path: 'x' }] } } }),
        body(r, 'main', { references: { data: { 'cart.A.1': [{ path: s }] } } }),
      ];
      for (const payload of cases) {
        const res = await pushWith(t, tokenA, payload);
        expect(res.status, `${JSON.stringify(payload)} -> ${JSON.stringify(res.body)}`).toBe(422);
        expect(res.body.errors?.detail ?? res.body.errors).toBeTruthy();
      }
    }
  });
});

describe('push: prepared statements per connection', () => {
  it('a connection whose session lost the push statements (a pooler handing it another backend, DEALLOCATE) fails at most one push, not every later one', async (ctx) => {
    if (t.db.singleSession) return ctx.skip();
    const r = repo('prepared');
    const first = await pushWith(t, tokenA, body(r, 'main', { specs: [spec({ feature: 'cart' })] }));
    expect(first.status).toBe(200);
    // Forget the push statements on every idle connection: a new backend behind the same client.
    const clients = await Promise.all(Array.from({ length: t.db.pool.idleCount }, () => t.db.pool.connect()));
    for (const client of clients) {
      await client.query('DEALLOCATE acai_push_context').catch(() => undefined);
      await client.query('DEALLOCATE acai_push_write').catch(() => undefined);
    }
    for (const client of clients) client.release();
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await pushWith(t, tokenA, body(r, 'main', { commit_hash: SHA(String(i)), specs: [spec({ feature: 'cart', commit: SHA(String(i)) })] }));
      statuses.push(res.status);
    }
    // The first may fail; those after it are served by a connection that prepares again.
    expect(statuses.slice(1)).toEqual([200, 200, 200]);
  });
});

describe('push: DB_SQL_PREPARE=false (a pooler in transaction mode)', () => {
  it('pushes PREPARE nothing in SQL: no session keeps a push statement for a later transaction, which a pooler may send elsewhere', async (ctx) => {
    if (t.db.singleSession) return ctx.skip();
    const pooled = await createTestApp({ env: { DB_SQL_PREPARE: 'false' } });
    try {
      const token = await pooled.token({ team: 'pooled' });
      const r = repo('pooled');
      for (let i = 0; i < 4; i += 1) {
        const res = await pushWith(pooled, token, body(r, 'main', { commit_hash: SHA(String(i)), specs: [spec({ feature: 'cart', commit: SHA(String(i)) })] }));
        expect(res.status, JSON.stringify(res.body)).toBe(200);
      }
      const clients = await Promise.all(Array.from({ length: pooled.db.pool.idleCount }, () => pooled.db.pool.connect()));
      try {
        for (const client of clients) {
          const { rows } = await client.query<{ name: string }>(`SELECT name FROM pg_prepared_statements WHERE name LIKE 'acai_push%'`);
          expect(rows).toEqual([]);
        }
      } finally {
        for (const client of clients) client.release();
      }
    } finally {
      await pooled.close();
    }
  });
});

describe('push: tenant isolation', () => {
  it('team B pushing team A\'s repository, branch, product, implementation and feature names touches and reads none of team A\'s rows', async () => {
    const r = repo('shared');
    const prod = product();
    const a = await pushWith(t, tokenA, body(r, 'main', {
      target_impl_name: 'web',
      specs: [spec({ feature: 'cart', requirements: { 'cart.A.1': { requirement: 'team A secret', deprecated: true } } })],
    }));
    expect(a.status).toBe(200);
    const b = await pushWith(t, tokenB, body(r, 'main', {
      target_impl_name: 'web',
      specs: [spec({ feature: 'other', product: prod })],
      references: { data: { 'cart.A.1': [{ path: 'src/b.ts' }] } },
    }));
    expect(b.status, JSON.stringify(b.body)).toBe(200);
    expect(b.body.data.branch_id).not.toBe(a.body.data.branch_id);
    expect(b.body.data.implementation_id).not.toBe(a.body.data.implementation_id);
    // A's definition (deprecated) is not B's: B's ref dangles, it does not point at a deprecated requirement.
    expect(b.body.data.warnings).toEqual([expect.stringContaining('Refs to cart.A.1 were stored, but no spec')]);
    const [rows] = await t.db.prisma.$queryRaw<{ a_specs: number; a_refs: number; a_tracked: number; b_products: number }[]>`
      SELECT (SELECT count(*)::int FROM specs WHERE branch_id = ${a.body.data.branch_id}::uuid) AS a_specs,
             (SELECT count(*)::int FROM feature_branch_refs WHERE branch_id = ${a.body.data.branch_id}::uuid) AS a_refs,
             (SELECT count(*)::int FROM tracked_branches WHERE branch_id = ${a.body.data.branch_id}::uuid) AS a_tracked,
             (SELECT count(*)::int FROM products p JOIN implementations i ON i.product_id = p.id
               WHERE i.id = ${b.body.data.implementation_id}::uuid AND p.team_id = (SELECT team_id FROM branches WHERE id = ${b.body.data.branch_id}::uuid)) AS b_products`;
    expect(rows).toEqual({ a_specs: 1, a_refs: 0, a_tracked: 1, b_products: 1 });
  });
});
