// The migrator (src/db/migrator.ts) against a real PostgreSQL server and the
// embedded PGlite, and the drift check / migration tooling (scripts/).
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMigrationList, withSchemaEngine } from '../../scripts/lib/schema-engine.js';
import { applyMigrations, markMigrationRolledBack, readMigrations } from '../../src/db/migrator.js';
import { migrationsDir, projectRoot } from '../../src/lib/paths.js';
import { migrationBackends, type ScratchDatabase } from './migration-backends.js';

const backends = await migrationBackends();
for (const backend of backends) {
  if (backend.unavailable) process.stdout.write(`[migrator.test] SKIPPING ${backend.name} cases: ${backend.unavailable}\n`);
}

/** A temp copy of prisma/migrations plus extra migrations (name → SQL). */
async function migrationsCopy(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'migrations-'));
  await cp(migrationsDir, dir, { recursive: true });
  for (const [name, sql] of Object.entries(extra)) {
    await mkdir(join(dir, name));
    await writeFile(join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function withPool<T>(url: string, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

/** Tables, columns, indexes and constraints of the public schema, as comparable text. */
async function describeSchema(pool: pg.Pool): Promise<string[]> {
  const columns = await pool.query(
    `SELECT table_name, column_name, data_type, udt_name, character_maximum_length, is_nullable, column_default
     FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name`,
  );
  const indexes = await pool.query(`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
  const constraints = await pool.query(
    `SELECT conrelid::regclass::text AS tbl, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace AND contype <> 'n' ORDER BY 1, 2`,
  );
  return [
    ...columns.rows.map((c) => Object.values(c).join(' | ')),
    ...indexes.rows.map((i) => i.indexdef as string),
    ...constraints.rows.map((c) => `${c.tbl} ${c.conname} ${c.def}`),
  ];
}

/** The rows of _prisma_migrations with what is the same across runs (not ids and times). */
async function bookkeeping(pool: pg.Pool) {
  const { rows } = await pool.query('SELECT * FROM _prisma_migrations ORDER BY started_at, migration_name');
  return rows.map((row) => ({
    migration_name: row.migration_name,
    checksum: row.checksum,
    logs: row.logs === null ? null : 'error text',
    applied_steps_count: row.applied_steps_count,
    finished: row.finished_at instanceof Date && row.finished_at >= row.started_at,
    rolled_back: row.rolled_back_at !== null,
    id_is_uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(row.id),
  }));
}

for (const backend of backends) {
  describe.skipIf(backend.unavailable !== null)(`migrator on ${backend.name}`, () => {
    const opened: ScratchDatabase[] = [];
    const fresh = async () => {
      const db = await backend.create();
      opened.push(db);
      return db;
    };
    let db: ScratchDatabase;
    let pool: pg.Pool;
    beforeAll(async () => {
      db = await fresh();
      pool = new pg.Pool({ connectionString: db.url, max: 4 });
    });
    afterAll(async () => {
      await pool?.end();
      for (const scratch of opened) await scratch.close();
    });

    it('applies every migration to a fresh database and records one row each', async () => {
      const files = await readMigrations(migrationsDir);
      expect(files.length).toBeGreaterThan(0);
      const { applied } = await applyMigrations(pool, { migrationsDir });
      expect(applied).toEqual(files.map((f) => f.name));
      expect(await bookkeeping(pool)).toEqual(
        files.map((f) => ({
          migration_name: f.name,
          checksum: f.checksum,
          logs: null,
          applied_steps_count: 1,
          finished: true,
          rolled_back: false,
          id_is_uuid: true,
        })),
      );
    });

    it("writes the same table, rows and schema as Prisma's own engine", async () => {
      const byEngine = await fresh();
      await withSchemaEngine(byEngine.url, 'none', async (engine) => {
        const output = await engine.applyMigrations({
          migrationsList: await readMigrationList(migrationsDir),
          filters: { externalTables: [], externalEnums: [] },
        });
        expect(output.appliedMigrationNames).toEqual((await readMigrations(migrationsDir)).map((f) => f.name));
      });
      await withPool(byEngine.url, async (enginePool) => {
        expect(await describeSchema(pool)).toEqual(await describeSchema(enginePool));
        expect(await bookkeeping(pool)).toEqual(await bookkeeping(enginePool));
      });
    }, 120_000);

    it('a second run applies nothing', async () => {
      expect(await applyMigrations(pool, { migrationsDir })).toEqual({ applied: [] });
      expect((await pool.query('SELECT count(*)::int AS n FROM _prisma_migrations')).rows[0].n).toBe(
        (await readMigrations(migrationsDir)).length,
      );
    });

    it('the hand-written CHECK constraints reject bad rows', async () => {
      const team = '00000000-0000-7000-8000-0000000000aa';
      const user = '00000000-0000-7000-8000-0000000000bb';
      await pool.query(`INSERT INTO teams (id, name, updated_at) VALUES ($1, 'checks', now())`, [team]);
      await pool.query(`INSERT INTO devices (id, team_id, name, updated_at) VALUES ('dev_x', $1, 'd', now())`, [team]);
      await expect(
        pool.query(`INSERT INTO devices (id, team_id, name, status, updated_at) VALUES ('dev_y', $1, 'd', 'asleep', now())`, [team]),
      ).rejects.toThrow(/devices_status_check/);
      await pool.query(
        `INSERT INTO workspace_bindings (id, team_id, device_id, environment_id, local_path, updated_at)
         VALUES ('wb_x', $1, 'dev_x', 'env', '/tmp', now())`,
        [team],
      );
      for (const table of ['push_sessions', 'pull_sessions']) {
        let n = 0;
        const insert = (status: string, slot: string) =>
          pool.query(
            `INSERT INTO ${table} (id, team_id, workspace_binding_id, user_id, device_id, environment_id, status, prepared_slot, plan_signature, plan, updated_at)
             VALUES ($1, $2, 'wb_x', $3, 'dev_x', 'env', $4, ${slot}, 'sig', '{}', now())`,
            [`s_${n++}`, team, user, status],
          );
        await expect(insert('cancelled', 'true')).rejects.toThrow(new RegExp(`${table}_prepared_slot_check`));
        await expect(insert('prepared', 'NULL')).rejects.toThrow(new RegExp(`${table}_prepared_slot_check`));
        await expect(insert('prepared', 'false')).rejects.toThrow(new RegExp(`${table}_prepared_slot_check`));
        await expect(insert('superseded', 'false')).rejects.toThrow(new RegExp(`${table}_prepared_slot_check`));
        await expect(insert('bogus', 'NULL')).rejects.toThrow(new RegExp(`${table}_status_check`));
        await insert('prepared', 'true');
        await expect(insert('prepared', 'true')).rejects.toThrow(new RegExp(`${table}_workspace_binding_id_prepared_slot_key`));
        await insert('cancelled', 'NULL');
        await insert('superseded', 'NULL');
      }
      const operation = (kind: string, status: string) =>
        pool.query(
          `INSERT INTO git_operations (id, team_id, kind, status, branch, request, updated_at)
           VALUES ($1, $2, $3, $4, 'main', '{}', now())`,
          [`op_${kind}_${status}`, team, kind, status],
        );
      await expect(operation('merge', 'queued')).rejects.toThrow(/git_operations_kind_check/);
      await expect(operation('push', 'done')).rejects.toThrow(/git_operations_status_check/);
      for (const status of ['queued', 'running', 'succeeded', 'failed', 'conflict']) await operation('pull', status);
    });

    it('two concurrent starters on one empty database both succeed and apply each migration once', async () => {
      const dir = await migrationsCopy({
        '29990101000000_second': 'CREATE TABLE second_table (id int PRIMARY KEY);',
        '29990102000000_third': 'ALTER TABLE second_table ADD COLUMN note text;',
      });
      const empty = await fresh();
      const results = await Promise.all([
        withPool(empty.url, (p) => applyMigrations(p, { migrationsDir: dir })),
        withPool(empty.url, (p) => applyMigrations(p, { migrationsDir: dir })),
      ]);
      const all = (await readMigrations(dir)).map((f) => f.name);
      expect([...results[0]!.applied, ...results[1]!.applied].sort()).toEqual(all);
      await withPool(empty.url, async (p) => {
        const { rows } = await p.query('SELECT migration_name, count(*)::int AS n FROM _prisma_migrations GROUP BY 1 ORDER BY 1');
        expect(rows).toEqual(all.map((name) => ({ migration_name: name, n: 1 })));
      });
      await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it('a failing migration leaves no partial schema and blocks the next run until resolved', async () => {
      const broken = '29990201000000_broken';
      const dir = await migrationsCopy({ [broken]: 'CREATE TABLE half_done (id int);\nSELECT no_such_function();\n' });
      await expect(applyMigrations(pool, { migrationsDir: dir })).rejects.toThrow(/29990201000000_broken failed/);
      expect((await pool.query(`SELECT to_regclass('half_done') AS t`)).rows[0].t).toBeNull();
      const failed = await pool.query('SELECT * FROM _prisma_migrations WHERE migration_name = $1', [broken]);
      expect(failed.rows).toHaveLength(1);
      expect(failed.rows[0]).toMatchObject({ finished_at: null, rolled_back_at: null, applied_steps_count: 0 });
      expect(failed.rows[0].logs).toMatch(/no_such_function/);

      // Fixing the file is not enough: like P3009, someone must resolve the failure.
      await writeFile(join(dir, broken, 'migration.sql'), 'CREATE TABLE half_done (id int);\n');
      await expect(applyMigrations(pool, { migrationsDir: dir })).rejects.toThrow(/29990201000000_broken failed earlier.*P3009/);
      await markMigrationRolledBack(pool, broken);
      expect((await applyMigrations(pool, { migrationsDir: dir })).applied).toEqual([broken]);
      const rows = await pool.query(
        'SELECT finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back FROM _prisma_migrations WHERE migration_name = $1 ORDER BY started_at',
        [broken],
      );
      expect(rows.rows).toEqual([
        { finished: false, rolled_back: true },
        { finished: true, rolled_back: false },
      ]);
      await rm(dir, { recursive: true, force: true });
    });

    it('warns when an applied migration was modified afterwards', async () => {
      const dir = await migrationsCopy();
      const first = (await readMigrations(dir))[0]!.name;
      await writeFile(join(dir, first, 'migration.sql'), `${await readFile(join(dir, first, 'migration.sql'), 'utf8')}\n-- edited\n`);
      const warnings: object[] = [];
      const logger = { info: () => undefined, warn: (obj: object) => warnings.push(obj) };
      expect((await applyMigrations(pool, { migrationsDir: dir, logger })).applied).toEqual([]);
      expect(warnings).toEqual([{ migration: first }]);
      await rm(dir, { recursive: true, force: true });
    });
  });
}

describe('migration tooling (WebAssembly schema engine, no network)', () => {
  let workDir: string;
  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'schema-drift-'));
    await cp(join(projectRoot, 'prisma'), workDir, { recursive: true });
  });
  afterAll(async () => rm(workDir, { recursive: true, force: true }));

  const runScript = (script: string, args: string[]) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', join(projectRoot, 'scripts', script), ...args], {
      cwd: projectRoot,
    }).then(
      (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );
  const paths = () => ['--schema', join(workDir, 'schema.prisma'), '--migrations', join(workDir, 'migrations')];

  it('reports no drift for the committed migrations (their CHECK constraints included)', async () => {
    expect(await readFile(join(workDir, 'migrations/20261122000000_init/migration.sql'), 'utf8')).toContain('CHECK');
    const result = await runScript('migration-check.ts', paths());
    expect(result.stdout).toContain('migrations match schema.prisma');
    expect(result.code).toBe(0);
  }, 600_000);

  it('reports drift with the missing SQL after a schema change, and a created migration resolves it', async () => {
    const schemaPath = join(workDir, 'schema.prisma');
    const schema = await readFile(schemaPath, 'utf8');
    const changed = schema.replace(/(model Product \{\n\s+id\s+String\s+@id @db\.Uuid\n)/, '$1  nickname String?\n');
    expect(changed).not.toBe(schema);
    await writeFile(schemaPath, changed);

    const drift = await runScript('migration-check.ts', paths());
    expect(drift.code).toBe(1);
    expect(drift.stderr).toMatch(/ALTER TABLE "products" ADD COLUMN\s+"nickname" TEXT/);

    const created = await runScript('migration-create.ts', ['add_nickname', ...paths()]);
    expect(created.code).toBe(0);
    const folders = await readdir(join(workDir, 'migrations'));
    const added = folders.find((name) => /^\d{14}_add_nickname$/.test(name));
    expect(added).toBeDefined();
    expect(await readFile(join(workDir, 'migrations', added!, 'migration.sql'), 'utf8')).toMatch(/"nickname" TEXT/);

    expect((await runScript('migration-check.ts', paths())).code).toBe(0);
    const again = await runScript('migration-create.ts', ['nothing_new', ...paths()]);
    expect(again.stdout).toContain('no changes');
    expect((await readdir(join(workDir, 'migrations'))).length).toBe(folders.length);
  }, 600_000);
});
