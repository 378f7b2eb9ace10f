import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { checkRepositoryUrl, normalizePathPrefix, type RepositoryUrlPolicy } from '../../../src/modules/git-integration/settings/repository-url.js';
import { branchNameIssue } from '../../../src/modules/git-integration/branch-name.js';

const STRICT: RepositoryUrlPolicy = { allowedProtocols: new Set(['https', 'ssh']), allowPrivateHosts: false };
const TESTING: RepositoryUrlPolicy = { allowedProtocols: new Set(['https', 'ssh', 'http', 'file']), allowPrivateHosts: true };

describe('repository_url', () => {
  it.each([
    ['https://github.com/acme/pipelines', 'https'],
    ['https://github.com/acme/pipelines.git', 'https'],
    ['https://gitlab.example.com:8443/group/sub/repo.git', 'https'],
    ['https://8.8.8.8/acme/repo.git', 'https'],
    ['ssh://git@github.com/acme/pipelines.git', 'ssh'],
    ['ssh://git@bitbucket.example:7999/acme/pipelines.git', 'ssh'],
    ['git@github.com:acme/pipelines.git', 'ssh'],
    ['github.com:acme/pipelines.git', 'ssh'],
  ])('accepts %s by default', (url, protocol) => {
    expect(checkRepositoryUrl(url, STRICT)).toEqual({ ok: true, value: expect.objectContaining({ url, protocol }) });
  });

  it.each([
    ['', 'empty'],
    ['-uhttps://github.com/a/b', 'option-like'],
    ['--upload-pack=touch /tmp/x', 'option-like with space'],
    ['ext::sh -c touch% /tmp/pwned', 'ext:: helper'],
    ['ext::sh', 'ext:: helper without spaces'],
    ['fd::17', 'fd:: helper'],
    ['https::github.com/a/b', '<transport>:: form'],
    ['http://github.com/a/b', 'http not allowed'],
    ['file:///srv/git/repo.git', 'file not allowed'],
    ['git://github.com/a/b', 'git:// protocol'],
    ['ftp://github.com/a/b', 'other scheme'],
    ['https://user:pass@github.com/a/b.git', 'user and password'],
    ['https://ghp_token@github.com/a/b.git', 'token as user'],
    ['ssh://git:secret@github.com/a/b.git', 'ssh password'],
    ['https://github.com/a/b\n', 'newline'],
    ['https://github.com/a\u0000b', 'NUL'],
    ['https://github.com/a b', 'space'],
    [' https://github.com/a/b', 'leading space'],
    ['https://github.com/a/b\t', 'tab'],
    ['https://github.com/a\u0085b', 'C1 control'],
    ['https://github.com/a/b?x=1', 'query'],
    ['https://github.com/a/b#frag', 'fragment'],
    ['https://github.com', 'no path'],
    ['https://169.254.169.254/latest/meta-data', 'metadata IP'],
    ['https://metadata.google.internal/computeMetadata', 'GCP metadata name'],
    ['https://localhost/a/b', 'localhost'],
    ['https://LOCALHOST./a/b', 'localhost, uppercase with dot'],
    ['https://127.0.0.1/a/b', 'loopback'],
    ['https://127.8.9.10/a/b', 'loopback /8'],
    ['https://2130706433/a/b', 'loopback as decimal'],
    ['https://0x7f.1/a/b', 'loopback as hex'],
    ['https://0/a/b', 'zero address'],
    ['https://10.0.0.1/a/b', '10/8'],
    ['https://172.16.5.4/a/b', '172.16/12'],
    ['https://192.168.1.1/a/b', '192.168/16'],
    ['https://100.64.0.1/a/b', 'CGNAT'],
    ['https://[::1]/a/b', 'IPv6 loopback'],
    ['https://[fe80::1]/a/b', 'IPv6 link-local'],
    ['https://[fd00::1]/a/b', 'IPv6 unique local'],
    ['https://[::ffff:169.254.169.254]/a/b', 'IPv4-mapped metadata'],
    ['https://[::ffff:7f00:1]/a/b', 'IPv4-mapped loopback, hex'],
    ['https://[64:ff9b::a9fe:a9fe]/a/b', 'NAT64 of the metadata address'],
    ['https://[2002:7f00:1::1]/a/b', '6to4 of loopback'],
    ['https://[2001:0:4136:e378::1]/a/b', 'Teredo'],
    ['https://203.0.113.5/a/b', 'TEST-NET-3'],
    ['http://github.com\\@127.0.0.1:1/x.git', 'backslash before @ (finding 2)'],
    ['git@127.0.0.1:a/b.git', 'scp-like loopback'],
    ['ssh://git@[::1]/a/b.git', 'ssh IPv6 loopback'],
    ['ssh://-oProxyCommand=touch/a', 'ssh option host'],
    ['git@-oProxyCommand=x:a/b', 'scp-like option host'],
    ['git@github.com:-x/b', 'scp-like option path'],
    ['https://exa_mple.com/a', 'invalid host'],
    [`https://github.com/${'a'.repeat(2100)}`, 'too long'],
  ])('rejects %j (%s) by default', (url) => {
    const result = checkRepositoryUrl(url, STRICT);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.issue).toMatch(/\w/);
  });

  it.each([
    'http://127.0.0.1:8080/repo.git',
    'http://localhost/repo.git',
    'file:///tmp/remotes/repo.git',
    'git@127.0.0.1:repo.git',
    'ssh://git@[::1]:2222/repo.git',
    'https://10.1.2.3/group/repo.git',
  ])('accepts %s when the operator allows http, file and private hosts', (url) => {
    expect(checkRepositoryUrl(url, TESTING).ok).toBe(true);
  });

  it.each([
    'ext::sh -c x',
    'fd::3',
    '-u http://127.0.0.1/x',
    'http://u:p@127.0.0.1/repo.git',
    'file://otherhost/srv/repo.git',
    'file:///',
    'http://127.0.0.1/a b',
  ])('still rejects %j when everything is allowed', (url) => {
    expect(checkRepositoryUrl(url, TESTING).ok).toBe(false);
  });
});

describe('path_prefix', () => {
  it.each([
    ['', ''],
    ['pipelines', 'pipelines/'],
    ['pipelines/', 'pipelines/'],
    ['etl/pipelines/prod', 'etl/pipelines/prod/'],
    ['my pipelines/v1.2/', 'my pipelines/v1.2/'],
    ['.config/pipelines', '.config/pipelines/'],
  ])('normalises %j to %j', (input, expected) => {
    expect(normalizePathPrefix(input)).toEqual({ ok: true, value: expected });
  });

  it.each([
    '/', '/abs', '/abs/', '..', '../x', 'a/../b', 'a/..', './a', 'a/./b', 'a\\b', 'C:\\x', '.git', '.git/hooks', 'a/.git/', 'a/.GIT',
    'a//b', '//a', 'a\nb', 'a\u0000', '-rf/', 'a/*', 'a?', ':(glob)a', ' a/', 'x'.repeat(600),
  ])('rejects %j', (input) => {
    expect(normalizePathPrefix(input).ok).toBe(false);
  });
});

describe('branch names', () => {
  it.each(['main', 'release/2025.03', 'feature/add-crm-sync', 'a-b_c'])('accepts %j', (name) => {
    expect(branchNameIssue(name)).toBeNull();
  });
  it.each(['', '-x', 'a..b', 'a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', '@', 'a@{1}', '/a', 'a/', 'a//b', 'a.', '.a', 'a/.b', 'a.lock', 'a/b.lock/c', 'x'.repeat(256)])(
    'rejects %j',
    (name) => {
      expect(branchNameIssue(name)).not.toBeNull();
    },
  );
});

describe('validation through the API', () => {
  let strict: TestApp;
  let permissive: TestApp;

  beforeAll(async () => {
    strict = await createTestApp({ env: { GIT_ALLOWED_PROTOCOLS: 'https,ssh', GIT_ALLOW_PRIVATE_HOSTS: 'false' } });
    permissive = await createTestApp({
      env: { GIT_ALLOWED_PROTOCOLS: 'https,ssh,http,file', GIT_ALLOW_PRIVATE_HOSTS: 'true' },
      database: strict.database,
    });
  });
  afterAll(async () => {
    await permissive?.close();
    await strict?.close();
  });

  const save = async (t: TestApp, team: string, body: object) => {
    const auth = `Bearer ${await t.token({ team, user: 'val', scopes: ['git:write'] })}`;
    return t.http().post('/api/git-integration').set('authorization', auth).send(body);
  };

  it('400 with a repository_url detail for a private host or disallowed protocol by default', async () => {
    for (const url of ['http://127.0.0.1:9418/repo.git', 'https://169.254.169.254/x', 'file:///srv/repo.git', 'ext::sh -c id']) {
      const res = await save(strict, 'val-strict', { provider: 'generic', repository_url: url });
      expect(res.status, url).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'invalid_request', details: [{ field: 'body.repository_url', issue: expect.any(String) }] });
    }
  });

  it('refuses every parser-differential form on save and on /test (issue 11, finding 2), before any DNS or connection', async () => {
    const auth = `Bearer ${await strict.token({ team: 'val-differential', user: 'val', scopes: ['git:write'] })}`;
    for (const url of [
      'http://github.com\\@127.0.0.1:1/x.git',
      'https://github.com\\@127.0.0.1:1/x.git',
      'https://github.com%2f@evil.example/x',
      'https://user@@github.com/x',
      'https://github.com@evil.example/x',
      'https://0x7f.1/x',
      'https://2130706433/x',
      'https://[::ffff:7f00:1]/x',
      'https://github.com/a\tb',
      'https://github.com/a\nb',
      'https://github\u3002com/x',
      'https://gith\u0456b.com/x',
      'https://github.com./x',
      'https://github.com:0443/x',
      'https://github.com/a/../b',
      'ssh://-oProxyCommand=x/y',
      'git@github.com:-x',
    ]) {
      const saved = await save(strict, 'val-differential', { provider: 'generic', repository_url: url, credentials: { type: 'token', token: 'tok_never_sent_1234' } });
      expect(saved.status, url).toBe(400);
      expect(saved.body.error.details, url).toEqual([{ field: 'body.repository_url', issue: expect.any(String) }]);
      const tested = await strict.http().post('/api/git-integration/test').set('authorization', auth).send({ repository_url: url, credentials: { type: 'token', token: 'tok_never_sent_1234' } });
      expect(tested.status, url).toBe(400);
      expect(tested.text).not.toContain('tok_never_sent_1234');
    }
  });

  it('resolves host names before saving: a name that points inside is refused, a canonical URL is stored (issue 11, finding 3)', async () => {
    const inside = await save(strict, 'val-names', { provider: 'generic', repository_url: `https://${hostname().toLowerCase()}/a/b.git` });
    expect(inside.status).toBe(400);
    const unknown = await save(strict, 'val-names', { provider: 'generic', repository_url: 'https://no-such-host.test/a/b.git' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ field: 'body.repository_url', issue: expect.stringMatching(/could not be resolved/) }]);
    const res = await save(strict, 'val-names', { provider: 'github', repository_url: 'HTTPS://GitHub.com:443/acme/Pipes.git' });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.repository_url).toBe('https://github.com/acme/Pipes.git');
  });

  it('reports a bad URL and a bad prefix together', async () => {
    const res = await save(strict, 'val-strict', { provider: 'generic', repository_url: '-oops', path_prefix: '/abs' });
    expect(res.status).toBe(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field).sort()).toEqual(['body.path_prefix', 'body.repository_url']);
  });

  it('accepts local remotes when the operator allows them', async () => {
    const res = await save(permissive, 'val-permissive', { provider: 'generic', repository_url: 'http://127.0.0.1:9418/repo.git', path_prefix: 'p' });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ repository_url: 'http://127.0.0.1:9418/repo.git', path_prefix: 'p/' });
  });

  it('refuses an unknown protocol in GIT_ALLOWED_PROTOCOLS at start', async () => {
    await expect(createTestApp({ env: { GIT_ALLOWED_PROTOCOLS: 'https,ext' }, database: strict.database })).rejects.toThrow(/GIT_ALLOWED_PROTOCOLS/);
  });
});
