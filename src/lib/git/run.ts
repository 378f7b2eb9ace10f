import { spawn } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { sanitizeGitOutput } from './sanitize.js';
import { createGitTempDir } from './temp-dirs.js';

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
  /** Standard output beyond this fails the command (it is parsed: a silently cut answer would be wrong data). */
  maxStdoutBytes?: number;
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

/**
 * An empty HOME so no user-level config (~/.gitconfig, ~/.netrc, credential helpers) leaks in.
 * One per process, read-only (nothing git runs can plant a file there), removed when the process
 * exits; after a hard exit, by the next process's sweep (temp-dirs.ts).
 */
function homeDir(): string {
  if (isolatedHome) return isolatedHome;
  const dir = createGitTempDir('git-home');
  chmodSync(dir, 0o500);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  isolatedHome = dir;
  return dir;
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
    // Fails closed: only prepared credentials (auth.ts, ssh.ts) give git a real ssh command, so a
    // network command without them can never reach ssh's defaults (the service account's ~/.ssh).
    GIT_SSH_COMMAND: 'false',
  };
}

const MAX_STDOUT = 64 * 1024 * 1024;
/** Only the end of stderr is kept: a remote can print without limit, and git's own error comes last. */
const MAX_STDERR = 64 * 1024;

const running = new Map<string, number>();
const started = new Map<string, number>();
const sum = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
/** git commands (e.g. `fetch`; all when omitted) this process has started and not yet seen exit (for tests and metrics). */
export const runningGitCommands = (command?: string) => (command ? (running.get(command) ?? 0) : sum(running));
/** git commands (e.g. `fetch`; all when omitted) this process has started since it began. */
export const startedGitCommands = (command?: string) => (command ? (started.get(command) ?? 0) : sum(started));

export function runGit(args: readonly string[], options: GitRunOptions): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      env: { ...baseGitEnv(options.allowProtocols), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const command = args[0] ?? '';
    running.set(command, (running.get(command) ?? 0) + 1);
    started.set(command, (started.get(command) ?? 0) + 1);
    let counted = true;
    const uncount = () => {
      if (counted) running.set(command, (running.get(command) ?? 1) - 1);
      counted = false;
    };
    const maxStdout = options.maxStdoutBytes ?? MAX_STDOUT;
    const out: Buffer[] = [];
    const err = new TailBuffer(MAX_STDERR);
    let outBytes = 0;
    let timedOut = false;
    let overflowed = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      if (overflowed) return;
      outBytes += chunk.length;
      if (outBytes <= maxStdout) {
        out.push(chunk);
        return;
      }
      overflowed = true;
      out.length = 0;
      killGroup();
    });
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.stdin.on('error', () => undefined); // git may exit before reading all of stdin
    child.stdin.end(options.input ?? '');

    child.on('error', (error) => {
      clearTimeout(timer);
      uncount();
      reject(new GitCommandError(`git could not be started: ${error.message}`, null, '', false));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      uncount();
      const stderr = err.toString();
      if (timedOut) {
        reject(new GitCommandError(`git ${args[0]} timed out after ${options.timeoutMs} ms`, null, '', true));
      } else if (overflowed) {
        reject(new GitCommandError(`git ${args[0]} printed more than ${maxStdout} bytes and was stopped`, null, '', false));
      } else if (code !== 0) {
        const stdoutTail = Buffer.concat(out).subarray(-MAX_STDERR).toString('utf8');
        const detail = sanitizeGitOutput(stderr || stdoutTail, options.secrets ?? []);
        const stdout = sanitizeGitOutput(stdoutTail, options.secrets ?? []);
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

/** Keeps the last `max` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private bytes = 0;
  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0]!.length >= this.max) this.bytes -= this.chunks.shift()!.length;
  }

  toString(): string {
    const all = Buffer.concat(this.chunks);
    // A cut may split a UTF-8 sequence: the decoder turns that into one U+FFFD, harmless here.
    return all.subarray(Math.max(0, all.length - this.max)).toString('utf8');
  }
}
