import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes } from '../../helpers/git-remotes.js';
import { sshdUnavailable, startSshRemote, type SshRemote } from '../../helpers/ssh-remote.js';
import { prepareGitAuth } from '../../../src/lib/git/auth.js';
import { GitCommandError, runGit } from '../../../src/lib/git/run.js';
import { gitTestEnv, waitForOperation } from './helpers.js';

// git over ssh end to end against a real OpenSSH server (test/helpers/ssh-remote.ts):
// only the team's deploy key is ever offered, never the service account's own keys
// or agent; the host key is pinned on the first successful connection, shown in the
// config, a changed key stops every operation until it is reset.

const unavailable = sshdUnavailable();
if (unavailable) console.warn(`skipping the ssh transport tests: ${unavailable}`);

describe('ssh command line', () => {
  it('is isolated from the service account whatever the credentials', async () => {
    for (const auth of [null, { type: 'token' as const, token: 'tok_x' }, { type: 'ssh_key' as const, privateKey: 'k' }]) {
      const prepared = await prepareGitAuth(auth, { target: { url: 'ssh://git@127.0.0.1:2222/x.git', httpPin: [] }, knownHosts: null });
      try {
        const command = prepared.env.GIT_SSH_COMMAND!;
        for (const option of ['-F /dev/null', '-o IdentitiesOnly=yes', '-o IdentityAgent=none', '-o BatchMode=yes', '-o GlobalKnownHostsFile=/dev/null', '-o UpdateHostKeys=no']) {
          expect(command, String(auth?.type)).toContain(option);
        }
        // No deploy key: no identity at all, so ssh cannot fall back to ~/.ssh/id_* of the passwd home.
        if (auth?.type === 'ssh_key') expect(command).toMatch(/-o IdentityFile='[^']+\/id'/);
        else expect(command).toContain('-o IdentityFile=none');
        expect(command).toContain('-o StrictHostKeyChecking=accept-new');
        expect(prepared.env.SSH_AUTH_SOCK).toBeUndefined();
      } finally {
        await prepared.dispose();
      }
    }
    const pinned = await prepareGitAuth(null, { target: { url: 'ssh://git@127.0.0.1:2222/x.git', httpPin: [] }, knownHosts: '[127.0.0.1]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA' });
    expect(pinned.env.GIT_SSH_COMMAND).toContain('-o StrictHostKeyChecking=yes');
    await pinned.dispose();
  });
});

describe.skipIf(unavailable)('git over ssh against a real sshd', { timeout: 120_000 }, () => {
  let t: TestApp;
  let ssh: SshRemote;
  let remotes: GitRemotes;
  let repoPath: string;
  let auth: string;
  let reader: string;
  let other: string;
  let pipelineId: string;
  const gitFile = (id: string, name: string, definition: object) => `${JSON.stringify({ definition, id, name }, null, 2)}\n`;

  const post = (path: string, body: object, token = auth) => t.http().post(`/api${path}`).set('authorization', token).send(body);
  const get = (path: string, token = auth) => t.http().get(`/api${path}`).set('authorization', token);
  const run = async (kind: 'push' | 'pull', body: object = {}) => {
    const res = await post(`/git-integration/${kind}`, body);
    expect(res.status, res.text).toBe(202);
    return waitForOperation(t, auth, res.body.data.operation_id, 60_000);
  };
  const fingerprint = async () => (await get('/git-integration')).body.data.ssh_host_key_fingerprint as string | null;
  const remoteFile = () => remotes.show('acme/ssh-pipes', 'main', `pipelines/${pipelineId}.json`);

  beforeAll(async () => {
    remotes = new GitRemotes();
    repoPath = remotes.createBare('acme/ssh-pipes', { files: { 'README.md': '# pipes\n' } });
    ssh = await startSshRemote();
    t = await createTestApp({ jobs: true, env: gitTestEnv() });
    auth = `Bearer ${await t.token({ team: 'ssh-team', user: 'sid', scopes: ['git:read', 'git:write', 'pipelines:read', 'pipelines:write'] })}`;
    reader = `Bearer ${await t.token({ team: 'ssh-team', user: 'rea', scopes: ['git:read', 'pipelines:read'] })}`;
    other = `Bearer ${await t.token({ team: 'ssh-other', user: 'oth', scopes: ['git:read', 'git:write'] })}`;
    const created = await post('/pipelines', { name: 'over-ssh', definition: { steps: [{ type: 'extract', source: 'a' }] } });
    expect(created.status).toBe(201);
    pipelineId = created.body.data.id;
  });

  afterAll(async () => {
    await t?.close();
    await ssh?.close();
    remotes?.close();
  });

  describe('without a deploy key', () => {
    // Keys the service account would use if ssh were left to its defaults: a default
    // identity in the passwd home (OpenSSH ignores $HOME) and an agent in the environment.
    // Both are authorized on the server, so using either would let the push through.
    const home = userInfo().homedir;
    const sshDir = join(home, '.ssh');
    let createdSshDir = false;
    let agent: ChildProcess | undefined;
    let agentDir: string;
    const previousSock = process.env.SSH_AUTH_SOCK;

    beforeAll(async () => {
      const defaults = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(sshDir, name));
      const existing = defaults.find((file) => existsSync(file) && existsSync(`${file}.pub`));
      if (existing) ssh.authorize(readFileSync(`${existing}.pub`, 'utf8'));
      else if (!existsSync(sshDir)) {
        // Only in a home without ~/.ssh (a CI container): made here and removed afterwards.
        mkdirSync(sshDir, { mode: 0o700 });
        createdSshDir = true;
        execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'service-account-test', '-f', defaults[0]!]);
        ssh.authorize(readFileSync(`${defaults[0]}.pub`, 'utf8'));
        // Trusted too, so that only the choice of key can decide the outcome.
        const hostKey = execFileSync('ssh-keyscan', ['-p', String(ssh.port), '-t', 'ed25519', '127.0.0.1'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        writeFileSync(join(sshDir, 'known_hosts'), hostKey);
      }
      agentDir = mkdtempSync(join(tmpdir(), 'ssh-agent-test-'));
      const sock = join(agentDir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'agent-key', '-f', join(agentDir, 'agent_key')]);
      execFileSync('ssh-add', ['-q', join(agentDir, 'agent_key')], { env: { ...process.env, SSH_AUTH_SOCK: sock } });
      ssh.authorize(readFileSync(join(agentDir, 'agent_key.pub'), 'utf8'));
      process.env.SSH_AUTH_SOCK = sock;
    });

    afterAll(() => {
      if (previousSock === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = previousSock;
      agent?.kill('SIGTERM');
      if (agentDir) rmSync(agentDir, { recursive: true, force: true });
      if (createdSshDir) rmSync(sshDir, { recursive: true, force: true });
    });

    it('offers neither the service account\'s default key nor its agent: the server refuses, nothing is pushed', async () => {
      const saved = await post('/git-integration', { provider: 'generic', repository_url: ssh.url(repoPath), path_prefix: 'pipelines/', credentials: null });
      expect(saved.status, saved.text).toBe(200);
      const op = await run('push', { message: 'must not arrive' });
      expect(op.status).toBe('failed');
      expect(op.error).toMatch(/Permission denied/);
      expect(remoteFile()).toBeNull();
      expect(ssh.log()).not.toMatch(/Accepted publickey/);
      // Nothing is pinned from a failed connection.
      expect(await fingerprint()).toBeNull();
    });

    it('a git command run without prepared credentials does not start ssh at all (fails closed)', async () => {
      const connections = (ssh.log().match(/Connection from/g) ?? []).length;
      const error = await runGit(['ls-remote', ssh.url(repoPath)], { timeoutMs: 15_000, cwd: tmpdir() }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GitCommandError);
      expect((ssh.log().match(/Connection from/g) ?? []).length).toBe(connections);
    });
  });

  describe('with the team\'s deploy key', () => {
    let keyId: string;

    it('pushes and pulls through sshd; the first successful connection pins the host key, shown in the config', async () => {
      const key = await post('/git-integration/ssh-keys', { comment: 'ssh-team' });
      expect(key.status).toBe(201);
      keyId = key.body.data.id;
      ssh.authorize(key.body.data.public_key);
      const saved = await post('/git-integration', { repository_url: ssh.url(repoPath), ssh_key_id: keyId });
      expect(saved.status, saved.text).toBe(200);
      expect(saved.body.data.ssh_host_key_fingerprint).toBeNull();

      const pushed = await run('push', { message: 'first push over ssh' });
      expect(pushed.status, JSON.stringify(pushed)).toBe('succeeded');
      expect(JSON.parse(remoteFile()!)).toMatchObject({ id: pipelineId, name: 'over-ssh' });
      expect(ssh.log()).toMatch(/Accepted publickey for \S+ from 127\.0\.0\.1/);

      expect(await fingerprint()).toBe(ssh.hostKeyFingerprint);
      const row = await t.db.prisma.gitIntegrationConfig.findFirstOrThrow({ where: { team: { name: 'ssh-team' } } });
      expect(row.sshKnownHosts).toMatch(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${ssh.port} ssh-ed25519 AAAA\\S+$`));

      remotes.commit('acme/ssh-pipes', 'main', { [`pipelines/${pipelineId}.json`]: gitFile(pipelineId, 'renamed-in-git', { steps: [] }) }, 'edit in git');
      const pulled = await run('pull');
      expect(pulled.status, JSON.stringify(pulled)).toBe('succeeded');
      expect((await get(`/pipelines/${pipelineId}`)).body.data.name).toBe('renamed-in-git');

      const probe = await post('/git-integration/test', {});
      expect(probe.status).toBe(200);
      expect(probe.body.data).toMatchObject({ reachable: true, permissions: ['read', 'write'] });
      expect(await fingerprint()).toBe(ssh.hostKeyFingerprint);
    });

    it('a changed host key fails push, pull and test with a clear message, and changes nothing', async () => {
      const pinned = ssh.hostKeyFingerprint;
      await ssh.replaceHostKey();
      expect(ssh.hostKeyFingerprint).not.toBe(pinned);
      const remoteHead = remotes.head('acme/ssh-pipes', 'main');
      const clear = new RegExp(`host key of 127\\.0\\.0\\.1:${ssh.port} changed.*${pinned.replace(/[+/]/g, '\\$&')}.*DELETE /api/git-integration/ssh-host-key`);

      expect((await t.http().patch(`/api/pipelines/${pipelineId}`).set('authorization', auth).send({ name: 'edited-in-app' })).status).toBe(200);
      const pushed = await run('push', { message: 'must not arrive' });
      expect(pushed.status).toBe('failed');
      expect(pushed.error).toMatch(clear);
      expect(remotes.head('acme/ssh-pipes', 'main')).toBe(remoteHead);

      remotes.commit('acme/ssh-pipes', 'main', { [`pipelines/${pipelineId}.json`]: gitFile(pipelineId, 'from-the-impostor', { steps: [] }) }, 'edit in git');
      const pulled = await run('pull');
      expect(pulled.status).toBe('failed');
      expect(pulled.error).toMatch(clear);
      expect((await get(`/pipelines/${pipelineId}`)).body.data.name).toBe('edited-in-app');

      const probe = await post('/git-integration/test', {});
      expect(probe.body.data).toMatchObject({ reachable: false });
      expect(probe.body.data.reason).toMatch(clear);
      // The pinned key stays until someone with git:write resets it.
      expect(await fingerprint()).toBe(pinned);
    });

    it('DELETE /api/git-integration/ssh-host-key resets the pin (401, 403, 404 for a team without a config); the next connection pins the new key', async () => {
      expect((await t.http().delete('/api/git-integration/ssh-host-key')).status).toBe(401);
      const denied = await t.http().delete('/api/git-integration/ssh-host-key').set('authorization', reader);
      expect(denied.status).toBe(403);
      const foreign = await t.http().delete('/api/git-integration/ssh-host-key').set('authorization', other);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.code).toBe('not_found');
      expect(await fingerprint()).not.toBeNull();

      const reset = await t.http().delete('/api/git-integration/ssh-host-key').set('authorization', auth);
      expect(reset.status).toBe(204);
      expect(await fingerprint()).toBeNull();

      const pulled = await run('pull', { strategy: 'theirs' });
      expect(pulled.status, JSON.stringify(pulled)).toBe('succeeded');
      expect(await fingerprint()).toBe(ssh.hostKeyFingerprint);
    });

    it('changing the repository host (or port) forgets the pinned key', async () => {
      expect(await fingerprint()).toBe(ssh.hostKeyFingerprint);
      const moved = await post('/git-integration', { repository_url: `ssh://${ssh.user}@127.0.0.1:${ssh.port === 65535 ? 65534 : ssh.port + 1}${repoPath}` });
      expect(moved.status, moved.text).toBe(200);
      expect(moved.body.data.ssh_host_key_fingerprint).toBeNull();
      const back = await post('/git-integration', { repository_url: ssh.url(repoPath) });
      expect(back.body.data.ssh_host_key_fingerprint).toBeNull();
      // A path change on the same host keeps it.
      expect((await run('pull', { strategy: 'theirs' })).status).toBe('succeeded');
      const samehost = await post('/git-integration', { repository_url: ssh.url(remotes.createBare('acme/ssh-other')) });
      expect(samehost.status, samehost.text).toBe(200);
      expect(samehost.body.data.ssh_host_key_fingerprint).toBe(ssh.hostKeyFingerprint);
    });

    it('the deploy key in use cannot be deleted (409)', async () => {
      const res = await t.http().delete(`/api/git-integration/ssh-keys/${keyId}`).set('authorization', auth);
      expect(res.status).toBe(409);
      const keys = (await get('/git-integration/ssh-keys')).body.data as { id: string; in_use: boolean }[];
      expect(keys.find((k) => k.id === keyId)?.in_use).toBe(true);
    });
  });
});
