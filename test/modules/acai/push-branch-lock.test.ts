import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, pushWith, SHA, spec } from './push-helpers.js';

// Identical pushes racing to a branch that does not exist yet (a CI matrix pushing one commit):
// all carry the same commit, so nothing in the branch row orders them and only the per-branch
// advisory lock does. Without it the losers of the branch insert find no row to return (500).

let t: TestApp;
let token: string;

const PARALLEL = 10;
const ROUNDS = 4;

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

describe('push: the branch lock', () => {
  it('push.TX.2 identical parallel pushes to a new branch all answer 200 with one branch and one implementation, round after round', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const repoUri = `github.com/acme/identical-${round}`;
      const payload = body(repoUri, 'main', {
        commit_hash: SHA('c'),
        specs: [spec({ feature: 'cart', product: `identical-${round}`, commit: SHA('c') })],
        references: { data: { 'cart.MAIN.1': [{ path: 'src/cart.ts:1' }] } },
      });
      const responses = await Promise.all(Array.from({ length: PARALLEL }, () => pushWith(t, token, payload)));
      const statuses = responses.map((res) => res.status);
      expect(statuses, `round ${round}: ${JSON.stringify(responses.find((res) => res.status !== 200)?.body)}`).toEqual(Array(PARALLEL).fill(200));
      const data = responses.map((res) => res.body.data);
      expect(new Set(data.map((d) => d.branch_id)).size).toBe(1);
      expect(new Set(data.map((d) => d.implementation_id)).size).toBe(1);
      expect(data.filter((d) => d.specs_created === 1)).toHaveLength(1);
      const [counts] = await t.db.prisma.$queryRaw<{ branches: number; tracked: number; specs: number }[]>`
        SELECT (SELECT count(*)::int FROM branches WHERE repo_uri = ${repoUri}) AS branches,
               (SELECT count(*)::int FROM tracked_branches WHERE repo_uri = ${repoUri}) AS tracked,
               (SELECT count(*)::int FROM specs s JOIN branches b ON b.id = s.branch_id WHERE b.repo_uri = ${repoUri}) AS specs`;
      expect(counts).toEqual({ branches: 1, tracked: 1, specs: 1 });
    }
  }, 120_000);
});
