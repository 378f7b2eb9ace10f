import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Real git remotes on this machine for tests: bare repositories reached over
// file://, and the same repositories served by `git http-backend` (smart HTTP)
// behind a tiny Node server that demands `Authorization: Basic` with a known token.

/** git with no user/system config and a fixed identity, for test-side commands. */
export function git(cwd: string, args: string[], input?: string): string {
  return execFileSync('git', args, {
    cwd,
    input,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Alex Morgan',
      GIT_AUTHOR_EMAIL: 'alex@example.com',
      GIT_COMMITTER_NAME: 'Alex Morgan',
      GIT_COMMITTER_EMAIL: 'alex@example.com',
    },
  });
}

export class GitRemotes {
  readonly root = mkdtempSync(join(tmpdir(), 'git-remotes-'));

  /** A bare repository `<name>.git`, optionally with a first commit on `branch` holding `files`. */
  createBare(name: string, options: { branch?: string; files?: Record<string, string> } = {}): string {
    const path = join(this.root, `${name}.git`);
    git(this.root, ['init', '--bare', '--quiet', `--initial-branch=${options.branch ?? 'main'}`, path]);
    git(path, ['config', 'http.receivepack', 'true']);
    if (options.files) this.commit(name, options.branch ?? 'main', options.files, 'Initial commit');
    return path;
  }

  /** Deletes the repository, as a remote whose repository was removed. */
  remove(name: string): void {
    rmSync(join(this.root, `${name}.git`), { recursive: true, force: true });
  }

  fileUrl(name: string): string {
    return `file://${join(this.root, `${name}.git`)}`;
  }

  /** Commits file changes (content, a symlink, or null to delete) on `branch` with plain git and pushes them. */
  commit(name: string, branch: string, files: Record<string, string | { symlink: string } | null>, message: string): string {
    const work = mkdtempSync(join(tmpdir(), 'git-work-'));
    try {
      git(work, ['init', '--quiet', `--initial-branch=${branch}`]);
      git(work, ['remote', 'add', 'origin', this.fileUrl(name)]);
      const exists = git(work, ['ls-remote', 'origin', `refs/heads/${branch}`]).trim() !== '';
      if (exists) {
        git(work, ['fetch', '--quiet', 'origin', branch]);
        git(work, ['checkout', '--quiet', '-B', branch, 'FETCH_HEAD']);
      }
      for (const [path, content] of Object.entries(files)) {
        if (content === null) {
          git(work, ['rm', '--quiet', '-f', path]);
          continue;
        }
        mkdirSync(dirname(join(work, path)), { recursive: true });
        if (typeof content === 'string') writeFileSync(join(work, path), content);
        else symlinkSync(content.symlink, join(work, path));
        git(work, ['add', path]);
      }
      git(work, ['commit', '--quiet', '--allow-empty', '-m', message]);
      git(work, ['push', '--quiet', 'origin', `HEAD:refs/heads/${branch}`]);
      return git(work, ['rev-parse', 'HEAD']).trim();
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }

  /** Reads a file at the tip of `branch` (null when absent). */
  show(name: string, branch: string, path: string): string | null {
    try {
      return git(join(this.root, `${name}.git`), ['show', `refs/heads/${branch}:${path}`]);
    } catch {
      return null;
    }
  }

  head(name: string, branch: string): string | null {
    try {
      return git(join(this.root, `${name}.git`), ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).trim();
    } catch {
      return null;
    }
  }

  close(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

export interface HttpGitServer {
  /** `http://127.0.0.1:<port>/<name>.git` */
  url(name: string): string;
  /** Authorization headers received, for assertions. */
  readonly authorizations: string[];
  /** Each request's Host header with its Authorization header ('' when none), in order. */
  readonly requests: { host: string; authorization: string }[];
  close(): Promise<void>;
}

/**
 * Smart HTTP in front of `git http-backend`. Tokens map to `rw` or `ro`; a request
 * with another token (or none) gets 401 with a Basic challenge; `ro` tokens get 403
 * on the receive-pack (push) service.
 */
export async function startHttpGitServer(
  projectRoot: string,
  tokens: Record<string, 'rw' | 'ro'>,
  /** Called before each push reaches git (e.g. to move the branch under a client's feet). */
  hooks: { beforeReceivePack?: () => void } = {},
): Promise<HttpGitServer> {
  const authorizations: string[] = [];
  const requests: { host: string; authorization: string }[] = [];
  const server: Server = createServer((req, res) => {
    const header = req.headers.authorization ?? '';
    authorizations.push(header);
    requests.push({ host: req.headers.host ?? '', authorization: header });
    const match = /^Basic (.+)$/.exec(header);
    const password = match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    const access = tokens[password];
    if (!access) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' }).end('unauthorised');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const isPush = url.searchParams.get('service') === 'git-receive-pack' || url.pathname.endsWith('/git-receive-pack');
    if (isPush && access !== 'rw') {
      res.writeHead(403).end('read-only token');
      return;
    }
    if (req.method === 'POST' && url.pathname.endsWith('/git-receive-pack')) hooks.beforeReceivePack?.();
    pipeToBackend(req, res, projectRoot, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.git`,
    authorizations,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function pipeToBackend(req: IncomingMessage, res: ServerResponse, projectRoot: string, url: URL) {
  const backend = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      REMOTE_USER: 'tester',
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
  });
  req.pipe(backend.stdin);
  let buffer = Buffer.alloc(0);
  let headersDone = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    buffer = Buffer.concat([buffer, chunk]);
    const end = buffer.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    for (const line of buffer.subarray(0, end).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(buffer.subarray(end + 4));
  });
  backend.stdout.on('end', () => res.end());
  backend.on('error', () => res.destroy());
}
