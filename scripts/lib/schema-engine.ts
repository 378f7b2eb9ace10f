// Drives Prisma's schema engine, compiled to WebAssembly, for what the native CLI
// (whose engine binary cannot be downloaded here) would do for us: the SQL of a
// new migration and the drift check between prisma/migrations and schema.prisma.
// The engine replays the migrations into a throwaway in-memory PGlite, never into
// a real database. @prisma/schema-engine-wasm is an internal package: its version
// is pinned to the one matching `prisma` (see @prisma/engines-version) and
// test/db/migrator.test.ts covers this file.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DiffTarget, MigrationList, SchemaEngine as Engine } from '@prisma/schema-engine-wasm';

const require = createRequire(import.meta.url);
let initialised: Promise<void> | undefined;

// The glue reports Rust panics through this global; keep the message for the error.
let lastPanic = '';
(globalThis as { PRISMA_WASM_PANIC_REGISTRY?: unknown }).PRISMA_WASM_PANIC_REGISTRY = {
  set_message(message: string) {
    lastPanic = message;
    // A panic can surface as an uncaught "unreachable" trap; say what it was first.
    process.stderr.write(`schema engine panic: ${message}\n`);
  },
};

// The WebAssembly global, typed for the two calls we make (lib.dom is not loaded).
interface WasmRuntime {
  instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }>;
}

// Node 20 cannot import a .wasm module: instantiate it by hand with the JS glue.
async function initWasm(): Promise<void> {
  const wasmPath = join(dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')), 'schema_engine_bg.wasm');
  const runtime = (globalThis as unknown as { WebAssembly: WasmRuntime }).WebAssembly;
  const { instance } = await runtime.instantiate(await readFile(wasmPath), { './schema_engine_bg.js': engineGlue });
  (engineGlue as unknown as { __wbg_set_wasm(exports: object): void }).__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
}

const CHAR_OID = 18;
const TEXT_OID = 25;

// The engine reads the catalog through the Prisma pg adapter; two things about
// that catalog need translating for it.
function adaptCatalogResult(result: pg.QueryResult | undefined): void {
  if (!result?.fields) return;
  // The catalog queries return PostgreSQL's internal one-byte "char" type, which
  // the adapter cannot map; text is what it means.
  for (const field of result.fields) if (field.dataTypeID === CHAR_OID) field.dataTypeID = TEXT_OID;
  // The engine's table-constraint query returns CHECK and EXCLUDE constraints
  // (and, on PostgreSQL 18 such as PGlite, NOT NULL ones too) and the engine
  // panics on them. Prisma's schema language has no CHECK constraints and a diff
  // never emits or drops them (the native engine ignores them as well), so the
  // engine is shown none: our hand-written checks (prisma/checks.sql) are neither
  // reported as drift nor dropped by a generated migration.
  if (result.fields.some((field) => field.name === 'constraint_type')) result.rows = [];
}

class CharAsTextClient extends pg.Client {
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      // pool.query() passes a callback
      args[args.length - 1] = (error: Error | null, result: pg.QueryResult) => {
        adaptCatalogResult(result);
        (last as (e: Error | null, r: pg.QueryResult) => void)(error, result);
      };
      return (super.query as (...a: unknown[]) => never)(...args);
    }
    const pending = (super.query as (...a: unknown[]) => Promise<pg.QueryResult>)(...args);
    return pending.then((result) => {
      adaptCatalogResult(result);
      return result;
    }) as never;
  }
}

type PgAdapter = Awaited<ReturnType<PrismaPg['connect']>>;

// The adapter's executeScript splits a script on `;` (breaking dollar-quoted
// bodies and semicolons in comments). Run each migration file as one simple
// query instead, exactly as src/db/migrator.ts applies it.
async function connectRunningWholeScripts(factory: PrismaPg, pool: pg.Pool): Promise<PgAdapter> {
  const adapter = await factory.connect();
  adapter.executeScript = async (script: string) => {
    try {
      await pool.query(script);
    } catch (error) {
      (adapter as unknown as { onError(error: unknown): never }).onError(error);
    }
  };
  return adapter;
}

/**
 * `shadow: 'self'` lets the engine use the same database as its shadow database
 * (only ever a throwaway PGlite); `'none'` makes any attempt fail. Never the pg
 * adapter's own connectToShadowDb: with a connection string it would replay
 * migrations into the main database (see shared toolchain notes).
 */
function adapterFactory(pool: pg.Pool, shadow: 'self' | 'none') {
  const factory = new PrismaPg(pool);
  return bindMigrationAwareSqlAdapterFactory({
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: () => connectRunningWholeScripts(factory, pool),
    connectToShadowDb: () =>
      shadow === 'self'
        ? connectRunningWholeScripts(factory, pool)
        : Promise.reject(new Error('this engine has no shadow database')),
  } as unknown as Parameters<typeof bindMigrationAwareSqlAdapterFactory>[0]);
}

/** Runs `work` with an engine connected to `url`; frees the engine and its pool afterwards. */
export async function withSchemaEngine<T>(
  url: string,
  shadow: 'self' | 'none',
  work: (engine: Engine) => Promise<T>,
): Promise<T> {
  initialised ??= initWasm();
  await initialised;
  const pool = new pg.Pool({ connectionString: url, Client: CharAsTextClient, max: 4 });
  let engine: Engine | undefined;
  try {
    lastPanic = '';
    engine = await engineGlue.SchemaEngine.new(
      { datamodels: undefined },
      (log: string) => (process.env.DEBUG_SCHEMA_ENGINE ? process.stderr.write(`${log}\n`) : undefined),
      adapterFactory(pool, shadow),
    );
    return await work(engine);
  } catch (error) {
    if (lastPanic) throw new Error(`schema engine panicked: ${lastPanic}`, { cause: error });
    throw error;
  } finally {
    engine?.free();
    await pool.end();
  }
}

/**
 * An in-memory PGlite on a Unix socket in a fresh 0700 temp directory: a database nothing
 * else can see (PGlite accepts any password, so never TCP; see src/db/embedded.ts).
 */
async function startThrowawayDatabase(): Promise<{ url: string; close(): Promise<void> }> {
  const socketDir = await mkdtemp(join(tmpdir(), 'schema-engine-pg-'));
  const db = await PGlite.create();
  const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 8 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    await rm(socketDir, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `postgresql://postgres@localhost:5432/postgres?host=${encodeURIComponent(socketDir)}&sslmode=disable`,
    async close() {
      await server.stop();
      await db.close();
      await rm(socketDir, { recursive: true, force: true });
    },
  };
}

export async function readMigrationList(migrationsDir: string): Promise<MigrationList> {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockfile = await readFile(join(migrationsDir, 'migration_lock.toml'), 'utf8').catch(() => null);
  return {
    baseDir: migrationsDir,
    lockfile: { path: 'migration_lock.toml', content: lockfile },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      names.map(async (name) => ({
        path: name,
        migrationFile: {
          path: 'migration.sql',
          content: await readFile(join(migrationsDir, name, 'migration.sql'), 'utf8').then(
            (value) => ({ tag: 'ok' as const, value }),
            (error: Error) => ({ tag: 'error' as const, value: error.message }),
          ),
        },
      })),
    ),
  };
}

export async function migrationsTarget(migrationsDir: string): Promise<DiffTarget> {
  return { tag: 'migrations', ...(await readMigrationList(migrationsDir)) };
}

export async function schemaTarget(schemaPath: string): Promise<DiffTarget> {
  return { tag: 'schemaDatamodel', files: [{ path: schemaPath, content: await readFile(schemaPath, 'utf8') }] };
}

/** SQL that turns `from` into `to` (empty string when they agree). */
export async function diffSql(from: DiffTarget, to: DiffTarget): Promise<string> {
  const scratch = await startThrowawayDatabase();
  try {
    // The "shadow database" is the same throwaway PGlite: nothing real is ever touched.
    return await withSchemaEngine(scratch.url, 'self', async (engine) => {
      const result = await engine.diff({ from, to, script: true, exitCode: true, filters: { externalTables: [], externalEnums: [] } });
      return result.exitCode === 2 ? (result.stdout ?? '') : '';
    });
  } finally {
    await scratch.close();
  }
}
