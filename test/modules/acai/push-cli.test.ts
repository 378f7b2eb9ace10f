import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { hasAcaiCli, runAcai } from './acai-cli.js';

// The released acai CLI, unchanged, running `acai push` in a real git checkout against our
// server. Runs when ACAI_CLI names a node-runnable build of github.com/acai-sh/cli; skipped otherwise.
const run = promisify(execFile);

const CART_SPEC = `feature:
  name: cart
  product: shop
  description: The shopping cart
components:
  ITEMS:
    requirements:
      1: Add an item
      1-note: Quantity defaults to one
      2:
        requirement: Remove an item
      3:
        requirement: Old checkout
        deprecated: true
        replaced_by: [cart.ITEMS.2]
`;

describe.skipIf(!hasAcaiCli)('acai push (the real CLI) against POST /api/v1/push', () => {
  let t: TestApp;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const git = (...args: string[]) => run('git', args, { cwd: dir });
  const write = async (path: string, text: string) => {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  };
  const acai = (...args: string[]) => runAcai({ env, cwd: dir }, ...args);

  beforeAll(async () => {
    t = await createTestApp();
    const token = await t.token({ team: 'team-a' });
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    dir = await mkdtemp(join(tmpdir(), 'acai-push-cli-'));
    env = { PATH: process.env.PATH, HOME: dir, ACAI_API_BASE_URL: `${address}/api/v1`, ACAI_API_TOKEN: token, GIT_CONFIG_NOSYSTEM: '1' };
    await git('init', '-q', '-b', 'main');
    await git('config', 'user.email', 'dev@example.com');
    await git('config', 'user.name', 'Dev');
    await git('remote', 'add', 'origin', 'https://github.com/acme/shop.git');
    await write('features/cart.feature.yaml', CART_SPEC);
    await write('src/cart.ts', '// cart.ITEMS.1\nexport const add = 1;\n// cart.ITEMS.3\n');
    await write('test/cart.test.ts', '// covers cart.ITEMS.1 and cart.ITEMS.2\n');
    await write('src/billing.ts', '// billing.PAY.1 (spec lives in another repo)\n');
    await git('add', '.');
    await git('commit', '-q', '-m', 'initial');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('push.ENDPOINT.1 push.NEW_IMPLS.1 push.REFS.4 `acai push --all` creates the implementation, stores the spec and both refs buckets', async () => {
    const { code, out } = await acai('push', '--all', '--json');
    expect(code, out).toBe(0);
    const branch = await t.db.prisma.branch.findFirstOrThrow({ where: { repoUri: 'github.com/acme/shop', branchName: 'main' } });
    const { stdout: head } = await git('rev-parse', 'HEAD');
    expect(branch.lastSeenCommit).toBe(head.trim());
    const spec = await t.db.prisma.spec.findFirstOrThrow({ where: { branchId: branch.id, featureName: 'cart' } });
    expect(spec.requirements).toEqual({
      'cart.ITEMS.1': { definition: 'Add an item', note: 'Quantity defaults to one', is_deprecated: false, replaced_by: [] },
      'cart.ITEMS.2': { definition: 'Remove an item', is_deprecated: false, replaced_by: [] },
      'cart.ITEMS.3': { definition: 'Old checkout', is_deprecated: true, replaced_by: ['cart.ITEMS.2'] },
    });
    const impl = await t.db.prisma.implementation.findFirstOrThrow({ where: { trackedBranches: { some: { branchId: branch.id } } } });
    expect(impl.name).toBe('main');
    const refs = await t.db.prisma.featureBranchRef.findMany({ where: { branchId: branch.id }, orderBy: { featureName: 'asc' } });
    expect(refs.map((r) => r.featureName)).toEqual(['billing', 'cart']);
    const cart = refs[1]!.refs as Record<string, { path: string; is_test: boolean }[]>;
    expect(cart['cart.ITEMS.2']).toEqual([{ path: 'test/cart.test.ts:1', is_test: true }]);
    expect(cart['cart.ITEMS.1']).toEqual(expect.arrayContaining([{ path: 'src/cart.ts:1', is_test: false }]));
  });

  it('push.IDEMPOTENCY.1 a second `acai push --all` changes nothing', async () => {
    const before = await t.db.prisma.spec.findFirstOrThrow({ where: { featureName: 'cart' } });
    const { code, out } = await acai('push', '--all', '--json');
    expect(code, out).toBe(0);
    expect(out).toMatch(/"specs_?[cC]reated":\s*0/);
    const after = await t.db.prisma.spec.findFirstOrThrow({ where: { featureName: 'cart' } });
    expect(after.updatedAt).toEqual(before.updatedAt);
  });

  it('push.PARENTS.1 `acai push --target --parent` on a new branch creates a child implementation', async () => {
    await git('checkout', '-q', '-b', 'feature/wishlist');
    const { code, out } = await acai('push', '--all', '--target', 'wishlist', '--parent', 'main', '--json');
    expect(code, out).toBe(0);
    const child = await t.db.prisma.implementation.findFirstOrThrow({ where: { name: 'wishlist' }, include: { parent: true } });
    expect(child.parent?.name).toBe('main');
  });

  it('push.RESPONSE.5 push.PARENTS.3 a rejection reaches the user as the server detail', async () => {
    await git('checkout', '-q', '-b', 'feature/orphan');
    const { code, out } = await acai('push', '--all', '--target', 'orphan', '--parent', 'no-such-impl');
    expect(code).not.toBe(0);
    expect(out).toContain("Parent implementation 'no-such-impl' was not found in product 'shop'");
    expect(await t.db.prisma.implementation.count({ where: { name: 'orphan' } })).toBe(0);
  });
});
