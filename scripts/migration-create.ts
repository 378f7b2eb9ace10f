// npm run db:migration:create -- <name> [--schema <path>] [--migrations <dir>]
// Writes prisma/migrations/<YYYYMMDDHHMMSS>_<name>/migration.sql with the SQL that
// brings the existing migrations to schema.prisma. Needs no network and no database.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrationsDir, projectRoot } from '../src/lib/paths.js';
import { diffSql, migrationsTarget, schemaTarget } from './lib/schema-engine.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { schema: { type: 'string' }, migrations: { type: 'string' } },
});
const name = positionals[0];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: npm run db:migration:create -- <name>   (lowercase letters, digits, underscores)\n');
  process.exit(2);
}
const schemaPath = resolve(values.schema ?? join(projectRoot, 'prisma/schema.prisma'));
const migrationsPath = resolve(values.migrations ?? migrationsDir);

const sql = await diffSql(await migrationsTarget(migrationsPath), await schemaTarget(schemaPath));
if (sql.trim() === '') {
  process.stdout.write('no changes: the migrations already match schema.prisma\n');
  process.exit(0);
}
// UTC, like the folder names `prisma migrate dev` writes.
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(migrationsPath, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'migration.sql'), sql);
process.stdout.write(`wrote ${join(dir, 'migration.sql')}\n`);
process.exit(0);
