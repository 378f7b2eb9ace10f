import { cp, mkdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';

// initdb of a PGlite data directory takes seconds; do it once per machine and
// give each test file its own copy.
const TEMPLATE_DIR = join(tmpdir(), 'spec-sync-test-pglite-template-v1');

export async function ensurePgliteTemplate(): Promise<string> {
  const ready = await stat(join(TEMPLATE_DIR, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (ready) return TEMPLATE_DIR;
  const building = `${TEMPLATE_DIR}.${process.pid}.tmp`;
  await rm(building, { recursive: true, force: true });
  await mkdir(building, { recursive: true });
  const db = await PGlite.create(building);
  await db.query('SELECT 1');
  await db.close();
  await rename(building, TEMPLATE_DIR).catch(async () => rm(building, { recursive: true, force: true }));
  return TEMPLATE_DIR;
}

export async function copyPgliteTemplate(target: string): Promise<void> {
  await cp(await ensurePgliteTemplate(), target, { recursive: true });
}
