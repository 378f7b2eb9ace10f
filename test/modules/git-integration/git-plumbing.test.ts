import { generateKeyPairSync, createVerify } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareGitAuth, withGitAuth } from '../../../src/lib/git/auth.js';
import { GitRepository } from '../../../src/lib/git/repository.js';
import { probeRemote } from '../../../src/lib/git/remote-probe.js';
import { GitCommandError, runGit } from '../../../src/lib/git/run.js';
import { sanitizeGitOutput } from '../../../src/lib/git/sanitize.js';
import { gitTempRoot } from '../../../src/lib/git/temp-dirs.js';
import { openPullRequest } from '../../../src/lib/git/providers/pull-requests.js';
import { createAppJwt, createInstallationToken } from '../../../src/lib/git/providers/github-app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { stubResolver } from '../../helpers/resolver.js';
import { NO_PRIVATE_HOSTS } from '../../../src/lib/net/address-policy.js';
import { parseGitUrl } from '../../../src/lib/net/git-url.js';
import { gitTarget, pinRemote, type GitTarget } from '../../../src/lib/net/remote-target.js';

const TOKEN = 'tok_rw_s3cr3t_value_123456';
const RO_TOKEN = 'tok_ro_s3cr3t_value_654321';
const timeouts = { networkMs: 15_000, localMs: 15_000 };
const protocols = ['http', 'https', 'ssh', 'file'];
/** A remote as a test gives it to git: the URL, no pin (the tests' remotes are IP literals). */
const unpinned = (url: string): GitTarget => ({ url, httpPin: [] });
const authFor = (url: string) => ({ target: unpinned(url), knownHosts: null });

let remotes: GitRemotes;
let http: HttpGitServer;

beforeAll(async () => {
  remotes = new GitRemotes();
  remotes.createBare('repo', { files: { 'pipelines/README.md': 'pipelines live here\n' } });
  http = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw', [RO_TOKEN]: 'ro' });
});

afterAll(async () => {
  await http.close();
  remotes.close();
});

const cacheDir = () => join(mkdtempSync(join(tmpdir(), 'git-cache-')), 'clone');

describe('git plumbing over smart HTTP with a token', () => {
  it('fetches, commits and pushes without the token ever reaching disk or the URL', async () => {
    const dir = cacheDir();
    const repo = await GitRepository.open(dir, timeouts, protocols);
    const head = await withGitAuth({ type: 'token', token: TOKEN }, authFor(http.url('repo')), async (auth) => {
      await repo.fetch(auth);
      const parent = await repo.remoteBranch('main');
      expect(parent).toMatch(/^[0-9a-f]{40}$/);
      const commit = await repo.buildCommit({
        parent,
        writes: new Map([['pipelines/a.json', '{"a": 1}\n']]),
        removes: [],
        message: 'Add a',
        author: { name: 'Bot', email: 'bot@example.com' },
      });
      expect(commit).toMatch(/^[0-9a-f]{40}$/);
      expect(await repo.push(commit!, 'feature/x', auth)).toEqual({ ok: true });
      // (A push with nothing changed never gets here: the push job diffs first; see operations.test.ts.)
      const entry = async (sizes: boolean) => (await repo.listTree(commit, 'pipelines/', { sizes, maxEntries: 100 })).find((e) => e.path === 'pipelines/a.json');
      expect(await entry(false)).toMatchObject({ type: 'blob', size: null });
      expect(await entry(true)).toMatchObject({ type: 'blob', size: 9 });
      return commit;
    });
    expect(remotes.head('repo', 'feature/x')).toBe(head);
    expect(remotes.show('repo', 'feature/x', 'pipelines/a.json')).toBe('{"a": 1}\n');

    // The clone knows no remote at all (git is given the URL on each command line), and never the token.
    const config = readFileSync(join(dir, 'config'), 'utf8');
    expect(config).not.toContain(http.url('repo'));
    expect(config).not.toMatch(/remote|url/i);
    expect(config).not.toContain(TOKEN);
    expect(config).not.toContain(Buffer.from(`x-access-token:${TOKEN}`).toString('base64'));
    expect(config.toLowerCase()).not.toContain('authorization');
    expect(http.authorizations.some((h) => h.startsWith('Basic '))).toBe(true);

    const [log] = await repo.log('refs/remotes/origin/feature/x', ['pipelines/'], 5);
    expect(log).toMatchObject({ sha: head, subject: 'Add a', authorName: 'Bot', authorEmail: 'bot@example.com', paths: ['pipelines/a.json'] });
  });

  it('reports a moved remote as rejected instead of overwriting it', async () => {
    await withGitAuth({ type: 'token', token: TOKEN }, authFor(http.url('repo')), async (auth) => {
      const a = await GitRepository.open(cacheDir(), timeouts, protocols);
      const b = await GitRepository.open(cacheDir(), timeouts, protocols);
      await a.fetch(auth);
      await b.fetch(auth);
      const base = await a.remoteBranch('main');
      const author = { name: 'Bot', email: 'bot@example.com' };
      const fromA = await a.buildCommit({ parent: base, writes: new Map([['pipelines/a1.json', 'a\n']]), removes: [], message: 'a', author });
      const fromB = await b.buildCommit({ parent: base, writes: new Map([['pipelines/b1.json', 'b\n']]), removes: [], message: 'b', author });
      expect(await a.push(fromA!, 'main', auth)).toEqual({ ok: true });
      const stale = await b.push(fromB!, 'main', auth);
      expect(stale.ok).toBe(false);
      expect(remotes.head('repo', 'main')).toBe(fromA);
      // Rebuilt on the new head, it goes through.
      await b.fetch(auth);
      const rebuilt = await b.buildCommit({ parent: await b.remoteBranch('main'), writes: new Map([['pipelines/b1.json', 'b\n']]), removes: [], message: 'b', author });
      expect(await b.push(rebuilt!, 'main', auth)).toEqual({ ok: true });
      expect(remotes.show('repo', 'main', 'pipelines/a1.json')).toBe('a\n');
    });
  });

  it('a wrong token fails with a sanitised message', async () => {
    const repo = await GitRepository.open(cacheDir(), timeouts, protocols);
    const wrong = 'tok_wrong_value_abcdef';
    const error = await withGitAuth({ type: 'token', token: wrong }, authFor(http.url('repo')), (auth) => repo.fetch(auth)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as Error).message).not.toContain(wrong);
    expect((error as Error).message).toMatch(/fetch failed/);
  });

  it('probes read and write permissions, and reports unreachable or unauthorised remotes', async () => {
    const options = { timeoutMs: 10_000, allowProtocols: protocols, knownHosts: null };
    const rw = await probeRemote(unpinned(http.url('repo')), { type: 'token', token: TOKEN }, options);
    expect(rw).toMatchObject({ reachable: true, permissions: ['read', 'write'], defaultBranch: 'main' });
    const ro = await probeRemote(unpinned(http.url('repo')), { type: 'token', token: RO_TOKEN }, options);
    expect(ro).toMatchObject({ reachable: true, permissions: ['read'] });
    const bad = await probeRemote(unpinned(http.url('repo')), { type: 'token', token: 'nope-nope-nope' }, options);
    expect(bad.reachable).toBe(false);
    expect(bad.reason).toMatch(/authentication failed/);
    expect(bad.reason).not.toContain('nope-nope-nope');
    const closed = await probeRemote(unpinned('http://127.0.0.1:9/x.git'), null, options);
    expect(closed).toMatchObject({ reachable: false, permissions: [] });
    expect(closed.reason).toMatch(/unreachable/);
  });

  it('kills a command that exceeds its timeout', async () => {
    const silent: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const started = Date.now();
    const error = await runGit(['ls-remote', `http://127.0.0.1:${port}/x.git`], { timeoutMs: 700, cwd: tmpdir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GitCommandError);
    expect((error as GitCommandError).timedOut).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
    silent.closeAllConnections();
    await new Promise((resolve) => silent.close(resolve));
  });
});

describe('hostile repository URLs and host names at the git level (issue 11, findings 2 and 3)', () => {
  const port = () => Number(new URL(http.url('repo')).port);
  const options = { timeoutMs: 10_000, allowProtocols: protocols, knownHosts: null };

  it('the differential is real: git sends the token to 127.0.0.1 for the backslash URL, which the parser refuses', async () => {
    const hostile = `http://github.com\\@127.0.0.1:${port()}/repo.git`;
    const before = http.authorizations.length;
    // The guard pin keeps a curl that read the host as github.com from asking DNS (it goes to 127.0.0.2, where nothing listens).
    const probe = await probeRemote({ url: hostile, httpPin: [['http.curloptResolve', `github.com:${port()}:127.0.0.2`]] }, { type: 'token', token: TOKEN }, options);
    expect(probe.reachable).toBe(true);
    expect(http.authorizations.slice(before).some((header) => header.startsWith('Basic '))).toBe(true);
    expect(parseGitUrl(hostile)).toMatchObject({ ok: false, issue: expect.stringMatching(/backslash/) });
    expect(new URL(hostile).hostname).toBe('github.com'); // what the old validation looked at
  });

  it('git connects only where the pin says: a name no DNS knows, the canonical URL, the checked address', async () => {
    const parsed = parseGitUrl(`HTTP://Pinned.TEST:${port()}/repo.git`);
    if (!parsed.ok) throw new Error(parsed.issue);
    expect(parsed.value.href).toBe(`http://pinned.test:${port()}/repo.git`);
    const pinned = await pinRemote(parsed.value, { resolver: stubResolver({ 'pinned.test': ['127.0.0.1'] }), allowance: { ...NO_PRIVATE_HOSTS, all: true } });
    if (!pinned.ok) throw new Error(pinned.issue);
    const here = await probeRemote(gitTarget(pinned.value), { type: 'token', token: TOKEN }, options);
    expect(here).toMatchObject({ reachable: true, permissions: ['read', 'write'] });
    // Another checked address for the same name: git goes there, not where some other lookup would say.
    const moved = { ...pinned.value, address: '127.0.0.2' };
    const there = await probeRemote(gitTarget(moved), { type: 'token', token: TOKEN }, options);
    expect(there.reachable).toBe(false);
    expect(there.reason).toMatch(/unreachable/);
  });
});

describe('ssh deploy keys', () => {
  it('lives in a 0600 file only while the command runs; host keys are accepted on first use', async () => {
    const prepared = await prepareGitAuth({ type: 'ssh_key', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----' }, authFor('ssh://git@127.0.0.1/x.git'));
    const command = prepared.env.GIT_SSH_COMMAND!;
    expect(command).toContain('StrictHostKeyChecking=accept-new');
    expect(command).toContain('BatchMode=yes');
    const keyFile = /-o IdentityFile='([^']+)'/.exec(command)![1]!;
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    await prepared.dispose();
    expect(existsSync(keyFile)).toBe(false);
  });
});

describe('sanitising', () => {
  it('removes secrets, URL user info and authorization headers', () => {
    const text = sanitizeGitOutput('fatal: https://user:pw@example.com/x failed\nAuthorization: Basic abcdef\ntoken s3cr3t-token here', ['s3cr3t-token']);
    expect(text).not.toContain('pw@');
    expect(text).not.toContain('abcdef');
    expect(text).not.toContain('s3cr3t-token');
  });
});

describe('provider REST clients', () => {
  let api: Server;
  let base = '';
  const received: { method: string; url: string; headers: Record<string, unknown>; body: unknown }[] = [];
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  beforeAll(async () => {
    api = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        received.push({ method: req.method!, url: req.url!, headers: req.headers, body: raw ? JSON.parse(raw) : null });
        res.setHeader('content-type', 'application/json');
        if (req.url!.includes('/access_tokens')) return res.writeHead(201).end(JSON.stringify({ token: 'ghs_installation', expires_at: '2030-01-01T00:00:00Z' }));
        if (req.url!.startsWith('/repos/')) return res.writeHead(201).end(JSON.stringify({ html_url: 'https://gh/pr/7', number: 7 }));
        if (req.url!.startsWith('/projects/')) return res.writeHead(201).end(JSON.stringify({ web_url: 'https://gl/mr/3', iid: 3 }));
        if (req.url!.startsWith('/2.0/')) return res.writeHead(201).end(JSON.stringify({ id: 5, links: { html: { href: 'https://bb/pr/5' } } }));
        res.writeHead(422).end(JSON.stringify({ message: 'Validation Failed' }));
      });
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => api.close(() => resolve())));

  const input = { apiBaseUrl: '', token: 'api-token-xyz', head: 'feature/a', base: 'main', title: 'T', body: 'B', timeoutMs: 5_000 };

  it('GitHub: POST /repos/{owner}/{repo}/pulls', async () => {
    const pr = await openPullRequest({ ...input, apiBaseUrl: base, provider: 'github', repositoryUrl: 'https://github.com/acme/pipes.git' });
    expect(pr).toEqual({ url: 'https://gh/pr/7', number: 7 });
    const req = received.at(-1)!;
    expect(req).toMatchObject({ method: 'POST', url: '/repos/acme/pipes/pulls', body: { title: 'T', body: 'B', head: 'feature/a', base: 'main' } });
    expect(req.headers.authorization).toBe('Bearer api-token-xyz');
  });

  it('GitLab: POST /projects/:id/merge_requests with the URL-encoded path', async () => {
    const pr = await openPullRequest({ ...input, apiBaseUrl: base, provider: 'gitlab', repositoryUrl: 'git@gitlab.com:group/sub/pipes.git' });
    expect(pr).toEqual({ url: 'https://gl/mr/3', number: 3 });
    expect(received.at(-1)).toMatchObject({ url: '/projects/group%2Fsub%2Fpipes/merge_requests', body: { source_branch: 'feature/a', target_branch: 'main' } });
  });

  it('Bitbucket: POST /2.0/repositories/{ws}/{repo}/pullrequests', async () => {
    const pr = await openPullRequest({ ...input, apiBaseUrl: base, provider: 'bitbucket', username: 'me', repositoryUrl: 'https://bitbucket.org/ws/pipes' });
    expect(pr).toEqual({ url: 'https://bb/pr/5', number: 5 });
    const req = received.at(-1)!;
    expect(req).toMatchObject({ url: '/2.0/repositories/ws/pipes/pullrequests', body: { source: { branch: { name: 'feature/a' } }, destination: { branch: { name: 'main' } } } });
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('me:api-token-xyz').toString('base64')}`);
  });

  it('errors carry the provider message, never the token', async () => {
    const error = await openPullRequest({ ...input, apiBaseUrl: `${base}/nope`, provider: 'github', repositoryUrl: 'https://github.com/a/b' }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(/404|422/);
    expect((error as Error).message).not.toContain('api-token-xyz');
  });

  it('GitHub App: RS256 JWT exchanged for an installation token', async () => {
    const jwt = createAppJwt('4242', pem, 1_700_000_000);
    const [header, payload, signature] = jwt.split('.') as [string, string, string];
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(JSON.parse(Buffer.from(payload, 'base64url').toString())).toEqual({ iat: 1_700_000_000 - 60, exp: 1_700_000_000 + 540, iss: '4242' });
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    expect(verifier.verify(publicKey, Buffer.from(signature, 'base64url'))).toBe(true);

    const token = await createInstallationToken({ apiBaseUrl: base, appId: '4242', privateKey: pem, timeoutMs: 5_000 }, '99', 'pipes');
    expect(token.token).toBe('ghs_installation');
    const req = received.at(-1)!;
    expect(req.url).toBe('/app/installations/99/access_tokens');
    expect(String(req.headers.authorization)).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    // One repository, least permissions: a leaked token reaches nothing else.
    expect(req.body).toEqual({ repositories: ['pipes'], permissions: { contents: 'write', pull_requests: 'write' } });
  });
});

describe('ssh transport', () => {
  it('runs ssh through GIT_SSH_COMMAND in batch mode and removes the key afterwards', async () => {
    const before = new Set(readdirSync(gitTempRoot()).filter((name) => name.startsWith(`git-ssh-${process.pid}-`)));
    const result = await probeRemote(unpinned('ssh://git@127.0.0.1:9/acme/x.git'), { type: 'ssh_key', privateKey: 'not a real key' }, { timeoutMs: 10_000, allowProtocols: protocols, knownHosts: null });
    expect(result).toMatchObject({ reachable: false, permissions: [] });
    expect(result.reason).toMatch(/connect|refused|unreachable/i);
    expect(result.reason).not.toContain('not a real key');
    const after = readdirSync(gitTempRoot()).filter((name) => name.startsWith(`git-ssh-${process.pid}-`) && !before.has(name));
    expect(after).toEqual([]);
  });
});
