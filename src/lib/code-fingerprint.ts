import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// The tree this process runs from: src/ under tsx and vitest, dist/ when compiled.
const codeRoot = dirname(dirname(fileURLToPath(import.meta.url)));

function codeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => (entry.isDirectory() ? codeFiles(join(dir, entry.name)) : /\.(js|ts)$/.test(entry.name) ? [join(dir, entry.name)] : []))
    .sort();
}

/** A hash of the paths and contents of the .js and .ts files under `root`. */
export function fingerprintOf(root: string): string {
  const hash = createHash('sha256');
  for (const file of codeFiles(root)) hash.update(`${relative(root, file)}\0`).update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 32);
}

let fingerprint: string | undefined;

/**
 * A hash of every source file of the running server, computed once per process (a few ms). Stored
 * answers keyed by it (the push replay) are never served by another version of the code: a deploy
 * that changes what a request is answered with, or whether it is accepted at all, cannot hand out
 * an answer its predecessor stored, without anyone remembering to bump a version by hand.
 */
export function codeFingerprint(): string {
  fingerprint ??= fingerprintOf(codeRoot);
  return fingerprint;
}
