import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createToken } from '../../src/db/tokens.js';
import { ALL_SCOPES } from '../../src/lib/auth/scopes.js';

const run = promisify(execFile);

// Every test starts CLI processes (Node, tsx, a database pool): seconds each on a loaded machine.
describe('token CLI', { timeout: 120_000 }, () => {
  let database: TestDatabase;

  async function cli(...args: string[]) {
    try {
      const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'src/cli/tokens.ts'), ...args], {
        cwd: projectRoot,
        env: { ...process.env, DATABASE_URL: database.url },
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  let created: { token: string; id: string; team: string; user: string; scopes: string[]; expires_at: string | null };

  it('create --json prints one JSON object with the token, creating team and user', async () => {
    const result = await cli('create', '--team', 'acme', '--user', 'ci-bot', '--scopes', 'specs:read,specs:write', '--expires-in', '30d', '--json');
    expect(result.code).toBe(0);
    created = JSON.parse(result.stdout);
    expect(created.token).toMatch(/^at_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ team: 'acme', user: 'ci-bot', scopes: ['specs:read', 'specs:write'] });
    const days = (Date.parse(created.expires_at!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
  });

  it('--expires-in counts from created_at: 1s expires exactly one second after creation', async () => {
    const result = await cli('create', '--team', 'acme', '--user', 'brief', '--expires-in', '1s', '--json');
    expect(result.code, result.stderr).toBe(0);
    const token = JSON.parse(result.stdout) as { created_at: string; expires_at: string };
    expect(Date.parse(token.expires_at) - Date.parse(token.created_at)).toBe(1000);
  });

  it('rejects a lifetime that is not positive, or too long to store, with exit code 2', async () => {
    for (const duration of ['0s', '--expires-in=-1s', '999999w']) {
      const args = duration.startsWith('--') ? [duration] : ['--expires-in', duration];
      const result = await cli('create', '--team', 'acme', '--user', 'never', ...args);
      expect(result.code, `${duration}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain('--expires-in');
    }
    await expect(createToken(null as never, { team: 'a', user: 'b', expiresInMs: 0 })).rejects.toThrow(RangeError);
    await expect(createToken(null as never, { team: 'a', user: 'b', expiresInMs: -1000 })).rejects.toThrow(RangeError);
  }, 120_000);

  it('defaults to every scope', async () => {
    const result = await cli('create', '--team', 'acme', '--user', 'admin', '--json');
    expect(JSON.parse(result.stdout).scopes).toEqual([...ALL_SCOPES]);
  });

  it('list shows tokens without the secret', async () => {
    const result = await cli('list', '--json');
    expect(result.code).toBe(0);
    const tokens = JSON.parse(result.stdout) as Array<{ id: string; prefix: string }>;
    expect(tokens.map((t) => t.id)).toContain(created.id);
    expect(result.stdout).not.toContain(created.token);
    expect(created.token.startsWith(tokens.find((t) => t.id === created.id)!.prefix)).toBe(true);
  });

  it('the created token authenticates; after revoke it no longer does', async () => {
    // TTL 0: the server sees the revocation on the very next request (no cached lookup).
    const t: TestApp = await createTestApp({ env: { TOKEN_CACHE_TTL_MS: '0' }, database: { ...database, close: async () => undefined } });
    try {
      const before = await t.http().get('/api/v1/implementations?product_name=none').set('authorization', `Bearer ${created.token}`);
      expect(before.status).toBe(403); // valid token, but it lacks impls:read
      const revoked = await cli('revoke', created.id);
      expect(revoked.code).toBe(0);
      expect(revoked.stdout).toContain('Revoked');
      const after = await t.http().get('/api/v1/implementations?product_name=none').set('authorization', `Bearer ${created.token}`);
      expect(after.status).toBe(401);
      expect(after.body.errors.detail).toMatch(/revoked/);
    } finally {
      await t.close();
    }
  });

  it('rejects bad input with exit code 2 and a message', async () => {
    expect((await cli('create', '--team', 'acme')).code).toBe(2);
    const badScope = await cli('create', '--team', 'a', '--user', 'b', '--scopes', 'root:all');
    expect(badScope.code).toBe(2);
    expect(badScope.stderr).toContain('root:all');
    expect((await cli('create', '--team', 'a', '--user', 'b', '--expires-in', 'soon')).code).toBe(2);
    expect((await cli('revoke', '00000000-0000-7000-8000-000000000000')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
  }, 120_000); // five CLI processes, each starting Node, tsx and a database pool

  it('an unknown option or an option without its value is a usage error (2); --help prints the usage and exits 0', async () => {
    const unknown = await cli('create', '--tem', 'acme', '--user', 'b');
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain('--tem');
    expect(unknown.stderr).toContain('Usage:');
    const missingValue = await cli('list', '--team');
    expect(missingValue.code, missingValue.stderr).toBe(2);
    expect(missingValue.stderr).toContain('--team');
    const help = await cli('--help');
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage:');
  }, 120_000);
});
