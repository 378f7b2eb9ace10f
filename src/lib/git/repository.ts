import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GitCommandError, runGit, runGitText, type GitRunOptions } from './run.js';
import type { PreparedGitAuth } from './auth.js';

// A local bare clone used as a cache of one remote. Commits are built with
// plumbing (a temporary index, write-tree, commit-tree), so there is no working
// tree that could be left dirty by a failed push: a failed operation leaves at
// worst unreferenced objects, and deleting the directory loses nothing.
//
// The clone knows no remote. Network commands (fetch, push) are given the URL on
// their command line, from the credentials prepared for exactly that checked URL
// (auth.ts PreparedGitAuth.url); remote-tracking refs are still written under
// refs/remotes/origin/ by the fetch's refspec. The clone's config is owned by this
// code: on every open it is put back to CLONE_CONFIG if it differs, so no remote,
// `url.*.insteadOf`, proxy or other redirection can live there, whoever wrote it
// (an older version of this server, another process sharing DATA_DIR).

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

/**
 * Written after each successful fetch with the URL fetched from (git ignores unknown files in a git
 * dir): its time says how fresh the remote-tracking refs are, its content whose refs they are.
 */
const FETCHED_MARKER = 'spec-sync-fetched';

/** The whole config of a clone: what `git init --bare` writes, and nothing else. */
const CLONE_CONFIG = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = true\n';

/** Bounds of one ls-tree listing: bytes per allowed entry (a long path included), and overall. */
const LISTING_BYTES_PER_ENTRY = 1024;
const MAX_LISTING_BYTES = 64 * 1024 * 1024;
/** Bytes of blobs one `cat-file --batch` is asked for (a batch of one may be larger). */
const BLOB_BATCH_BYTES = 16 * 1024 * 1024;

/** Where `buildCommit` leaves its last commit, so the objects stay reachable until pushed. */
const BUILD_REF = 'refs/spec-sync/build';

/** A path as fast-import reads it: C-style quoted, so no character of it can end the command. */
function quotePath(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** The open in progress per cache directory, so opens of one directory run one after another. */
const openingCaches = new Map<string, Promise<GitRepository>>();

export class GitRepository {
  private constructor(
    readonly dir: string,
    private readonly timeouts: GitTimeouts,
    private readonly allowProtocols: readonly string[],
  ) {}

  /**
   * Opens (creating or repairing) the bare cache at `dir`. Its config is checked on every open
   * (one read, nothing remembered from earlier opens: another process may have written it).
   * Concurrent requests of one team open the same cache: one check or repair runs at a time per
   * directory (two at once would delete and re-initialise it under each other).
   */
  static open(dir: string, timeouts: GitTimeouts, allowProtocols: readonly string[]): Promise<GitRepository> {
    const previous = openingCaches.get(dir) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => GitRepository.openNow(dir, timeouts, allowProtocols));
    openingCaches.set(dir, next);
    const forget = () => {
      if (openingCaches.get(dir) === next) openingCaches.delete(dir);
    };
    next.then(forget, forget);
    return next;
  }

  private static async openNow(dir: string, timeouts: GitTimeouts, allowProtocols: readonly string[]) {
    const repo = new GitRepository(dir, timeouts, allowProtocols);
    const config = await readFile(join(dir, 'config'), 'utf8').catch(() => null);
    const healthy =
      config !== null && (await stat(join(dir, 'HEAD')).then(() => true, () => false)) && (await repo.local(['rev-parse', '--git-dir']).then(() => true, () => false));
    if (!healthy) {
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true });
      await repo.local(['init', '--bare', '--quiet']);
    }
    if (!healthy || config !== CLONE_CONFIG) {
      // Replaced in one rename: a git command starting meanwhile reads the old or the new file, never half of one.
      const temp = join(dir, `config.${process.pid}.${Date.now()}.tmp`);
      await writeFile(temp, CLONE_CONFIG, { mode: 0o600 });
      await rename(temp, join(dir, 'config'));
    }
    return repo;
  }

  private options(extra: Partial<GitRunOptions> = {}, network = false): GitRunOptions {
    return {
      cwd: this.dir,
      timeoutMs: network ? this.timeouts.networkMs : this.timeouts.localMs,
      allowProtocols: this.allowProtocols,
      ...extra,
      // This directory and nothing else: no repository discovery above it, whatever the cwd holds.
      env: { ...extra.env, GIT_DIR: this.dir },
    };
  }

  local(args: string[], extra: Partial<GitRunOptions> = {}): Promise<string> {
    return runGitText(args, this.options(extra));
  }

  /** Fetches every branch of `remote.url` (the URL its credentials and pin were prepared for) into refs/remotes/origin/. */
  async fetch(remote: PreparedGitAuth): Promise<void> {
    await runGit(
      ['fetch', '--prune', '--no-tags', '--quiet', '--end-of-options', remote.url, '+refs/heads/*:refs/remotes/origin/*'],
      this.options({ env: remote.env, secrets: remote.secrets }, true),
    );
    await writeFile(join(this.dir, FETCHED_MARKER), remote.url);
  }

  /**
   * Whether the remote-tracking refs are those of `url` (the last successful fetch, in any server
   * process sharing the directory, was from it): after the config moved to another repository,
   * the clone still holds the old one's branches until the next fetch.
   */
  async fetchedFrom(url: string): Promise<boolean> {
    return (await this.lastFetch())?.url === url;
  }

  /**
   * Whether a fetch from `url` succeeded less than `seconds` ago (in any server process sharing
   * the directory). Not FETCH_HEAD: git creates that before it contacts the remote.
   */
  async fetchedWithin(seconds: number, url: string): Promise<boolean> {
    const last = await this.lastFetch();
    return last !== null && last.url === url && Date.now() - last.at < seconds * 1000;
  }

  private async lastFetch(): Promise<{ url: string; at: number } | null> {
    const marker = join(this.dir, FETCHED_MARKER);
    const at = await stat(marker).then((s) => s.mtimeMs, () => null);
    const url = await readFile(marker, 'utf8').catch(() => null);
    return at === null || url === null ? null : { url, at };
  }

  async resolve(ref: string): Promise<string | null> {
    const out = await this.local(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
    return out.trim() || null;
  }

  async remoteBranch(branch: string): Promise<string | null> {
    return this.resolve(`refs/remotes/origin/${branch}`);
  }

  /**
   * Entries (blobs, symlinks, submodules) under `prefix` at `commit`, recursively, at most
   * `maxEntries` of them: a remote decides how many files a tree holds, and a listing cut short would
   * read as deleted files, so a larger tree fails (GitCommandError) instead of being read in part.
   * Sizes cost a lookup of every object (a tenth of a second for a thousand files): ask only when needed.
   */
  async listTree(commit: string, prefix: string, options: { sizes?: boolean; maxEntries: number }): Promise<TreeEntry[]> {
    const sizes = options.sizes ?? true;
    const args = ['ls-tree', '-r', ...(sizes ? ['-l'] : []), '-z', '--full-tree', commit];
    if (prefix) args.push('--', prefix);
    const tooMany = () =>
      new GitCommandError(
        `The tree has more than ${options.maxEntries} files under "${prefix || '/'}" (or very long paths); nothing was read (limit: GIT_MAX_TREE_ENTRIES)`,
        null,
        '',
        false,
      );
    // About 90 bytes of mode, type, id and size per record, the rest is the path.
    const maxStdoutBytes = Math.min(MAX_LISTING_BYTES, options.maxEntries * LISTING_BYTES_PER_ENTRY);
    const out = await this.local(args, { maxStdoutBytes }).catch((error: unknown) => {
      throw error instanceof GitCommandError && /printed more than/.test(error.message) ? tooMany() : error;
    });
    const records = out.split('\0').filter(Boolean);
    if (records.length > options.maxEntries) throw tooMany();
    return records.map((record) => {
      const tab = record.indexOf('\t');
      const [mode, type, sha, size] = record.slice(0, tab).split(/\s+/) as [string, string, string, string | undefined];
      return { mode, type, sha, size: size === undefined || size === '-' ? null : Number(size), path: record.slice(tab + 1) };
    });
  }

  /**
   * Reads blobs with `cat-file --batch`, in batches of at most about `maxBatchBytes` by their listed
   * size (listTree with sizes), so no single process prints more than that whatever the number of
   * files; `visit` gets each blob as its batch arrives (the caller keeps only what it needs).
   * A missing object is not visited.
   */
  async readBlobs(
    objects: readonly { sha: string; size: number | null }[],
    visit: (sha: string, bytes: Buffer) => void,
    maxBatchBytes = BLOB_BATCH_BYTES,
  ): Promise<void> {
    let batch: string[] = [];
    let batchBytes = 0;
    for (const object of objects) {
      const size = object.size ?? maxBatchBytes;
      if (batch.length > 0 && batchBytes + size > maxBatchBytes) {
        await this.readBlobBatch(batch, batchBytes, visit);
        batch = [];
        batchBytes = 0;
      }
      batch.push(object.sha);
      batchBytes += size;
    }
    if (batch.length > 0) await this.readBlobBatch(batch, batchBytes, visit);
  }

  private async readBlobBatch(shas: string[], expectedBytes: number, visit: (sha: string, bytes: Buffer) => void): Promise<void> {
    // The listed sizes plus each object's header line (`<id> blob <size>` and two newlines, under
    // 96 bytes): an object larger than listed fails loudly instead of growing the batch.
    const maxStdoutBytes = expectedBytes + shas.length * 96;
    const { stdout } = await runGit(['cat-file', '--batch'], this.options({ input: shas.join('\n') + '\n', maxStdoutBytes }));
    let offset = 0;
    for (const sha of shas) {
      const newline = stdout.indexOf(0x0a, offset);
      if (newline === -1) throw new GitCommandError('git cat-file ended early', null, '', false);
      const header = stdout.subarray(offset, newline).toString('utf8').split(' ');
      if (header[1] === 'missing') {
        offset = newline + 1;
        continue;
      }
      const size = Number(header[2]);
      visit(sha, stdout.subarray(newline + 1, newline + 1 + size));
      offset = newline + 1 + size + 1;
    }
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

  /** Fast-forward push of `commit` to `branch` of `remote.url`; a moved remote is reported, never overwritten. */
  async push(commit: string, branch: string, remote: PreparedGitAuth): Promise<PushOutcome> {
    try {
      await runGit(
        ['push', '--porcelain', '--quiet', '--end-of-options', remote.url, `${commit}:refs/heads/${branch}`],
        this.options({ env: remote.env, secrets: remote.secrets }, true),
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

  /**
   * Commits from `ref` touching `paths`, newest first. A commit message can hold any byte but NUL, so
   * the output is NUL-separated only: each commit opens with an empty field, then id, date, author
   * name and e-mail, subject (fixed order, subject last), then its paths (never empty).
   */
  async log(ref: string, paths: string[], limit: number): Promise<CommitInfo[]> {
    const out = await this.local([
      'log',
      `--max-count=${limit}`,
      '--no-renames',
      '-z',
      '--name-only',
      '--format=%x00%H%x00%cI%x00%an%x00%ae%x00%s',
      ref,
      '--',
      ...paths,
    ]);
    return parseLog(out);
  }
}

const COMMIT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2})$/;

/** Reads `git log -z --name-only --format=%x00%H%x00%cI%x00%an%x00%ae%x00%s`; anything else is an error, never a guessed entry. */
export function parseLog(out: string): CommitInfo[] {
  const fields = out.split('\0');
  const commits: CommitInfo[] = [];
  let i = 0;
  const malformed = () => new GitCommandError('git log printed output this server cannot read', null, '', false);
  while (i < fields.length) {
    if (fields[i] !== '') throw malformed();
    if (i === fields.length - 1) break; // the final terminator
    const [sha = '', committedAt = '', authorName = '', authorEmail = '', subject] = fields.slice(i + 1, i + 6);
    if (subject === undefined || !COMMIT_ID.test(sha) || !ISO_DATE.test(committedAt)) throw malformed();
    i += 6;
    const commitPaths: string[] = [];
    // The name list follows the header after one newline; an empty field opens the next commit.
    for (; i < fields.length && fields[i] !== ''; i++) commitPaths.push(commitPaths.length === 0 ? fields[i]!.replace(/^\n/, '') : fields[i]!);
    commits.push({ sha, subject, authorName, authorEmail, committedAt, paths: commitPaths.filter(Boolean) });
  }
  return commits;
}
