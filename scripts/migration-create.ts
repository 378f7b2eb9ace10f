// npm run db:migration:create -- <name>
// Writes prisma/migrations/<timestamp>_<name>/migration.sql with the SQL that brings
// the existing migrations to schema.prisma. Needs no network and no database.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { migrationsDir, projectRoot } from '../src/lib/paths.js';
import { diffSql, migrationsTarget, schemaTarget } from './lib/schema-engine.js';

const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('usage: npm run db:migration:create -- <name>   (lowercase letters, digits, underscores)\n');
  process.exit(2);
}
const sql = await diffSql(await migrationsTarget(migrationsDir), await schemaTarget(join(projectRoot, 'prisma/schema.prisma')));
if (sql.trim() === '') {
  process.stdout.write('no changes: the migrations already match schema.prisma\n');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const dir = join(migrationsDir, `${stamp}_${name}`);
await mkdir(dir, { recursive: true });
await writeFile(join(dir, 'migration.sql'), sql);
process.stdout.write(`wrote ${dir}/migration.sql\n`);
process.exit(0);
