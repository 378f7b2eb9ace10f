import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServerProcess } from '../../helpers/server-process.js';
import { parseGitVersion, requirePinnableGit, supportsPinning } from '../../../src/lib/git/version.js';

// http(s) remotes are pinned with `http.curloptResolve`, which git reads since 2.37;
// an older git ignores it silently and resolves the name itself. The server refuses
// to start with such a git while http or https remotes are allowed (SETTINGS.md).

describe('the git binary must be able to pin http(s) connections', { timeout: 90_000 }, () => {
  const fakeBin = mkdtempSync(join(tmpdir(), 'old-git-'));
  afterAll(() => rmSync(fakeBin, { recursive: true, force: true }));

  it('reads git --version output and compares it with 2.37', () => {
    expect(parseGitVersion('git version 2.39.5\n')).toEqual([2, 39, 5]);
    expect(parseGitVersion('git version 2.37.1 (Apple Git-137.1)')).toEqual([2, 37, 1]);
    expect(parseGitVersion('git version 2.40.0.windows.1')).toEqual([2, 40, 0]);
    expect(parseGitVersion('hub version 2.14.2')).toBeNull();
    expect([[2, 37, 0], [2, 39, 5], [3, 0, 0]].map(supportsPinning)).toEqual([true, true, true]);
    expect([[2, 36, 6], [1, 99, 0]].map(supportsPinning)).toEqual([false, false]);
  });

  it('refuses an older, missing or unreadable git when http(s) remotes are allowed; ssh alone does not need it', async () => {
    const old = async () => 'git version 2.36.6\n';
    await expect(requirePinnableGit(['https', 'ssh'], old)).rejects.toThrow(/git 2\.36\.6 is too old for https remotes: git >= 2\.37 .*GIT_ALLOWED_PROTOCOLS=ssh/);
    await expect(requirePinnableGit(['http'], async () => Promise.reject(new Error('spawn git ENOENT')))).rejects.toThrow(/could not be run \(.*ENOENT/);
    await expect(requirePinnableGit(['https'], async () => 'something else')).rejects.toThrow(/Could not read the git version/);
    await expect(requirePinnableGit(['ssh', 'file'], old)).resolves.toBeUndefined();
    // The git these tests run with is recent enough.
    await expect(requirePinnableGit(['https', 'http'])).resolves.toBeUndefined();
  });

  it('the server process does not start with git 2.36 on PATH', async () => {
    writeFileSync(join(fakeBin, 'git'), '#!/bin/sh\necho "git version 2.36.6"\n');
    chmodSync(join(fakeBin, 'git'), 0o755);
    const started = startServerProcess({
      PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
      DATA_DIR: mkdtempSync(join(tmpdir(), 'old-git-data-')),
      GIT_ALLOWED_PROTOCOLS: 'https,ssh',
      GIT_CREDENTIALS_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    await expect(started).rejects.toThrow(/server exited early \(1\)[\s\S]*git 2\.36\.6 is too old for https remotes/);
  });
});
