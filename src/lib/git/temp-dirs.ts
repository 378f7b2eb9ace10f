import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Private temp directories of git work (an empty HOME, ssh keys and known_hosts) are named
// after the process that owns them, `<kind>-<pid>-XXXXXX`, inside one parent directory of this
// user. A process that dies without cleaning up (SIGKILL, OOM killer, power loss) would leave
// them behind, a deploy key among them; so the first use in every process removes the
// directories of processes that no longer exist. Directories of live processes and names that
// do not follow the pattern are never touched.

const DIR_NAME = /^(git-[a-z]+)-([1-9]\d{0,9})-[A-Za-z0-9]{6}$/;
const KIND = /^git-[a-z]+$/;

let swept = false;

/** `<tmpdir>/spec-sync-git-<uid>`, created 0700 and refused when it is not this user's private directory. */
export function gitTempRoot(): string {
  const uid = process.getuid?.();
  const root = join(tmpdir(), uid === undefined ? 'spec-sync-git' : `spec-sync-git-${uid}`);
  try {
    mkdirSync(root, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // The temp dir is shared with every local user: a directory (or link) someone else put at
  // this name first must not receive our keys.
  const stat = lstatSync(root);
  if (!stat.isDirectory() || (uid !== undefined && stat.uid !== uid)) {
    throw new Error(`${root} is not a directory of this user; refusing to keep git credentials there`);
  }
  if ((stat.mode & 0o077) !== 0) chmodSync(root, 0o700);
  return root;
}

/** A new private directory (0700) `<kind>-<pid>-XXXXXX`; the first call of a process sweeps dead processes' ones. */
export function createGitTempDir(kind: string): string {
  if (!KIND.test(kind)) throw new Error(`invalid temp directory kind ${kind}`);
  const root = gitTempRoot();
  if (!swept) {
    swept = true;
    sweepDeadProcessDirs(root);
  }
  return mkdtempSync(join(root, `${kind}-${process.pid}-`));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Removes `<kind>-<pid>-XXXXXX` directories whose pid is not a live process; returns their names. */
function sweepDeadProcessDirs(root: string = gitTempRoot()): string[] {
  const removed: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const match = DIR_NAME.exec(entry.name);
    if (!match || !entry.isDirectory()) continue;
    const pid = Number(match[2]);
    if (pid === process.pid || isAlive(pid)) continue;
    const path = join(root, entry.name);
    try {
      chmodSync(path, 0o700); // git's HOME is read-only (0500)
      rmSync(path, { recursive: true, force: true });
      removed.push(entry.name);
    } catch {
      // Another process sweeping at the same time, or not removable: the next start tries again.
    }
  }
  return removed;
}
