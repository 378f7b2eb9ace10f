import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../src/lib/paths.js';

const run = promisify(execFile);

describe('npm run db:migrate (scripts/db-migrate.ts)', () => {
  it('an empty DATABASE_URL means the embedded database in DATA_DIR, as for the server (not PostgreSQL on localhost)', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'db-migrate-'));
    try {
      // Were the empty URL passed to pg it would connect to PGHOST:PGPORT: make that fail loudly.
      const env = { ...process.env, DATABASE_URL: '', DATA_DIR: dataDir, PGHOST: '127.0.0.1', PGPORT: '1' };
      const result = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/db-migrate.ts')], { cwd: projectRoot, env });
      expect(result.stdout).toContain('migrations applied');
      expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 120_000);

  it('a bad configuration is refused with exit code 2 and the variable named', async () => {
    const env = { ...process.env, DATABASE_URL: 'mysql://nope', DATA_DIR: tmpdir() };
    const failed = await run(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/db-migrate.ts')], { cwd: projectRoot, env }).then(
      () => null,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('DATABASE_URL');
  }, 60_000);
});
