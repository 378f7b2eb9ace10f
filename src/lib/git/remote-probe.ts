import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { GitTarget } from '../net/remote-target.js';
import { withGitAuth, type GitAuth } from './auth.js';
import { GitCommandError, runGit, runGitText } from './run.js';

// "Can we reach this remote, and may we write to it?" without touching any
// team's cache: `ls-remote` proves read access; `push --dry-run` of a throwaway
// root commit to a probe branch proves write access (the server checks the push
// permission during ref advertisement; nothing is uploaded or created).
// Both run in a fresh private bare repository (GIT_DIR, with discovery stopped at
// its parent): git never picks up a repository or config lying in /tmp or above.

export interface ProbeResult {
  reachable: boolean;
  permissions: ('read' | 'write')[];
  defaultBranch: string | null;
  latencyMs: number;
  reason?: string;
  /** After a successful ls-remote: the known_hosts ssh used (a first host key is in it), '' otherwise. */
  knownHosts: string;
}

export interface ProbeOptions {
  timeoutMs: number;
  allowProtocols: readonly string[];
  /** Pinned host keys (null: accept and report the first one). */
  knownHosts: string | null;
}

/** `ls-remote --symref <url> HEAD` prints two short lines; anything near this is hostile. */
const LISTING_MAX_BYTES = 1024 * 1024;

type ProbeRun = { cwd: string; timeoutMs: number; allowProtocols: readonly string[]; env: Record<string, string>; secrets: string[] };

/** Probes `target` (src/lib/net/remote-target.ts gitTarget): its canonical URL, connected to where its pin says. */
export async function probeRemote(target: GitTarget, auth: GitAuth, options: ProbeOptions): Promise<ProbeResult> {
  return withGitAuth(auth, { target, knownHosts: options.knownHosts }, async (prepared) => {
    // mkdtemp creates it 0700: nobody else can plant a config or hooks in it.
    const dir = await mkdtemp(join(tmpdir(), 'git-probe-'));
    try {
      const env = { ...prepared.env, GIT_DIR: dir, GIT_CEILING_DIRECTORIES: dirname(dir) };
      const run: ProbeRun = { cwd: dir, timeoutMs: options.timeoutMs, allowProtocols: options.allowProtocols, env, secrets: prepared.secrets };
      await runGit(['init', '--bare', '--quiet'], run);
      const started = performance.now();
      let listing: string;
      try {
        // Only HEAD (its symref names the default branch), in at most LISTING_MAX_BYTES: the remote decides
        // how many refs it advertises, and the whole list would be buffered here.
        listing = await runGitText(['ls-remote', '--symref', '--end-of-options', prepared.url, 'HEAD'], { ...run, maxStdoutBytes: LISTING_MAX_BYTES });
      } catch (error) {
        return { reachable: false, permissions: [], defaultBranch: null, latencyMs: elapsed(started), reason: reasonOf(error), knownHosts: '' };
      }
      const latencyMs = elapsed(started);
      const head = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listing);
      const permissions: ProbeResult['permissions'] = ['read'];
      if (await canPush(prepared.url, run)) permissions.push('write');
      return { reachable: true, permissions, defaultBranch: head?.[1] ?? null, latencyMs, knownHosts: await prepared.readKnownHosts() };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

async function canPush(url: string, run: ProbeRun) {
  try {
    const tree = (await runGitText(['hash-object', '-t', 'tree', '-w', '--stdin'], { ...run, input: '' })).trim();
    const identity = { GIT_AUTHOR_NAME: 'probe', GIT_AUTHOR_EMAIL: 'probe@localhost', GIT_COMMITTER_NAME: 'probe', GIT_COMMITTER_EMAIL: 'probe@localhost' };
    const commit = (await runGitText(['commit-tree', tree, '-m', 'write probe'], { ...run, env: { ...run.env, ...identity } })).trim();
    const probeRef = `refs/heads/planasonix-write-probe-${Date.now().toString(36)}`;
    await runGit(['push', '--dry-run', '--porcelain', '--end-of-options', url, `${commit}:${probeRef}`], run);
    return true;
  } catch {
    return false;
  }
}

const elapsed = (started: number) => Math.max(0, Math.round(performance.now() - started));

function reasonOf(error: unknown): string {
  if (!(error instanceof GitCommandError)) return 'the remote could not be reached';
  if (error.timedOut) return 'timed out while contacting the remote';
  const text = error.message;
  if (/authentication failed|could not read (username|password)|\b401\b|\b403\b|permission denied|access denied|invalid credentials/i.test(text)) {
    return `authentication failed: ${text}`;
  }
  if (/could not resolve host|connection refused|couldn't connect|failed to connect|no route to host|network is unreachable/i.test(text)) {
    return `unreachable: ${text}`;
  }
  if (/not found|does not appear to be a git repository|repository .* does not exist/i.test(text)) {
    return `repository not found: ${text}`;
  }
  return text;
}
