// npm run db:check [-- --schema <path> --migrations <dir>]
// Exits 1 (printing the missing SQL) when the migrations do not produce schema.prisma.
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { migrationsDir, projectRoot } from '../src/lib/paths.js';
import { diffSql, migrationsTarget, schemaTarget } from './lib/schema-engine.js';

const { values } = parseArgs({
  options: { schema: { type: 'string' }, migrations: { type: 'string' } },
});
const schemaPath = resolve(values.schema ?? join(projectRoot, 'prisma/schema.prisma'));
const migrationsPath = resolve(values.migrations ?? migrationsDir);
const sql = await diffSql(await migrationsTarget(migrationsPath), await schemaTarget(schemaPath));
if (sql.trim() !== '') {
  process.stderr.write(
    `schema.prisma and the migrations disagree. Create a migration (npm run db:migration:create -- <name>); missing SQL:\n\n${sql}\n`,
  );
  process.exit(1);
}
process.stdout.write('migrations match schema.prisma\n');
process.exit(0);
