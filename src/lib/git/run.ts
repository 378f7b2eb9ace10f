import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sanitizeGitOutput } from './sanitize.js';

// Runs the git binary directly with child_process.spawn rather than through
// simple-git. Why: we need (1) a fully controlled environment built from scratch
// (simple-git merges process.env and refuses GIT_SSH_COMMAND, GIT_CONFIG_* and
// `-c` options unless its "unsafe" switches are turned on), (2) stdin streaming
// for plumbing commands (cat-file --batch, update-index --index-info), and (3) a
// hard timeout that kills the whole process group (git forks git-remote-https and
// ssh; killing only the parent leaves them holding the pipes).

export interface GitRunOptions {
  cwd?: string;
  /** Extra variables (credentials, GIT_INDEX_FILE, author identity) on top of the isolated base env. */
  env?: Record<string, string>;
  timeoutMs: number;
  input?: string | Buffer;
  /** Secrets to scrub from any error text (tokens, headers). */
  secrets?: readonly string[];
  /** Transports git may use (GIT_ALLOW_PROTOCOL); default https, http, ssh, file. */
  allowProtocols?: readonly string[];
}

export interface GitResult {
  stdout: Buffer;
  stderr: string;
}

/** A failed git command; `message` is already sanitised and safe to show to a user. */
export class GitCommandError extends Error {
  override name = 'GitCommandError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut: boolean,
    /** Sanitised standard output (e.g. `push --porcelain` reports rejections there). */
    readonly stdout = '',
  ) {
    super(message);
  }
}

let isolatedHome: string | undefined;

/** An empty HOME so no user-level config (~/.gitconfig, ~/.ssh/config, credential helpers) leaks in. */
function homeDir(): string {
  isolatedHome ??= mkdtempSync(join(tmpdir(), 'git-home-'));
  return isolatedHome;
}

export function baseGitEnv(allowProtocols: readonly string[] = ['https', 'http', 'ssh', 'file']): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: homeDir(),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GCM_INTERACTIVE: 'never',
    GIT_ALLOW_PROTOCOL: allowProtocols.join(':'),
  };
}

const MAX_CAPTURE = 64 * 1024 * 1024;

export function runGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...baseGitEnv(options.allowProtocols), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes <= MAX_CAPTURE) out.push(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // git may exit before reading all of stdin
    child.stdin.end(options.input ?? '');

    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new GitCommandError(`git could not be started: ${error.message}`, null, '', false));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (timedOut) {
        reject(new GitCommandError(`git ${args[0]} timed out after ${options.timeoutMs} ms`, null, '', true));
      } else if (code !== 0) {
        const detail = sanitizeGitOutput(stderr || Buffer.concat(out).toString('utf8'), options.secrets ?? []);
        const stdout = sanitizeGitOutput(Buffer.concat(out).toString('utf8'), options.secrets ?? []);
        reject(new GitCommandError(`git ${args[0]} failed: ${detail || `exit code ${code}`}`, code, detail, false, stdout));
      } else {
        resolve({ stdout: Buffer.concat(out), stderr });
      }
    });
  });
}

export async function runGitText(args: readonly string[], options: GitRunOptions): Promise<string> {
  return (await runGit(args, options)).stdout.toString('utf8');
}
