import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.js';
import { projectRoot } from '../../src/lib/paths.js';

// The README promises a table row for every variable the code reads: a variable added to a module's
// env schema, or read through process.env anywhere, fails here until it is documented.

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
/** Names in the first column of a README table row (`| `NAME` / `OTHER` | ...`). */
const documented = new Set(
  readme
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1]!.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]!)),
);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return /\.(ts|js)$/.test(entry.name) ? [path] : [];
  });
}

/** Variables of the operating system or of child processes, not settings of this project. */
const SYSTEM = new Set(['PATH', 'HOME', 'TMPDIR', 'SSH_AUTH_SOCK']);

describe('README configuration tables', () => {
  it('document every variable of the server config', () => {
    expect(CONFIG_VARIABLES.filter((name) => !documented.has(name))).toEqual([]);
  });

  it('document every variable read through process.env in src/, scripts/, test/ and bench/', () => {
    const read = new Set<string>();
    for (const dir of ['src', 'scripts', 'test', 'bench']) {
      for (const file of sourceFiles(join(projectRoot, dir))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) read.add(match[1]!);
      }
    }
    expect(read.size).toBeGreaterThan(5);
    expect([...read].filter((name) => !SYSTEM.has(name) && !documented.has(name)).sort()).toEqual([]);
  });
});
