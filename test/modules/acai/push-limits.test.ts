import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { body, pushWith, repo, SHA, spec } from './push-helpers.js';

// POST /push at its limits: semantic caps (422), body size (413), rate limit (429) and abuse
// logs. The statement count and concurrent pushes are in push-statements and push-concurrency.

let t: TestApp;
let token: string;
const push = (payload: unknown) => pushWith(t, token, payload);

beforeAll(async () => {
  t = await createTestApp();
  token = await t.token({ team: 'team-a' });
});
afterAll(async () => t?.close());

function bigPush(r: string, specs: number, requirements: number, refsPerSpec: number) {
  const data: Record<string, { path: string; is_test: boolean }[]> = {};
  const list = [];
  for (let s = 0; s < specs; s++) {
    const feature = `feature-${s}`;
    const reqs: Record<string, { requirement: string }> = {};
    for (let i = 0; i < requirements; i++) reqs[`${feature}.MAIN.${i}`] = { requirement: `Requirement ${i} of ${feature}` };
    list.push(spec({ feature, requirements: reqs, commit: SHA('d') }));
    for (let i = 0; i < refsPerSpec; i++) data[`${feature}.MAIN.${i}`] = [{ path: `src/${feature}.ts:${i}`, is_test: false }];
  }
  return body(r, 'main', { commit_hash: SHA('d'), specs: list, references: { override: false, data } });
}

describe('push: semantic caps (422, nothing written)', () => {
  const long = (n: number) => 'x'.repeat(n);
  const cases: [string, () => unknown, RegExp][] = [
    ['push.ABUSE.2-1 more than 100 specs', () => bigPush(repo(), 101, 1, 0), /101 specs; the maximum per push is 100 \(ACAI_PUSH_MAX_SPECS\)/],
    ['push.ABUSE.2-2 more than 10,000 ref entries', () => {
      const p = bigPush(repo(), 0, 0, 0) as unknown as { references: { data: Record<string, unknown[]> } };
      for (let i = 0; i < 10_001; i++) p.references.data[`f.MAIN.${i}`] = [{ path: 'a' }];
      return p;
    }, /10001 reference entries; the maximum per push is 10000 \(ACAI_PUSH_MAX_REFS\)/],
    ['push.ABUSE.2-3 more than 200 requirements in a spec', () => bigPush(repo(), 1, 201, 0), /201 requirements; the maximum per spec is 200/],
    ['push.ABUSE.2-4 raw_content over 100 KB', () => body(repo(), 'main', { specs: [spec({ feature: 'f', raw_content: long(100 * 1024 + 1) })] }), /raw_content of feature 'f' is 102401 bytes; the maximum is 102400/],
    ['push.ABUSE.2-5 a requirement over 2,000 characters', () => body(repo(), 'main', { specs: [spec({ feature: 'f', requirements: { 'f.A.1': long(2001) } })] }), /Requirement f\.A\.1 is 2001 characters; the maximum is 2000/],
    ['push.ABUSE.2-6 a description over 5,000 characters', () => body(repo(), 'main', { specs: [spec({ feature: 'f', description: long(5001) })] }), /Description of feature 'f' is 5001 characters; the maximum is 5000/],
    ['push.ABUSE.2-7 meta.path over 1,024 characters', () => body(repo(), 'main', { specs: [spec({ feature: 'f', path: long(1025) })] }), /meta\.path of feature 'f' is 1025 characters; the maximum is 1024/],
    ['push.ABUSE.2-8 repo_uri over 2,048 characters', () => body(`github.com/${long(2040)}`, 'main'), /repo_uri is 2051 characters; the maximum is 2048/],
  ];
  it.each(cases)('%s push.ABUSE.2 push.RESPONSE.5-1', async (_title, build, detail) => {
    const before = await t.db.prisma.branch.count();
    const res = await push(build());
    expect(res.status).toBe(422);
    expect(res.body.errors.detail).toMatch(detail);
    expect(await t.db.prisma.branch.count()).toBe(before);
  });
});

describe('push: configured limits', () => {
  let small: TestApp;
  let smallToken: string;
  beforeAll(async () => {
    small = await createTestApp({
      env: { ACAI_PUSH_MAX_BODY_BYTES: '4000', ACAI_PUSH_MAX_SPECS: '1', RATE_LIMITS: 'on', ACAI_PUSH_REQUESTS_PER_MINUTE: '4' },
    });
    smallToken = await small.token({ team: 'team-a' });
  });
  afterAll(async () => small?.close());

  it('push.ABUSE.1 push.ABUSE.1-1 push.RESPONSE.8 push.ABUSE.3 push.ABUSE.5 push.ABUSE.5-1 push.ABUSE.5-2 push.ABUSE.5-3 an oversized body is a 413 and a logged rejection; caps follow the environment', async () => {
    const res = await pushWith(small, smallToken, body('github.com/a/b', 'main', { specs: [spec({ feature: 'f', raw_content: 'x'.repeat(5000) })] }));
    expect(res.status).toBe(413);
    expect(typeof res.body.errors.detail).toBe('string');
    expect(await small.db.prisma.branch.count()).toBe(0);

    const capped = await pushWith(small, smallToken, body('github.com/a/b', 'main', { specs: [spec({ feature: 'f' }), spec({ feature: 'g' })] }));
    expect(capped.status).toBe(422);
    expect(capped.body.errors.detail).toContain('the maximum per push is 1 (ACAI_PUSH_MAX_SPECS)');
    const line = small.logs.lines.find((l) => l.event === 'abuse_rejection' && l.status === 422);
    expect(line).toMatchObject({ endpoint: 'POST /api/v1/push', specs_count: 2, token_id: expect.any(String), team_id: expect.any(String) });
    expect(small.logs.raw.join("\n")).not.toContain(smallToken);
  });

  it('push.ABUSE.4 push.ABUSE.4-1 push.ABUSE.4-2 push.RESPONSE.9 pushes over the per-token rate limit get 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await pushWith(small, smallToken, body('github.com/a/c', 'main'))).status);
    expect(statuses).toContain(429);
    const res = await pushWith(small, smallToken, body('github.com/a/c', 'main'));
    expect(res.status).toBe(429);
    expect(typeof res.body.errors.detail).toBe('string');
  });
});
