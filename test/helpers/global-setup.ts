import { ensurePgliteTemplate } from './pglite-template.js';

export default async function globalSetup(): Promise<void> {
  const mode = process.env.DATABASE_URL ? `PostgreSQL (${redact(process.env.DATABASE_URL)})` : 'embedded PGlite';
  process.stdout.write(`\n[test] database mode: ${mode}\n`);
  if (!process.env.DATABASE_URL) await ensurePgliteTemplate();
}

function redact(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
