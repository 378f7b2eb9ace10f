import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { projectRoot } from '../../../src/lib/paths.js';

// git's private temp directories (an empty HOME, the ssh key and known_hosts of one command)
// are named after their process and swept by the next process when that one died without
// cleaning up (SIGKILL, OOM): a deploy key must not stay on disk (issue 11, finding 12).
// Each case runs real node processes with their own TMPDIR, so the machine's temp dir is not touched.

const uid = process.getuid!();

/** Runs `code` (an ES module body) in a new node process whose temp dir is `tmp`; returns its pid and output. */
function runChild(tmp: string, code: string): { pid: number; status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: projectRoot,
    env: { ...process.env, TMPDIR: tmp },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { pid: child.pid, status: child.status, signal: child.signal, stdout: child.stdout, stderr: child.stderr };
}

const firstGitUse = `const { baseGitEnv } = await import(${JSON.stringify(join(projectRoot, 'src/lib/git/run.ts'))}); console.log(baseGitEnv().HOME);`;

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync('true');
  expect(child.status).toBe(0);
  return child.pid;
}

describe('git temp directories after a hard exit', { timeout: 120_000 }, () => {
  let tmp: string;
  let root: string;

  beforeEach(() => {
    tmp = mkdtempSync(join(tmpdir(), 'git-temp-dirs-'));
    root = join(tmp, `spec-sync-git-${uid}`);
  });
  afterEach(() => {
    if (existsSync(root) && !lstatSync(root).isSymbolicLink()) for (const name of readdirSync(root)) chmodSync(join(root, name), 0o700);
    rmSync(tmp, { recursive: true, force: true });
  });

  it("a SIGKILLed process's ssh key directory is removed by the next process's first git use; live and unknown ones are kept", () => {
    // A process holding a deploy key on disk is killed before it can clean up.
    const sshModule = JSON.stringify(join(projectRoot, 'src/lib/git/ssh.ts'));
    const killed = runChild(tmp, `const { prepareSsh } = await import(${sshModule}); await prepareSsh({ privateKey: 'KEY-OF-A-DEAD-PROCESS', knownHosts: null }); process.kill(process.pid, 'SIGKILL');`);
    expect(killed.signal).toBe('SIGKILL');
    const leftover = readdirSync(root).filter((name) => name.startsWith(`git-ssh-${killed.pid}-`));
    expect(leftover).toHaveLength(1);
    expect(readdirSync(join(root, leftover[0]!))).toContain('id');

    // Others: a read-only HOME of another dead process, a directory of a live process (this one),
    // names that do not follow the pattern.
    const dead = deadPid();
    const deadHome = join(root, `git-home-${dead}-AbC123`);
    mkdirSync(deadHome);
    chmodSync(deadHome, 0o500);
    const live = join(root, `git-ssh-${process.pid}-XyZ789`);
    mkdirSync(live);
    writeFileSync(join(live, 'id'), 'live key');
    const unknown = [join(root, `other-${dead}-AbC123`), join(root, `git-ssh-${dead}`), join(root, `git-ssh-x${dead}-AbC123`)];
    for (const dir of unknown) mkdirSync(dir);

    const next = runChild(tmp, firstGitUse);
    expect(next.status, next.stderr).toBe(0);
    const remaining = readdirSync(root);
    expect(remaining).not.toContain(leftover[0]);
    expect(existsSync(deadHome)).toBe(false);
    expect(existsSync(join(live, 'id'))).toBe(true);
    for (const dir of unknown) expect(existsSync(dir)).toBe(true);
    // The next process's own HOME was named after it and removed at its normal exit.
    expect(next.stdout.trim()).toMatch(new RegExp(`/spec-sync-git-${uid}/git-home-${next.pid}-[A-Za-z0-9]{6}$`));
    expect(existsSync(next.stdout.trim())).toBe(false);
    expect(statSync(root).mode & 0o777).toBe(0o700);
  });

  it('refuses a parent that is a link planted by someone else, rather than put keys behind it', () => {
    const elsewhere = mkdtempSync(join(tmp, 'elsewhere-'));
    symlinkSync(elsewhere, root);
    const child = runChild(tmp, firstGitUse);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toMatch(/is not a directory of this user/);
    expect(readdirSync(elsewhere)).toEqual([]);
  });

  it.skipIf(uid !== 0)('refuses a parent directory that another user created first (needs root to create one)', () => {
    mkdirSync(root);
    chmodSync(root, 0o777);
    chownSync(root, 65534, 65534);
    const child = runChild(tmp, firstGitUse);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toMatch(/is not a directory of this user/);
    expect(readdirSync(root)).toEqual([]);
  });
});
