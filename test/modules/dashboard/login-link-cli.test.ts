import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/lib/paths.js';
import { createTestApp, type TestApp } from '../../helpers/app.js';

const run = promisify(execFile);
let t: TestApp;

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/tokens.ts'), ...args], {
      cwd: projectRoot,
      env: { ...process.env, DATABASE_URL: t.database.url },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => t?.close());

describe('tokens -- login-link (the CLI starts a process: slow on a loaded machine)', { timeout: 180_000 }, () => {
  it('prints a one-time link for the given origin, valid 15 minutes, that signs the user in once', async () => {
    const result = await cli('login-link', '--team', 'acme', '--user', 'alice', '--base-url', 'https://specs.example.com/', '--json');
    expect(result.code, result.stderr).toBe(0);
    const link = JSON.parse(result.stdout) as { url: string; expires_at: string };
    const url = new URL(link.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://specs.example.com/dashboard/login/link');
    const minutes = (Date.parse(link.expires_at) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);
    const code = url.searchParams.get('code')!;
    // only its hash is stored
    expect(JSON.stringify(await t.db.prisma.dashboardLoginLink.findMany())).not.toContain(code);
    expect((await t.http().post('/dashboard/login/link').type('form').send({ code })).status).toBe(303);
    expect((await t.http().post('/dashboard/login/link').type('form').send({ code })).status).toBe(401);
  });

  it('refuses a missing user or a base URL that is not an origin (exit code 2)', async () => {
    expect((await cli('login-link', '--team', 'acme')).code).toBe(2);
    const bad = await cli('login-link', '--team', 'acme', '--user', 'alice', '--base-url', 'https://x.example/path');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--base-url');
  });
});
