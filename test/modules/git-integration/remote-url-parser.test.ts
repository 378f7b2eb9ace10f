import { describe, expect, it } from 'vitest';
import { isPublicAddress, parsePrivateHostList, NO_PRIVATE_HOSTS } from '../../../src/lib/net/address-policy.js';
import { parseGitUrl } from '../../../src/lib/net/git-url.js';
import { connectionPin, pinRemote, REFUSED_HOST_ISSUE } from '../../../src/lib/net/remote-target.js';
import { repositoryPath } from '../../../src/lib/git/providers/repo-path.js';
import { baseGitEnv } from '../../../src/lib/git/run.js';
import { stubResolver } from '../../helpers/resolver.js';

// The strict repository-URL parser (finding 2 of issue 11) and the resolve-check-pin
// step (finding 3), without a server. Through the API: config-validation.test.ts and
// remote-pinning.test.ts.

const href = (url: string) => {
  const parsed = parseGitUrl(url);
  return parsed.ok ? parsed.value.href : null;
};

describe('the repository URL parser', () => {
  it.each([
    ['https://github.com/acme/pipes.git', 'https://github.com/acme/pipes.git'],
    ['HTTPS://GitHub.COM/acme/Pipes.git', 'https://github.com/acme/Pipes.git'],
    ['https://github.com:443/a/b', 'https://github.com/a/b'],
    ['https://git.example.com:8443/group/sub/repo.git', 'https://git.example.com:8443/group/sub/repo.git'],
    ['https://dev.azure.com/org/My%20project/_git/repo', 'https://dev.azure.com/org/My%20project/_git/repo'],
    ['https://h.example/a/%c3%a9', 'https://h.example/a/%C3%A9'],
    ['ssh://git@github.com:22/a/b.git', 'ssh://git@github.com/a/b.git'],
    ['ssh://git@[2001:DB8:0:0::1]:2222/a.git', 'ssh://git@[2001:db8::1]:2222/a.git'],
    ['git@GitHub.com:acme/pipes.git', 'git@github.com:acme/pipes.git'],
    ['git@host.example:/srv/git/repo.git', 'git@host.example:/srv/git/repo.git'],
    ['ssh://git@bitbucket.example/~user/repo.git', 'ssh://git@bitbucket.example/~user/repo.git'],
    ['file:///srv/git/repo.git', 'file:///srv/git/repo.git'],
    ['file://localhost/srv/git/repo.git', 'file:///srv/git/repo.git'],
    ['https://8.8.8.8/a/b', 'https://8.8.8.8/a/b'],
    ['https://xn--bcher-kva.example/a/b', 'https://xn--bcher-kva.example/a/b'],
  ])('accepts %s as %s', (input, canonical) => {
    expect(href(input)).toBe(canonical);
  });

  it.each([
    // finding 2 and its relatives: every form two parsers read differently
    ['http://github.com\\@127.0.0.1:1/x.git', 'backslash before @ (WHATWG: host github.com; git/curl: 127.0.0.1)'],
    ['https://github.com\\.evil.example/x', 'backslash in the host'],
    ['https://github.com/a\\b', 'backslash in the path'],
    ['https://github.com%2f@evil.example/x', 'percent-encoded slash in the authority'],
    ['https://github.com%40evil.example/x', 'percent-encoded @ in the authority'],
    ['https://gith%75b.com/x/y', 'percent-encoded letter in the host'],
    ['https://user@@h.example/x', 'two @'],
    ['ssh://a@b@h.example/x', 'two @ (ssh)'],
    ['https://github.com@evil.example/x', 'userinfo on https'],
    ['https://@github.com/x/y', 'empty userinfo'],
    ['ssh://@github.com/x/y', 'empty ssh user'],
    ['ssh://git:pw@github.com/x/y', 'ssh password'],
    ['ssh://git:@github.com/x/y', 'ssh empty password'],
    ['https://user:pass@github.com/a/b.git', 'user and password'],
    ['https://0x7f.1/x', 'hex IPv4'],
    ['https://0x7f000001/x', 'hex IPv4, one number'],
    ['https://2130706433/x', 'decimal IPv4'],
    ['https://017700000001/x', 'octal IPv4'],
    ['https://0177.0.0.1/x', 'octal first octet'],
    ['https://127.1/x', 'short IPv4'],
    ['https://127.0.1/x', 'three-part IPv4'],
    ['https://1.2.3.04/x', 'leading zero in an octet'],
    ['https://256.1.1.1/x', 'octet out of range'],
    ['https://github.com.1/x', 'name ending in a number'],
    ['https://[::ffff:127.0.0.1]/x', 'IPv4-mapped IPv6, dotted'],
    ['https://[fe80::1%25eth0]/x', 'IPv6 zone id'],
    ['https://[fe80::1%eth0]/x', 'IPv6 zone id, raw'],
    ['https://[::1/x', 'unclosed bracket'],
    ['https://[github.com]/x', 'name in brackets'],
    ['https://github.com:0/x', 'port 0'],
    ['https://github.com:65536/x', 'port out of range'],
    ['https://github.com:0443/x', 'port with a leading zero'],
    ['https://github.com:/x', 'empty port'],
    ['https://github.com:44a/x', 'non-numeric port'],
    ['https://github.com:1:2/x', 'two ports'],
    ['https://github.com./x/y', 'trailing dot'],
    ['https://localhost./x/y', 'localhost with a trailing dot'],
    ['https://github..com/x', 'empty label'],
    ['https://-github.com/x', 'label starting with -'],
    ['https://git_hub.com/x', 'underscore'],
    ['https://gіthub.com/x', 'Cyrillic і (homograph)'],
    ['https://github。com/x', 'ideographic full stop'],
    ['https://github．com/x', 'fullwidth full stop'],
    ['https://bücher.example/x', 'unicode host (punycode it first)'],
    ['https://github.com/a/b\t', 'tab'],
    ['https://github.com/a\n/b', 'newline'],
    ['https://github.com/a\r\nHost: evil/b', 'CRLF'],
    ['https://github.com/\u0000a', 'NUL'],
    ['https://github.com/a\u00a0b', 'no-break space'],
    ['https://github.com/a\u200bb', 'zero-width space'],
    ['https://github.com/a\u202eb', 'bidi override'],
    ['https:// github.com/a', 'space'],
    ['https://github.com/a/../b', '.. segment'],
    ['https://github.com/a/%2e%2e/b', 'encoded .. segment'],
    ['https://github.com/a/./b', '. segment'],
    ['https://github.com//a/b', 'empty segment'],
    ['https://github.com/a%2fb', 'encoded slash in the path'],
    ['https://github.com/a%00b', 'encoded NUL'],
    ['https://github.com/a%5cb', 'encoded backslash'],
    ['https://github.com/a%zzb', 'broken percent-encoding'],
    ['https://github.com/a?b', 'query'],
    ['https://github.com/a#b', 'fragment'],
    ['https://github.com/a;b', 'semicolon'],
    ['https://github.com/-a/b', 'segment starting with -'],
    ['https://github.com', 'no path'],
    ['https://github.com/', 'root path'],
    ['https:/github.com/a', 'one slash'],
    ['ssh://-oProxyCommand=x/y', 'ssh option as host'],
    ['ssh://git@-oProxyCommand=x/y', 'ssh option as host after user'],
    ['ssh://-oProxyCommand=x@h.example/y', 'ssh option as user'],
    ['ssh://git@h.example/a%20b', 'percent-encoding in an ssh path'],
    ['git@h.example:-x', 'scp-like path starting with -'],
    ['git@-oProxyCommand=x:a/b', 'scp-like option host'],
    ['-oProxyCommand=x:a/b', 'scp-like option without user'],
    ['git@[::1]:a/b', 'scp-like IPv6'],
    ['git@h.example:a:b', 'colon in an scp-like path'],
    ['git@h.example:', 'empty scp-like path'],
    ['git@h.example:a/../b', 'scp-like .. segment'],
    ['a/b:c', 'local path with a colon'],
    ['/srv/git/repo.git', 'local path'],
    ['ext::sh -c touch% /tmp/pwned', 'ext:: helper'],
    ['ext::sh', 'ext:: helper without spaces'],
    ['fd::17', 'fd:: helper'],
    ['https::github.com/a/b', 'transport:: form'],
    ['git://github.com/a/b', 'git:// protocol'],
    ['ftp://github.com/a/b', 'other scheme'],
    ['file://otherhost/srv/repo.git', 'file URL with a host'],
    ['file:///srv/a%20b', 'percent-encoding in a file path'],
    ['', 'empty'],
    [`https://github.com/${'a'.repeat(2100)}`, 'too long'],
  ])('refuses %j (%s)', (input) => {
    const parsed = parseGitUrl(input);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.issue).toMatch(/\w/);
  });

  it('never echoes a character that could break a log line or a header in its issue', () => {
    for (const input of ['https://a\r\nb/c', 'https://a\u0000/b', 'https://a\u202e/b']) {
      const parsed = parseGitUrl(input);
      expect(parsed.ok ? '' : parsed.issue).toMatch(/^[\x20-\x7e]+$/);
    }
  });

  it('re-serialises to a fixed point: parsing the canonical form gives the same form', () => {
    for (const input of ['HTTPS://GitHub.COM:443/a/b/', 'git@GitHub.com:a/b', 'ssh://git@[2001:db8::0:1]:22/a', 'https://h.example/a/%c3%a9']) {
      const once = href(input)!;
      expect(href(once)).toBe(once);
    }
  });

  it('gives the pull-request code the path of the canonical URL only', () => {
    expect(repositoryPath('git@github.com:acme/pipes.git')).toEqual({ namespace: 'acme', name: 'pipes', fullPath: 'acme/pipes' });
    expect(repositoryPath('https://gitlab.com/g/sub/repo.git')).toMatchObject({ namespace: 'g/sub', name: 'repo' });
    expect(repositoryPath('http://github.com\\@127.0.0.1:1/x.git')).toBeNull();
  });
});

describe('addresses a remote may resolve to', () => {
  it.each([
    '127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.0.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '192.0.0.170', '192.0.2.1', '198.51.100.7', '203.0.113.9', '198.18.0.1', '224.0.0.1', '255.255.255.255',
    '::1', '::', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:8.8.8.8',
    '::127.0.0.1', '64:ff9b::7f00:1', '64:ff9b:1::1', '2002:7f00:1::1', '2001:0:4136:e378::1', '2001:db8::1', '100::1', 'fec0::1',
    'not-an-address',
  ])('%s is not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['8.8.8.8', '140.82.112.3', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001::1'])('%s is public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('reads the operator list of private hosts and refuses a malformed one', () => {
    const allowance = parsePrivateHostList('gitea.internal, 10.20.0.0/16,fd00::/8', false);
    expect(allowance.names.has('gitea.internal')).toBe(true);
    expect(allowance.networks.check('10.20.3.4', 'ipv4')).toBe(true);
    expect(allowance.networks.check('10.21.3.4', 'ipv4')).toBe(false);
    for (const bad of ['10.0.0.0/33', 'a b', '10.0.0.0/8/1', 'http://x']) expect(() => parsePrivateHostList(bad, false)).toThrow();
  });
});

describe('resolving and pinning a remote', () => {
  const url = (input: string) => {
    const parsed = parseGitUrl(input);
    if (!parsed.ok) throw new Error(parsed.issue);
    return parsed.value;
  };

  it.each([
    ['loopback.test', ['127.0.0.1']],
    ['ten.test', ['10.0.0.5']],
    ['metadata.test', ['169.254.169.254']],
    ['v6-loopback.test', ['::1']],
    ['mapped.test', ['::ffff:127.0.0.1']],
    ['mixed.test', ['140.82.112.3', '127.0.0.1']],
    ['mixed-late.test', ['140.82.112.3', '8.8.8.8', '10.0.0.1']],
  ])('refuses %s -> %j with the one message', async (name, addresses) => {
    const resolver = stubResolver({ [name]: addresses });
    for (const port of [1, 22, 443, 8080]) {
      const result = await pinRemote(url(`https://${name}:${port}/a/b.git`), { resolver, allowance: NO_PRIVATE_HOSTS });
      expect(result).toEqual({ ok: false, issue: REFUSED_HOST_ISSUE, unresolved: false });
    }
  });

  it('refuses names that are this machine without asking the resolver for special names, and reads /etc/hosts and the own hostname', async () => {
    const resolver = stubResolver();
    const { hostname } = await import('node:os');
    for (const name of ['localhost', 'ip6-localhost', 'metadata.google.internal', 'x.localhost', hostname().toLowerCase()]) {
      const result = await pinRemote(url(`https://${name}/a/b`), { resolver, allowance: NO_PRIVATE_HOSTS });
      expect(result.ok, name).toBe(false);
    }
  });

  it('an unknown name is unresolved (no connection), not refused', async () => {
    const result = await pinRemote(url('https://nowhere.test/a/b'), { resolver: stubResolver(), allowance: NO_PRIVATE_HOSTS });
    expect(result).toMatchObject({ ok: false, unresolved: true });
  });

  it('pins the address it checked, even when the next answer differs (rebinding)', async () => {
    const answers = [['140.82.112.3'], ['127.0.0.1']];
    const resolver = stubResolver({ 'rebind.test': () => answers.shift() ?? ['127.0.0.1'] });
    const first = await pinRemote(url('https://rebind.test/a/b.git'), { resolver, allowance: NO_PRIVATE_HOSTS });
    expect(first).toMatchObject({ ok: true, value: { address: '140.82.112.3' } });
    expect(connectionPin((first as { value: Parameters<typeof connectionPin>[0] }).value)).toEqual({
      httpPin: [['http.curloptResolve', 'rebind.test:443:140.82.112.3']],
    });
    // The next operation resolves again and is refused: nothing is remembered from the first check.
    expect(await pinRemote(url('https://rebind.test/a/b.git'), { resolver, allowance: NO_PRIVATE_HOSTS })).toMatchObject({ ok: false, issue: REFUSED_HOST_ISSUE });
  });

  it('pins ssh by address with the name (and port) kept for host keys', async () => {
    const resolver = stubResolver({ 'git.test': ['2606:4700:4700::1111'] });
    const pinned = await pinRemote(url('ssh://git@git.test:2222/a.git'), { resolver, allowance: NO_PRIVATE_HOSTS });
    if (!pinned.ok) throw new Error(pinned.issue);
    expect(connectionPin(pinned.value)).toEqual({ httpPin: [], connectTo: { address: '2606:4700:4700::1111', hostKeyAlias: '[git.test]:2222' } });
    const https = await pinRemote(url('https://git.test:8443/a.git'), { resolver, allowance: NO_PRIVATE_HOSTS });
    if (!https.ok) throw new Error(https.issue);
    expect(connectionPin(https.value).httpPin).toEqual([['http.curloptResolve', 'git.test:8443:[2606:4700:4700::1111]']]);
  });

  it('lets the operator allow listed private names and networks only', async () => {
    const resolver = stubResolver({ 'gitea.internal': ['10.0.0.5'], 'other.test': ['10.20.0.9'], 'third.test': ['10.30.0.1'] });
    const allowance = parsePrivateHostList('gitea.internal,10.20.0.0/16', false);
    expect((await pinRemote(url('https://gitea.internal/a/b'), { resolver, allowance })).ok).toBe(true);
    expect((await pinRemote(url('https://other.test/a/b'), { resolver, allowance })).ok).toBe(true);
    expect((await pinRemote(url('https://third.test/a/b'), { resolver, allowance })).ok).toBe(false);
    expect((await pinRemote(url('https://169.254.169.254/a/b'), { resolver, allowance })).ok).toBe(false);
  });

  it('git runs without any proxy from the environment (a proxy would resolve the name itself)', () => {
    const saved = { ...process.env };
    Object.assign(process.env, { http_proxy: 'http://127.0.0.1:1', HTTPS_PROXY: 'http://127.0.0.1:1', ALL_PROXY: 'http://127.0.0.1:1', no_proxy: '' });
    try {
      expect(Object.keys(baseGitEnv()).filter((key) => /proxy/i.test(key))).toEqual([]);
    } finally {
      for (const key of ['http_proxy', 'HTTPS_PROXY', 'ALL_PROXY', 'no_proxy']) if (!(key in saved)) delete process.env[key];
    }
  });
});
