import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitCommandError, runGit, runGitText, type GitRunOptions } from './run.js';
import type { PreparedGitAuth } from './auth.js';

// A local bare clone used as a cache of one remote. Commits are built with
// plumbing (a temporary index, write-tree, commit-tree), so there is no working
// tree that could be left dirty by a failed push: a failed operation leaves at
// worst unreferenced objects, and deleting the directory loses nothing.

export interface GitTimeouts {
  networkMs: number;
  localMs: number;
}

export interface TreeEntry {
  mode: string;
  type: string;
  sha: string;
  size: number | null;
  path: string;
}

export interface CommitInfo {
  sha: string;
  subject: string;
  authorName: string;
  authorEmail: string;
  committedAt: string;
  paths: string[];
}

export type PushOutcome = { ok: true } | { ok: false; rejected: true; message: string };

/** A file in the cache touched after each successful fetch (git ignores unknown files in a git dir). */
const FETCHED_MARKER = 'spec-sync-fetched';

/** Where `buildCommit` leaves its last commit, so the objects stay reachable until pushed. */
const BUILD_REF = 'refs/spec-sync/build';

/** A path as fast-import reads it: C-style quoted, so no character of it can end the command. */
function quotePath(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Cache directories already checked (and repaired) in this process, with their remote URL. */
const verifiedCaches = new Map<string, string>();
/** The open in progress per cache directory, so opens of one directory run one after another. */
const openingCaches = new Map<string, Promise<GitRepository>>();

export class GitRepository {
  private constructor(
    readonly dir: string,
    private readonly timeouts: GitTimeouts,
    private readonly allowProtocols: readonly string[],
  ) {}

  /**
   * Opens (creating or repairing) the bare cache at `dir` with `origin` set to `remoteUrl`.
   * Concurrent requests of one team open the same cache: one check or repair runs at a time per
   * directory (two at once would delete and re-initialise it under each other).
   */
  static open(dir: string, remoteUrl: string, timeouts: GitTimeouts, allowProtocols: readonly string[]): Promise<GitRepository> {
    const previous = openingCaches.get(dir) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => GitRepository.openNow(dir, remoteUrl, timeouts, allowProtocols));
    openingCaches.set(dir, next);
    const forget = () => {
      if (openingCaches.get(dir) === next) openingCaches.delete(dir);
    };
    next.then(forget, forget);
    return next;
  }

  private static async openNow(dir: string, remoteUrl: string, timeouts: GitTimeouts, allowProtocols: readonly string[]) {
    const repo = new GitRepository(dir, timeouts, allowProtocols);
    // Checked once per process (each check spawns git); the HEAD file still has to be there.
    if (verifiedCaches.get(dir) === remoteUrl && (await stat(join(dir, 'HEAD')).then(() => true, () => false))) return repo;
    verifiedCaches.delete(dir);
    const healthy = await stat(join(dir, 'HEAD')).then(
      () => repo.local(['rev-parse', '--git-dir']).then(() => true, () => false),
      () => false,
    );
    if (!healthy) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await repo.local(['init', '--bare', '--quiet']);
    }
    const current = await repo.local(['config', '--get', 'remote.origin.url']).then((s) => s.trim(), () => null);
    if (current === null) await repo.local(['remote', 'add', 'origin', remoteUrl]);
    else if (current !== remoteUrl) await repo.local(['remote', 'set-url', 'origin', remoteUrl]);
    verifiedCaches.set(dir, remoteUrl);
    return repo;
  }

  private options(extra: Partial<GitRunOptions> = {}, network = false): GitRunOptions {
    return {
      cwd: this.dir,
      timeoutMs: network ? this.timeouts.networkMs : this.timeouts.localMs,
      allowProtocols: this.allowProtocols,
      ...extra,
    };
  }

  local(args: string[], extra: Partial<GitRunOptions> = {}): Promise<string> {
    return runGitText(args, this.options(extra));
  }

  async fetch(auth: PreparedGitAuth): Promise<void> {
    await runGit(
      ['fetch', '--prune', '--no-tags', '--quiet', 'origin', '+refs/heads/*:refs/remotes/origin/*'],
      this.options({ env: auth.env, secrets: auth.secrets }, true),
    );
    await writeFile(join(this.dir, FETCHED_MARKER), '');
  }

  /**
   * Whether a fetch succeeded less than `seconds` ago (in any server process sharing the
   * directory). Not FETCH_HEAD: git creates that before it contacts the remote.
   */
  async fetchedWithin(seconds: number): Promise<boolean> {
    const fetchedAt = await stat(join(this.dir, FETCHED_MARKER)).then((s) => s.mtimeMs, () => null);
    return fetchedAt !== null && Date.now() - fetchedAt < seconds * 1000;
  }

  async resolve(ref: string): Promise<string | null> {
    const out = await this.local(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
    return out.trim() || null;
  }

  async remoteBranch(branch: string): Promise<string | null> {
    return this.resolve(`refs/remotes/origin/${branch}`);
  }

  /**
   * Entries (blobs, symlinks, submodules) under `prefix` at `commit`, recursively.
   * Sizes cost a lookup of every object (a tenth of a second for a thousand files): ask only when needed.
   */
  async listTree(commit: string, prefix: string, options: { sizes?: boolean } = {}): Promise<TreeEntry[]> {
    const sizes = options.sizes ?? true;
    const args = ['ls-tree', '-r', ...(sizes ? ['-l'] : []), '-z', '--full-tree', commit];
    if (prefix) args.push('--', prefix);
    const out = await this.local(args);
    return out
      .split('\0')
      .filter(Boolean)
      .map((record) => {
        const tab = record.indexOf('\t');
        const [mode, type, sha, size] = record.slice(0, tab).split(/\s+/) as [string, string, string, string | undefined];
        return { mode, type, sha, size: size === undefined || size === '-' ? null : Number(size), path: record.slice(tab + 1) };
      });
  }

  /** Reads many blobs with one `cat-file --batch` process. */
  async readBlobs(shas: string[]): Promise<Map<string, Buffer>> {
    const result = new Map<string, Buffer>();
    if (shas.length === 0) return result;
    const { stdout } = await runGit(['cat-file', '--batch'], this.options({ input: shas.join('\n') + '\n' }));
    let offset = 0;
    for (const sha of shas) {
      const newline = stdout.indexOf(0x0a, offset);
      const header = stdout.subarray(offset, newline).toString('utf8').split(' ');
      if (header[1] === 'missing') {
        offset = newline + 1;
        continue;
      }
      const size = Number(header[2]);
      result.set(sha, stdout.subarray(newline + 1, newline + 1 + size));
      offset = newline + 1 + size + 1;
    }
    return result;
  }

  /**
   * Builds a commit on `parent` (null: a root commit) that writes and removes the
   * given paths, with one `git fast-import` process: blobs, trees and the commit go
   * into one pack, without temporary files or an index. The caller passes only real
   * changes (see the push's diff), so an edit of one file among thousands writes one blob.
   */
  async buildCommit(input: {
    parent: string | null;
    writes: Map<string, string>;
    removes: string[];
    message: string;
    author: { name: string; email: string };
  }): Promise<string> {
    const identity = `${input.author.name} <${input.author.email}> ${Math.floor(Date.now() / 1000)} +0000`;
    const chunks: Buffer[] = [];
    const line = (text: string) => chunks.push(Buffer.from(`${text}\n`, 'utf8'));
    const data = (content: string) => {
      const bytes = Buffer.from(content, 'utf8');
      line(`data ${bytes.length}`);
      chunks.push(bytes, Buffer.from('\n'));
    };
    line(`commit ${BUILD_REF}`);
    line('mark :1');
    line(`author ${identity}`);
    line(`committer ${identity}`);
    data(input.message);
    // Without `from`, a commit on a fresh ref is a root commit; with it, the tree starts as the parent's.
    if (input.parent) line(`from ${input.parent}`);
    for (const path of input.removes) line(`D ${quotePath(path)}`);
    for (const [path, content] of input.writes) {
      line(`M 100644 inline ${quotePath(path)}`);
      data(content);
    }
    line('');
    line('get-mark :1');
    line('done');
    // --force: the scratch ref is rewound to each new build, which need not descend from the last.
    const out = await this.local(['fast-import', '--quiet', '--force', '--done', '--date-format=raw'], { input: Buffer.concat(chunks) });
    const sha = out.trim().split('\n').pop() ?? '';
    if (!/^[0-9a-f]{40}$/.test(sha)) throw new GitCommandError('git fast-import did not report the commit it built', null, '', false);
    return sha;
  }

  /** Fast-forward push of `commit` to `branch`; a moved remote is reported, never overwritten. */
  async push(commit: string, branch: string, auth: PreparedGitAuth): Promise<PushOutcome> {
    try {
      await runGit(
        ['push', '--porcelain', '--quiet', 'origin', `${commit}:refs/heads/${branch}`],
        this.options({ env: auth.env, secrets: auth.secrets }, true),
      );
    } catch (error) {
      if (error instanceof GitCommandError && /rejected|non-fast-forward|fetch first|stale info|cannot lock ref/i.test(`${error.message} ${error.stdout}`)) {
        return { ok: false, rejected: true, message: error.message };
      }
      throw error;
    }
    await this.local(['update-ref', `refs/remotes/origin/${branch}`, commit]);
    return { ok: true };
  }

  /** Commits reachable from `to` but not `from` that touch `paths`. */
  async countCommits(from: string | null, to: string, paths: string[]): Promise<number> {
    const range = from ? [`${from}..${to}`] : [to];
    const out = await this.local(['rev-list', '--count', ...range, '--', ...paths]);
    return Number(out.trim()) || 0;
  }

  async isAncestorKnown(sha: string): Promise<boolean> {
    return (await this.resolve(sha)) !== null;
  }

  async log(ref: string, paths: string[], limit: number): Promise<CommitInfo[]> {
    const out = await this.local([
      'log',
      `--max-count=${limit}`,
      '--no-renames',
      '-z',
      '--name-only',
      '--format=%x1e%H%x1f%s%x1f%an%x1f%ae%x1f%cI',
      ref,
      '--',
      ...paths,
    ]);
    return out
      .split('\x1e')
      .filter((chunk) => chunk.trim())
      .map((chunk) => {
        const [header, rest = ''] = splitOnce(chunk, '\n');
        const [sha, subject, authorName, authorEmail, committedAt] = header.split('\x1f') as [string, string, string, string, string];
        return { sha, subject, authorName, authorEmail, committedAt, paths: rest.split('\0').map((p) => p.trim()).filter(Boolean) };
      });
  }
}

function splitOnce(text: string, separator: string): [string, string] {
  const i = text.indexOf(separator);
  return i === -1 ? [text, ''] : [text.slice(0, i), text.slice(i + 1)];
}
