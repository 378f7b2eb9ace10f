import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, pushWith, refs, repo, SHA, spec } from './push-helpers.js';

// Parallel pushes over real HTTP: one branch and one implementation per (team, repo, branch)
// however many pushes race to create them, and never a 500 (push.TX.2, data-model.BRANCHES.6-1).

let t: TestApp;
let token: string;
const push = (payload: object) => pushWith(t, token, payload);

/** A push at `commit` of one spec and one ref, both saying which commit wrote them. */
const specPush = (repoUri: string, branch: string, product: string, feature: string, commit: string, extra: object = {}) =>
  body(repoUri, branch, {
    commit_hash: commit,
    specs: [spec({ feature, product, requirements: { [`${feature}.MAIN.1`]: { requirement: `Written at ${commit.slice(0, 4)}` } }, commit })],
    references: refs({ [`${feature}.MAIN.1`]: [{ path: `src/${commit.slice(0, 4)}.ts:1` }] }),
    ...extra,
  });

const PARALLEL = 10;
const hex = (i: number) => SHA(i.toString(16));

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

describe('push: concurrency', () => {
  it('push.TX.2 data-model.BRANCHES.6-1 ten parallel spec pushes to one new branch create one branch and one implementation, all 200', async () => {
    const r = repo('race');
    const responses = await Promise.all(Array.from({ length: PARALLEL }, (_, i) => push(specPush(r, 'main', 'race', 'cart', hex(i)))));
    for (const res of responses) expect(res.status, JSON.stringify(res.body)).toBe(200);
    const data = responses.map((res) => res.body.data);
    expect(new Set(data.map((d) => d.branch_id)).size).toBe(1);
    expect(new Set(data.map((d) => d.implementation_id)).size).toBe(1);
    expect(data.every((d) => d.implementation_name === 'main' && d.product_name === 'race')).toBe(true);
    // Exactly one push created the spec; the others updated it or found it unchanged.
    expect(data.filter((d) => d.specs_created === 1)).toHaveLength(1);

    const counts = await t.db.prisma.$queryRaw<{ branches: number; impls: number; tracked: number; specs: number; products: number }[]>`
      SELECT (SELECT count(*)::int FROM branches WHERE repo_uri = ${r}) AS branches,
             (SELECT count(*)::int FROM implementations i JOIN products p ON p.id = i.product_id WHERE p.name = 'race') AS impls,
             (SELECT count(*)::int FROM tracked_branches WHERE repo_uri = ${r}) AS tracked,
             (SELECT count(*)::int FROM specs s JOIN branches b ON b.id = s.branch_id WHERE b.repo_uri = ${r}) AS specs,
             (SELECT count(*)::int FROM products WHERE name = 'race') AS products`;
    expect(counts[0]).toEqual({ branches: 1, impls: 1, tracked: 1, specs: 1, products: 1 });

    // Last write wins: the stored branch commit, spec and ref bucket come from one of the pushes, consistently.
    const [stored] = await t.db.prisma.$queryRaw<{ branch_commit: string; spec_commit: string; ref_commit: string }[]>`
      SELECT b.last_seen_commit AS branch_commit, s.last_seen_commit AS spec_commit, f.commit AS ref_commit
        FROM branches b JOIN specs s ON s.branch_id = b.id JOIN feature_branch_refs f ON f.branch_id = b.id
       WHERE b.repo_uri = ${r}`;
    expect(stored!.spec_commit).toBe(stored!.branch_commit);
    expect(stored!.ref_commit).toBe(stored!.branch_commit);
  }, 120_000);

  it('push.REFS.5 push.TX.2 ten parallel refs-only pushes to one new branch merge every ACID into one bucket', async () => {
    const r = repo('refs-race');
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        push({ repo_uri: r, branch_name: 'dev', commit_hash: hex(i), references: { data: { [`lib.MAIN.${i + 1}`]: [{ path: `src/${i}.ts:1` }] } } }),
      ),
    );
    for (const res of responses) expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(new Set(responses.map((res) => res.body.data.branch_id)).size).toBe(1);
    expect(responses.every((res) => res.body.data.implementation_id === null)).toBe(true);
    const [bucket] = await t.db.prisma.$queryRaw<{ refs: Record<string, unknown> }[]>`
      SELECT f.refs FROM feature_branch_refs f JOIN branches b ON b.id = f.branch_id WHERE b.repo_uri = ${r}`;
    expect(Object.keys(bucket!.refs).sort()).toEqual(Array.from({ length: PARALLEL }, (_, i) => `lib.MAIN.${i + 1}`).sort());
  }, 120_000);

  it('push.NEW_IMPLS.3 push.NEW_IMPLS.5 parallel pushes of new branches to one new product create it once; name collisions are 422, never 500', async () => {
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        // Even pushes name their own implementation; odd ones all fall back to the branch name `main`.
        push(specPush(repo('multi'), 'main', 'fresh', `feature-${i}`, hex(i), i % 2 === 0 ? { target_impl_name: `impl-${i}` } : {})),
      ),
    );
    const statuses = responses.map((res) => res.status);
    expect(statuses.every((s) => s === 200 || s === 422), JSON.stringify(statuses)).toBe(true);
    // Every named implementation and exactly one `main` were created.
    expect(statuses.filter((s, i) => i % 2 === 0 && s === 200)).toHaveLength(PARALLEL / 2);
    expect(statuses.filter((s, i) => i % 2 === 1 && s === 200)).toHaveLength(1);
    for (const res of responses.filter((res) => res.status === 422)) {
      expect(res.body.errors.detail).toMatch(/already exists.*target_impl_name/);
    }
    const [counts] = await t.db.prisma.$queryRaw<{ products: number; impls: number }[]>`
      SELECT (SELECT count(*)::int FROM products WHERE name = 'fresh') AS products,
             (SELECT count(*)::int FROM implementations i JOIN products p ON p.id = i.product_id WHERE p.name = 'fresh') AS impls`;
    expect(counts).toEqual({ products: 1, impls: PARALLEL / 2 + 1 });
  }, 120_000);

  it('push.LINK_IMPLS.1 push.TX.2 parallel pushes of branches of one repo linking one implementation: one links it, the others are 422, never 500', async () => {
    // Each branch has a lock of its own, so the pushes overlap: some see the link in their context
    // read, others only when their write meets the first one's (a unique violation, answered alike).
    for (let round = 0; round < 3; round++) {
      const home = await push(specPush(repo('home'), 'main', `linked-${round}`, 'cart', hex(1)));
      expect(home.status, JSON.stringify(home.body)).toBe(200);
      const r = repo('linkers');
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          push({ repo_uri: r, branch_name: `branch-${i}`, commit_hash: hex(i), product_name: `linked-${round}`, target_impl_name: 'main', references: { data: { 'cart.MAIN.1': [{ path: `src/${i}.ts:1` }] } } }),
        ),
      );
      const statuses = responses.map((res) => res.status);
      expect(statuses.filter((s) => s === 200), JSON.stringify(statuses)).toHaveLength(1);
      for (const res of responses.filter((res) => res.status !== 200)) {
        expect(res.status, JSON.stringify(res.body)).toBe(422);
        expect(res.body.errors.detail).toMatch(/already tracks a branch in/);
      }
      const [tracked] = await t.db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM tracked_branches WHERE repo_uri = ${r}`;
      expect(tracked!.n).toBe(1);
    }
  }, 120_000);
});
