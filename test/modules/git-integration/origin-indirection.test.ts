import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { git, GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { stubResolver } from '../../helpers/resolver.js';
import { probeRemote } from '../../../src/lib/git/remote-probe.js';
import { runGit } from '../../../src/lib/git/run.js';
import { cloneDir } from '../../../src/modules/git-integration/git-context.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// A network git command must never take its remote URL from the clone's config.
// Credentials and the curl pin are prepared for the URL checked when an operation
// starts; if git then reads `origin` (or a `url.*.insteadOf`) from a config that a
// concurrent request or another server process sharing DATA_DIR rewrote, the token
// goes to a host nobody checked (issue 11, findings 2 and 3, red-team review):
// - a push job running while the config is saved elsewhere and /history opens the clone;
// - a clone config rewritten on disk behind this process's back (stale per-process cache);
// - `/test` (ls-remote) run where git discovers a repository lying in the temp directory.
// "elsewhere" is a second smart-HTTP server that accepts no token and records every
// Authorization header it receives.

const TOKEN = 'tok_Origin_s3cret_0123456789';
const tokenIn = (headers: readonly string[]) =>
  headers.some((header) => header.startsWith('Basic ') && Buffer.from(header.slice(6), 'base64').toString().includes(TOKEN));

describe('network git commands are given the checked URL, never a remote from the clone', { timeout: 120_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let legit: HttpGitServer;
  let elsewhere: HttpGitServer;
  let front: Server;
  let frontPort = 0;
  /** While set, the front proxy holds fetch advertisements until it resolves. */
  let gate: { open: Promise<void>; reached: () => void } | null = null;

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    legit = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    elsewhere = await startHttpGitServer(remotes.root, {});
    const legitPort = Number(new URL(legit.url('x')).port);
    // In front of the legit server, so a test can hold a job's fetch while it changes things.
    front = createServer((req, res) => {
      const forward = () => {
        const upstream = httpRequest({ host: '127.0.0.1', port: legitPort, method: req.method, path: req.url, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        req.pipe(upstream);
      };
      const held = gate;
      if (held && req.url?.includes('service=git-upload-pack')) {
        held.reached();
        void held.open.then(forward);
      } else forward();
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontPort = (front.address() as AddressInfo).port;
    t = await createTestApp({
      jobs: true,
      resolver: stubResolver({ 'legit.test': ['127.0.0.1'] }),
      // legit.test and IP literals on loopback are allowed, as an operator would for an internal server.
      env: gitTestEnv({ GIT_ALLOW_PRIVATE_HOSTS: 'false', GIT_ALLOWED_PRIVATE_HOSTS: 'legit.test,127.0.0.0/8', GIT_HISTORY_FRESH_SECONDS: '3600' }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await legit?.close();
    await elsewhere?.close();
    await new Promise((resolve) => front?.close(resolve));
    remotes?.close();
  });

  const authFor = async (team: string) => `Bearer ${await t.token({ team, user: 'origin', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
  const post = (auth: string, path: string, body?: object) => t.http().post(`/api${path}`).set('authorization', auth).send(body);
  const teamClone = async (team: string) => cloneDir(t.config, (await t.db.prisma.team.findUniqueOrThrow({ where: { name: team } })).id);
  const elsewhereUrl = () => elsewhere.url('acme/pipes');

  /** Saves legit.test with the token and pulls once, so the team has a clone. */
  async function configured(team: string, port: number) {
    const auth = await authFor(team);
    const url = `http://legit.test:${port}/acme/pipes.git`;
    const saved = await post(auth, '/git-integration', { provider: 'generic', repository_url: url, credentials: { type: 'token', token: TOKEN } });
    expect(saved.status, saved.text).toBe(200);
    const pull = await post(auth, '/git-integration/pull', {});
    expect(pull.status, pull.text).toBe(202);
    expect((await waitForOperation(t, auth, pull.body.data.operation_id)).status).toBe('succeeded');
    return { auth, url };
  }

  it('a push job keeps to the URL it checked while the config moves and /history opens the clone', async () => {
    const { auth } = await configured('origin-race', frontPort);
    let reached!: () => void;
    const reachedFetch = new Promise<void>((resolve) => (reached = resolve));
    let release!: () => void;
    gate = { open: new Promise<void>((resolve) => (release = resolve)), reached };
    try {
      const push = await post(auth, '/git-integration/push', { branch: 'race', message: 'sync' });
      expect(push.status, push.text).toBe(202);
      await reachedFetch; // the job has checked legit.test, prepared the token for it, and is fetching
      gate = null;
      const moved = await post(auth, '/git-integration', { repository_url: elsewhereUrl() });
      expect(moved.status, moved.text).toBe(200);
      expect(moved.body.data.credential_type).toBeNull(); // another host: the token was dropped
      // /history opens the clone (which used to rewrite origin) and fetches the new URL, without the token.
      // It takes its turn in the clone after the push job (withTeamClone), so it is sent now and awaited
      // after the gate opens; the push must still go where it was checked.
      const history = t.http().get('/api/git-integration/history').set('authorization', auth).then((res) => res);
      await new Promise((resolve) => setTimeout(resolve, 300));
      release();
      const op = await waitForOperation(t, auth, push.body.data.operation_id);
      expect((await history).status).toBe(502); // answered: the new host, given no token, refuses the fetch
      expect(tokenIn(elsewhere.authorizations)).toBe(false);
      expect(op.status, op.error ?? '').toBe('succeeded');
    } finally {
      gate = null;
      release?.();
    }
    expect(remotes.head('acme/pipes', 'race')).toMatch(/^[0-9a-f]{40}$/); // pushed where it was checked
  });

  it('a clone config rewritten on disk (another process, an older version) is never followed', async () => {
    const legitPort = Number(new URL(legit.url('x')).port);
    const { auth, url } = await configured('origin-disk', legitPort);
    const clone = await teamClone('origin-disk');
    const before = elsewhere.authorizations.length;
    const redirections: [string, string[]][] = [
      ['origin set to another URL', ['config', 'remote.origin.url', elsewhereUrl()]],
      ['url.insteadOf rewriting the checked URL', ['config', `url.${elsewhereUrl()}.insteadOf`, url]],
      ['pushurl of a remote named like the URL', ['config', `remote.${url}.pushurl`, elsewhereUrl()]],
    ];
    for (const [name, args] of redirections) {
      git(clone, args);
      const push = await post(auth, '/git-integration/push', { branch: `disk-${redirections.findIndex(([n]) => n === name)}`, message: 'sync' });
      expect(push.status, push.text).toBe(202);
      const op = await waitForOperation(t, auth, push.body.data.operation_id);
      expect(tokenIn(elsewhere.authorizations), name).toBe(false);
      expect(op.status, `${name}: ${op.error}`).toBe('succeeded');
      // The clone's config is this server's: put back to one without any remote or URL rewriting.
      expect(readFileSync(join(clone, 'config'), 'utf8'), name).not.toMatch(/remote|url/i);
    }
    expect(elsewhere.authorizations.slice(before)).toEqual([]); // not contacted at all
  });

  it('/history answers from the clone only for the URL it was fetched from', async () => {
    const legitPort = Number(new URL(legit.url('x')).port);
    const { auth } = await configured('origin-history', legitPort);
    remotes.createBare('acme/other', { files: { 'other.md': '# another repository\n' } });
    const subjects = async () => {
      const res = await t.http().get('/api/git-integration/history').set('authorization', auth);
      expect(res.status, res.text).toBe(200);
      return (res.body.data as { message: string }[]).map((c) => c.message);
    };
    const first = await subjects();
    expect(first.length).toBeGreaterThan(0);
    remotes.commit('acme/other', 'main', { 'other.md': '# moved\n' }, 'Only in the other repository');
    // Same host and port: the token stays; the clone still holds the first repository's branches.
    const moved = await post(auth, '/git-integration', { repository_url: `http://legit.test:${legitPort}/acme/other.git` });
    expect(moved.body.data.credential_type).toBe('token');
    expect(await subjects()).toContain('Only in the other repository');
  });
});

describe('/test runs git where no repository can be discovered', () => {
  let remotes: GitRemotes;
  let legit: HttpGitServer;
  let elsewhere: HttpGitServer;
  let trap: string;
  const savedTmp = process.env.TMPDIR;

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('acme/pipes', { files: { 'README.md': '# pipelines\n' } });
    legit = await startHttpGitServer(remotes.root, { [TOKEN]: 'rw' });
    elsewhere = await startHttpGitServer(remotes.root, {});
    await runGit(['--version'], { timeoutMs: 10_000 }); // git's isolated HOME exists before TMPDIR moves
    // A temp directory that is inside a repository whose config redirects the checked URL,
    // as anyone who can write to /tmp could arrange (/tmp/.git, /tmp/config + HEAD).
    trap = mkdtempSync(join(tmpdir(), 'probe-trap-'));
    mkdirSync(join(trap, 'tmp'));
    git(trap, ['init', '--quiet']);
    git(trap, ['config', `url.${elsewhere.url('acme/pipes')}.insteadOf`, legit.url('acme/pipes')]);
    process.env.TMPDIR = join(trap, 'tmp');
  });
  afterAll(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    rmSync(trap, { recursive: true, force: true });
    await legit?.close();
    await elsewhere?.close();
    remotes?.close();
  });

  it('ls-remote and the write probe ignore a repository around the temp directory', async () => {
    expect(tmpdir()).toBe(join(trap, 'tmp'));
    const result = await probeRemote({ url: legit.url('acme/pipes'), httpPin: [] }, { type: 'token', token: TOKEN }, {
      timeoutMs: 15_000,
      allowProtocols: ['http'],
      knownHosts: null,
    });
    expect(result).toMatchObject({ reachable: true, permissions: ['read', 'write'] });
    expect(elsewhere.authorizations).toEqual([]);
    expect(tokenIn(legit.authorizations)).toBe(true);
  });
});
