import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigrations, readMigrations } from '../../src/db/migrator.js';
import { migrationsDir, projectRoot } from '../../src/lib/paths.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

const run = promisify(execFile);

describe('migrator', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  beforeAll(async () => {
    database = await createTestDatabase();
    pool = new pg.Pool({ connectionString: database.url, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await database?.close();
  });

  it('records each migration in _prisma_migrations exactly as prisma migrate deploy does', async () => {
    const { applied } = await applyMigrations(pool, { migrationsDir });
    const files = await readMigrations(migrationsDir);
    expect(applied).toEqual(files.map((f) => f.name));
    const { rows } = await pool.query('SELECT * FROM _prisma_migrations ORDER BY migration_name');
    expect(rows).toHaveLength(files.length);
    rows.forEach((row, i) => {
      expect(row.migration_name).toBe(files[i]!.name);
      expect(row.checksum).toBe(files[i]!.checksum);
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    });
    const columns = await pool.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.rows.map((c) => `${c.column_name}:${c.data_type}:${c.is_nullable}`)).toEqual([
      'id:character varying:NO',
      'checksum:character varying:NO',
      'finished_at:timestamp with time zone:YES',
      'migration_name:character varying:NO',
      'logs:text:YES',
      'rolled_back_at:timestamp with time zone:YES',
      'started_at:timestamp with time zone:NO',
      'applied_steps_count:integer:NO',
    ]);
  });

  it('a second run applies nothing', async () => {
    expect((await applyMigrations(pool, { migrationsDir })).applied).toEqual([]);
  });

  it('the hand-written CHECK constraints are installed and enforce the prepared-slot rule', async () => {
    const { rows } = await pool.query(
      `SELECT conname FROM pg_constraint WHERE contype = 'c' AND conrelid IN ('push_sessions'::regclass, 'pull_sessions'::regclass, 'devices'::regclass, 'git_operations'::regclass) ORDER BY 1`,
    );
    expect(rows.map((r) => r.conname)).toEqual([
      'devices_status_check',
      'git_operations_kind_check',
      'git_operations_status_check',
      'pull_sessions_prepared_slot_check',
      'pull_sessions_status_check',
      'push_sessions_prepared_slot_check',
      'push_sessions_status_check',
    ]);
    await pool.query(`INSERT INTO teams (id, name, updated_at) VALUES ('00000000-0000-7000-8000-0000000000aa', 'checks', now())`);
    await pool.query(
      `INSERT INTO devices (id, team_id, name, updated_at) VALUES ('dev_x', '00000000-0000-7000-8000-0000000000aa', 'd', now())`,
    );
    await pool.query(
      `INSERT INTO workspace_bindings (id, team_id, device_id, environment_id, local_path, updated_at)
       VALUES ('wb_x', '00000000-0000-7000-8000-0000000000aa', 'dev_x', 'env', '/tmp', now())`,
    );
    const insert = (status: string, slot: string) =>
      pool.query(
        `INSERT INTO push_sessions (id, team_id, workspace_binding_id, user_id, device_id, environment_id, status, prepared_slot, plan_signature, plan, updated_at)
         VALUES ($1, '00000000-0000-7000-8000-0000000000aa', 'wb_x', '00000000-0000-7000-8000-0000000000bb', 'dev_x', 'env', $2, ${slot}, 'sig', '{}', now())`,
        [`ps_${status}_${slot}_${Math.random().toString(36).slice(2)}`, status],
      );
    await expect(insert('cancelled', 'true')).rejects.toThrow(/prepared_slot_check/);
    await expect(insert('prepared', 'NULL')).rejects.toThrow(/prepared_slot_check/);
    await expect(insert('prepared', 'false')).rejects.toThrow(/prepared_slot_check/);
    await expect(insert('bogus', 'NULL')).rejects.toThrow(/status_check/);
    await insert('prepared', 'true');
    await expect(insert('prepared', 'true')).rejects.toThrow(/push_sessions_workspace_binding_id_prepared_slot_key/);
    await insert('cancelled', 'NULL');
  });

  it('a failing migration changes nothing and the error names it; the next start retries it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
    await cp(migrationsDir, dir, { recursive: true });
    await mkdir(join(dir, '29990101000000_broken'));
    await writeFile(join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n');
    await expect(applyMigrations(pool, { migrationsDir: dir })).rejects.toThrow(/29990101000000_broken failed/);
    const table = await pool.query(`SELECT to_regclass('half_done') AS t`);
    expect(table.rows[0].t).toBeNull();
    const recorded = await pool.query(`SELECT count(*)::int AS n FROM _prisma_migrations WHERE migration_name = '29990101000000_broken'`);
    expect(recorded.rows[0].n).toBe(0);
    await writeFile(join(dir, '29990101000000_broken', 'migration.sql'), 'CREATE TABLE half_done (id int);\n');
    expect((await applyMigrations(pool, { migrationsDir: dir })).applied).toEqual(['29990101000000_broken']);
    await rm(dir, { recursive: true, force: true });
  });

  it('a migration Prisma recorded as failed blocks the start until it is resolved (like P3009)', async () => {
    await pool.query(
      `INSERT INTO _prisma_migrations (id, checksum, migration_name, started_at, applied_steps_count) VALUES ('00000000-0000-4000-8000-000000000001', 'x', '29990202000000_failed', now(), 0)`,
    );
    await expect(applyMigrations(pool, { migrationsDir })).rejects.toThrow(/29990202000000_failed failed earlier/);
    await pool.query(`UPDATE _prisma_migrations SET rolled_back_at = now() WHERE migration_name = '29990202000000_failed'`);
    await expect(applyMigrations(pool, { migrationsDir })).resolves.toEqual({ applied: [] });
  });
});

describe('migration tooling (WebAssembly schema engine, no network)', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'schema-drift-'));
    await cp(join(projectRoot, 'prisma'), workDir, { recursive: true });
  });
  afterAll(async () => rm(workDir, { recursive: true, force: true }));

  const check = (schema: string, migrations: string) =>
    run(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts/migration-check.ts'), '--schema', schema, '--migrations', migrations], {
      cwd: projectRoot,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it('reports no drift for the committed migrations', async () => {
    const result = await check(join(workDir, 'schema.prisma'), join(workDir, 'migrations'));
    expect(result.stdout).toContain('migrations match schema.prisma');
    expect(result.code).toBe(0);
  }, 120_000);

  it('reports drift, with the missing SQL, after a schema change', async () => {
    const schemaPath = join(workDir, 'schema.prisma');
    const schema = await readFile(schemaPath, 'utf8');
    await writeFile(schemaPath, schema.replace('  name        String\n  description String?', '  name        String\n  nickname    String?\n  description String?'));
    const result = await check(schemaPath, join(workDir, 'migrations'));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/ALTER TABLE "products" ADD COLUMN\s+"nickname" TEXT/);
    expect((await readdir(join(workDir, 'migrations'))).length).toBeGreaterThan(0);
  }, 120_000);
});
