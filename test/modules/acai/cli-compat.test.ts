import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { hasAcaiCli, runAcai } from './acai-cli.js';
import { seedAcai, storedStates, type Seeded } from './fixtures.js';
import { scenario } from './scenario.js';

// The released acai CLI, unchanged, against our read and state endpoints. Runs when
// ACAI_CLI names a build of github.com/acai-sh/cli (a node-runnable acai.mjs); skipped otherwise.

describe.skipIf(!hasAcaiCli)('acai CLI against the read and state endpoints', () => {
  let t: TestApp;
  let seeded: Seeded;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    t = await createTestApp();
    const token = await t.token({ team: 'team-a' });
    seeded = await seedAcai(t.db.prisma, scenario('team-a'));
    const address = await t.app.listen({ port: 0, host: '127.0.0.1' });
    env = { PATH: process.env.PATH, HOME: process.env.HOME, ACAI_API_BASE_URL: `${address}/api/v1`, ACAI_API_TOKEN: token };
  });
  afterAll(async () => t?.close());

  const acai = (...args: string[]) => runAcai({ env, cwd: '/' }, ...args);

  it('implementation-features.RESPONSE.4 `acai features --json` parses the worklist', async () => {
    const { code, out } = await acai('features', '--impl', 'api/feat', '--json');
    expect(code).toBe(0);
    expect(JSON.parse(out).data.features.map((f: { feature_name: string }) => f.feature_name)).toEqual(['auth', 'billing', 'search']);
  });

  it('feature-context.RESPONSE.9 `acai feature --include-refs` prints requirements, statuses and refs', async () => {
    const { code, out } = await acai('feature', 'auth', '--impl', 'api/prod', '--include-refs');
    expect(code).toBe(0);
    expect(out).toMatch(/auth\.LOGIN\.1\s+completed\s+3\s+1\s+Users log in with email and password/);
    expect(out).toContain('web/login.ts:3');
  });

  it('feature-context.RESPONSE.13 the CLI shows our 404 detail', async () => {
    const { code, out } = await acai('feature', 'nope', '--impl', 'api/prod');
    expect(code).not.toBe(0);
    expect(out).toContain("Feature 'nope' has no spec in product 'api'");
  });

  it('feature-states.RESPONSE.3 `acai set-status` writes states', async () => {
    const { code, out } = await acai('set-status', '{"auth.LOGIN.2": {"status": "completed", "comment": "via cli"}}', '--product', 'api', '--impl', 'dev');
    expect(code, out).toBe(0);
    expect(out).toMatch(/api\s+dev\s+auth\s+1/);
    expect((await storedStates(t.db.prisma, seeded.implementationIds['api/dev']!, 'auth'))!['auth.LOGIN.2']).toMatchObject({
      status: 'completed',
      comment: 'via cli',
    });
  });
});
