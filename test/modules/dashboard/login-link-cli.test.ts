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

  it('end-sessions signs a user out of every browser; revoke also ends their login-link sessions', async () => {
    const signIn = async (user: string) => {
      const agent = t.http();
      const link = JSON.parse((await cli('login-link', '--team', 'acme', '--user', user, '--json')).stdout) as { url: string };
      const code = new URL(link.url).searchParams.get('code')!;
      expect((await agent.post('/dashboard/login/link').type('form').send({ code })).status).toBe(303);
      return agent;
    };
    const [first, second, bystander] = [await signIn('bob'), await signIn('bob'), await signIn('carl')];
    const ended = await cli('end-sessions', '--team', 'acme', '--user', 'bob', '--json');
    expect(ended.code, ended.stderr).toBe(0);
    expect(JSON.parse(ended.stdout)).toEqual({ team: 'acme', user: 'bob', ended: 2 });
    expect((await first.get('/dashboard/t/acme')).status).toBe(303);
    expect((await second.get('/dashboard/t/acme')).status).toBe(303);
    expect((await bystander.get('/dashboard/t/acme')).status).toBe(200);

    const token = JSON.parse((await cli('create', '--team', 'acme', '--user', 'carl', '--json')).stdout) as { id: string };
    expect((await cli('revoke', token.id)).code).toBe(0);
    expect((await bystander.get('/dashboard/t/acme')).status).toBe(303);
  });

  it('end-sessions needs --team and --user of an existing user (exit code 2)', async () => {
    expect((await cli('end-sessions', '--team', 'acme')).code).toBe(2);
    const unknown = await cli('end-sessions', '--team', 'acme', '--user', 'nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('nobody');
  });

  it('refuses a missing user or a base URL that is not an origin (exit code 2)', async () => {
    expect((await cli('login-link', '--team', 'acme')).code).toBe(2);
    const bad = await cli('login-link', '--team', 'acme', '--user', 'alice', '--base-url', 'https://x.example/path');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--base-url');
  });
});
