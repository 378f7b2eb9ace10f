import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes } from '../../helpers/git-remotes.js';
import { stubResolver, type StubResolver } from '../../helpers/resolver.js';
import { sshdUnavailable, startSshRemote, type SshRemote } from '../../helpers/ssh-remote.js';
import { gitTestEnv } from './helpers.js';

// Issue 11, finding 3 over ssh: git's ssh connects to the address the check resolved
// (`-o HostName=<address>`), while the host key is pinned and checked under the name and
// port (`-o HostKeyAlias=[name]:port`). `sshhost.test` exists only in the stub resolver, so
// reaching sshd at all proves the pin; no DNS query is ever sent for it.

const unavailable = sshdUnavailable();

describe.skipIf(unavailable !== null)('ssh pinned to the checked address', { timeout: 90_000 }, () => {
  let t: TestApp;
  let ssh: SshRemote;
  let remotes: GitRemotes;
  let resolver: StubResolver;
  let auth: string;
  let repoPath: string;
  const answers: string[][] = [];

  beforeAll(async () => {
    remotes = new GitRemotes();
    repoPath = remotes.createBare('acme/ssh-pinned', { files: { 'README.md': '# pipes\n' } });
    ssh = await startSshRemote();
    resolver = stubResolver({ 'sshhost.test': () => answers.shift() ?? ['127.0.0.1'] });
    t = await createTestApp({ jobs: true, resolver, env: gitTestEnv() });
    auth = `Bearer ${await t.token({ team: 'ssh-pinned', user: 'pin', scopes: ['git:read', 'git:write'] })}`;
  });
  afterAll(async () => {
    await t?.close();
    await ssh?.close();
    remotes?.close();
  });

  const post = (path: string, body?: object) => t.http().post(`/api${path}`).set('authorization', auth).send(body);

  it('reaches sshd through a name only the stub knows, pins its host key under the name, and follows the next answer', async () => {
    const key = await post('/git-integration/ssh-keys', { comment: 'ssh-pinned' });
    ssh.authorize(key.body.data.public_key);
    const url = `ssh://${ssh.user}@sshhost.test:${ssh.port}${repoPath}`;
    const saved = await post('/git-integration', { provider: 'generic', repository_url: url, ssh_key_id: key.body.data.id });
    expect(saved.status, saved.text).toBe(200);

    const tested = await post('/git-integration/test', {});
    expect(tested.body.data, tested.text).toMatchObject({ reachable: true, permissions: ['read', 'write'] });
    const row = await t.db.prisma.gitIntegrationConfig.findFirstOrThrow({ where: { repositoryUrl: url } });
    expect(row.sshKnownHosts).toMatch(new RegExp(`^\\[sshhost\\.test\\]:${ssh.port} ssh-ed25519 `));
    expect(row.sshHostKeyFingerprint).toBe(ssh.hostKeyFingerprint);

    // The next answer points elsewhere (nothing listens on 127.0.0.2): ssh goes exactly there.
    answers.push(['127.0.0.2']);
    const moved = await post('/git-integration/test', {});
    expect(moved.body.data.reachable).toBe(false);
    expect(moved.body.data.reason).toMatch(/127\.0\.0\.2|connection refused|unreachable/i);
  });
});
