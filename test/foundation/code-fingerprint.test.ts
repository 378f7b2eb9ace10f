import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeFingerprint, fingerprintOf } from '../../src/lib/code-fingerprint.js';
import { projectRoot } from '../../src/lib/paths.js';

// The push replay is keyed by the code's fingerprint, so that a deploy never serves an answer the
// code before it stored (src/modules/acai/push/digest.ts).

const scratch = mkdtempSync(join(tmpdir(), 'fingerprint-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('code fingerprint', () => {
  it('is the fingerprint of the tree the server runs from, the same for a copy of it', () => {
    const copy = join(scratch, 'same');
    cpSync(join(projectRoot, 'src'), copy, { recursive: true });
    expect(codeFingerprint()).toMatch(/^[0-9a-f]{32}$/);
    expect(fingerprintOf(copy)).toBe(codeFingerprint());
  });

  it('changes with one changed byte, an added file or a renamed one; not with files that are not code', () => {
    const tree = join(scratch, 'tree');
    cpSync(join(projectRoot, 'src', 'lib'), tree, { recursive: true });
    const base = fingerprintOf(tree);
    writeFileSync(join(tree, 'notes.md'), 'not code');
    expect(fingerprintOf(tree)).toBe(base);
    appendFileSync(join(tree, 'paths.ts'), ' ');
    const edited = fingerprintOf(tree);
    expect(edited).not.toBe(base);
    writeFileSync(join(tree, 'extra.ts'), 'export {};\n');
    const added = fingerprintOf(tree);
    expect(added).not.toBe(edited);
    rmSync(join(tree, 'extra.ts'));
    writeFileSync(join(tree, 'extra2.ts'), 'export {};\n');
    expect(fingerprintOf(tree)).not.toBe(added);
  });
});
