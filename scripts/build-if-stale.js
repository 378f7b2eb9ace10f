#!/usr/bin/env node
// `npm start` and `npm install` run this instead of a full build: it regenerates the Prisma client
// when the schema or the installed packages changed, and compiles src/ to dist/ (incrementally)
// only when a source is newer than the last build. Plain JavaScript so that the check itself
// costs milliseconds (no TypeScript runtime to load).
//
//   node scripts/build-if-stale.js               build when stale; a failed build fails
//   node scripts/build-if-stale.js --at-install  the same, but a failed build only warns (postinstall:
//                                                a half-edited tree must not make `npm install` fail)
//   node scripts/build-if-stale.js --force       generate and compile whatever the timestamps say (`npm run build`)
import { spawnSync } from 'node:child_process';
import process from 'node:process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const atInstall = process.argv.includes('--at-install');
const force = process.argv.includes('--force');
const stamp = join(root, 'dist/.build-stamp');
const generatedClient = join(root, 'src/generated/prisma/client.ts');

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : mtime(path));
  }
  return newest;
}

function run(command, args, env = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return result.status === 0;
}

function fail(message) {
  if (atInstall) {
    process.stderr.write(`warning: ${message}; \`npm start\` will try again\n`);
    process.exit(0);
  }
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

const bin = (name) => join(root, 'node_modules/.bin', name);
const packagesChanged = mtime(join(root, 'package-lock.json'));

const clientAge = mtime(generatedClient);
if (force || clientAge === 0 || clientAge < Math.max(mtime(join(root, 'prisma/schema.prisma')), packagesChanged)) {
  // generate never runs the schema engine; /bin/false stops the CLI from trying to download it
  if (!run(bin('prisma'), ['generate', '--no-hints'], { PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false' })) {
    fail('prisma generate failed');
  }
}

const inputs = Math.max(
  newestUnder(join(root, 'src')),
  mtime(join(root, 'tsconfig.json')),
  mtime(join(root, 'tsconfig.build.json')),
  packagesChanged,
);
if (!force && inputs < mtime(stamp)) process.exit(0);

if (!existsSync(bin('tsc'))) {
  // production install (--omit=dev): the image copies a built dist/ instead
  if (atInstall) process.exit(0);
  fail('dist/ is out of date and TypeScript is not installed (npm install without --omit=dev)');
}
const startedAt = new Date();
if (!force) process.stderr.write('compiling src/ to dist/ (changed since the last build)\n');
if (!run(bin('tsc'), ['-p', 'tsconfig.build.json', '--incremental', '--tsBuildInfoFile', 'dist/.tsbuildinfo'])) {
  fail('the TypeScript build failed');
}
// Stamped with the time the build began: a file saved while it ran makes the next start build again.
mkdirSync(dirname(stamp), { recursive: true });
writeFileSync(stamp, '');
utimesSync(stamp, startedAt, startedAt);
