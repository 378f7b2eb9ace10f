import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withGitAuth, type GitAuth, type GitAuthOptions } from './auth.js';
import { GitCommandError, runGit, runGitText } from './run.js';

// "Can we reach this remote, and may we write to it?" without touching any
// team's cache: `ls-remote` proves read access; `push --dry-run` of a throwaway
// root commit to a probe branch proves write access (the server checks the push
// permission during ref advertisement; nothing is uploaded or created).

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
  /** Pinned host keys (null: accept and report the first one) and where ssh connects. */
  ssh: GitAuthOptions['ssh'];
  /** curl's resolve entry for the checked address (src/lib/net/remote-target.ts). */
  httpPin?: GitAuthOptions['httpPin'];
}

export async function probeRemote(url: string, auth: GitAuth, options: ProbeOptions): Promise<ProbeResult> {
  return withGitAuth(auth, { ssh: options.ssh, httpPin: options.httpPin }, async (prepared) => {
    const run = { timeoutMs: options.timeoutMs, allowProtocols: options.allowProtocols, env: prepared.env, secrets: prepared.secrets };
    const started = performance.now();
    let listing: string;
    try {
      listing = await runGitText(['ls-remote', '--symref', url], { ...run, cwd: tmpdir() });
    } catch (error) {
      return { reachable: false, permissions: [], defaultBranch: null, latencyMs: elapsed(started), reason: reasonOf(error), knownHosts: '' };
    }
    const latencyMs = elapsed(started);
    const head = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(listing);
    const permissions: ProbeResult['permissions'] = ['read'];
    if (await canPush(url, run)) permissions.push('write');
    return { reachable: true, permissions, defaultBranch: head?.[1] ?? null, latencyMs, knownHosts: await prepared.readKnownHosts() };
  });
}

async function canPush(url: string, run: { timeoutMs: number; allowProtocols: readonly string[]; env: Record<string, string>; secrets: string[] }) {
  const dir = await mkdtemp(join(tmpdir(), 'git-probe-'));
  try {
    const local = { ...run, cwd: dir };
    await runGit(['init', '--bare', '--quiet'], local);
    const tree = (await runGitText(['hash-object', '-t', 'tree', '-w', '--stdin'], { ...local, input: '' })).trim();
    const identity = { GIT_AUTHOR_NAME: 'probe', GIT_AUTHOR_EMAIL: 'probe@localhost', GIT_COMMITTER_NAME: 'probe', GIT_COMMITTER_EMAIL: 'probe@localhost' };
    const commit = (await runGitText(['commit-tree', tree, '-m', 'write probe'], { ...local, env: { ...run.env, ...identity } })).trim();
    const probeRef = `refs/heads/planasonix-write-probe-${Date.now().toString(36)}`;
    await runGit(['push', '--dry-run', '--porcelain', url, `${commit}:${probeRef}`], local);
    return true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
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
