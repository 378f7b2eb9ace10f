import { createServer, type AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { stubResolver } from '../helpers/resolver.js';
import { isPublicAddress } from '../../src/lib/net/address-policy.js';
import { parseGitUrl } from '../../src/lib/net/git-url.js';

// Repository URLs and host names built from the pieces of issue 11's findings 2 and 3
// (parser differentials, odd address notations, names that resolve inside), posted to
// POST /api/git-integration and POST /api/git-integration/test with a token, under the
// default policy (https and ssh, no private hosts). Properties:
// - never a 5xx; a refusal is a 400 on body.repository_url;
// - a saved URL is the canonical form of the input, a fixed point of the parser, read
//   the same way by the WHATWG parser (host and port), and its host resolves to public
//   addresses only;
// - /test never reaches anything (a listener on 127.0.0.1 counts connections) for a
//   target that is not public; those for public names are not sent (no packet leaves).
// FUZZ_RUNS / FUZZ_SEED as in fuzz.test.ts.

const RUNS = Number(process.env.FUZZ_RUNS ?? 40) * 3;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const TOKEN = 'tok_FuzzUrls_s3cret_0123456789';

const PUBLIC: Record<string, string[]> = { 'public.test': ['140.82.112.3'], 'github.com': ['140.82.112.3'], 'v6public.test': ['2606:4700:4700::1111'] };
const INSIDE: Record<string, string[]> = {
  'inside.test': ['127.0.0.1'],
  'ten.test': ['10.0.0.7'],
  'metadata.test': ['169.254.169.254'],
  'v6inside.test': ['::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
  'mixed.test': ['140.82.112.3', '127.0.0.1'],
};

let t: TestApp;
let auth: string;
let port: number;
let connections = 0;
const listener = createServer((socket) => {
  connections++;
  socket.destroy();
});

beforeAll(async () => {
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  t = await createTestApp({ resolver: stubResolver({ ...PUBLIC, ...INSIDE }), env: { GIT_ALLOWED_PROTOCOLS: 'https,ssh', GIT_ALLOW_PRIVATE_HOSTS: 'false' } });
  auth = `Bearer ${await t.token({ team: 'fuzz-urls', user: 'fay', scopes: ['git:read', 'git:write'] })}`;
});
afterAll(async () => {
  await t?.close();
  await new Promise((resolve) => listener.close(resolve));
});

const hosts = [
  ...Object.keys(PUBLIC), ...Object.keys(INSIDE), 'PUBLIC.TEST', 'public.test.', 'localhost', 'localhost.', 'LocalHost', hostname(), 'x.localhost',
  'metadata.google.internal', '127.0.0.1', '127.1', '0x7f.1', '0x7f000001', '2130706433', '017700000001', '0177.0.0.1', '0', '0.0.0.0',
  '169.254.169.254', '[::1]', '[::]', '[::ffff:7f00:1]', '[::ffff:127.0.0.1]', '[fe80::1%25eth0]', '[64:ff9b::7f00:1]', '[2002:7f00:1::1]',
  'github.com\\', 'github.com%2f', 'gith%75b.com', 'github\u3002com', 'github\uff0ecom', 'gіthub.com', 'bücher.example', 'xn--bcher-kva.example',
  'no-such-host.test', '-oProxyCommand=x', '',
];
const users = ['', 'git@', 'github.com@', 'github.com\\@', 'public.test@', 'a@@', '@', 'git:pw@', 'git:@', '%40', '-oProxyCommand=x@', 'GIT@'];
const ports = ['', `:${0}`, ':443', ':0443', ':65536', ':', ':22', ':1', ':99999'];
const dynamicPort = fc.constantFrom('', ':PORT');
const paths = ['/acme/pipes.git', '/a/../b', '/a/%2e%2e/b', '/a%2fb', '/a\\b', '/a b', '/\t', '/-x', '/a?x=1', '/a#f', '', '/', '//a', '/a/%20b', '/a/%c3%a9'];
const schemes = ['https://', 'http://', 'ssh://', 'HTTPS://', 'git://', 'file://', 'https:/', 'https:\\\\', 'https:///', ''];
const inserts = ['\\', '\t', '\n', '\r', '\0', '%', '@', ' ', '\u00a0', '\u200b', '\u202e', '\u3002', '#', '?', ':', '[', ']', '/', '.', '..'];

/** Mostly one of `list`, often `usual`: so that enough generated URLs are valid and the "saved" branch runs. */
const usually = <T>(usual: T, list: T[]) => fc.oneof({ weight: 3, arbitrary: fc.constant(usual) }, { weight: 2, arbitrary: fc.constantFrom(...list) });

const urlArbitrary = fc
  .record({
    scheme: usually('https://', schemes),
    user: usually('', users),
    host: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...Object.keys(PUBLIC), 'PUBLIC.TEST') }, { weight: 2, arbitrary: fc.constantFrom(...hosts) }),
    port: fc.oneof(usually('', ports), dynamicPort),
    path: usually('/acme/pipes.git', paths),
    scp: fc.boolean(),
    insert: fc.option(fc.tuple(fc.constantFrom(...inserts), fc.nat()), { freq: 2 }),
  })
  .map(({ scheme, user, host, port: p, path, scp, insert }) => {
    const portText = p === ':PORT' ? `:${port}` : p;
    let url = scp ? `${user}${host}:${path.replace(/^\//, '')}` : `${scheme}${user}${host}${portText}${path}`;
    if (insert) {
      const at = insert[1] % (url.length + 1);
      url = `${url.slice(0, at)}${insert[0]}${url.slice(at)}`;
    }
    return url;
  });

/** Where a parsed URL would connect, as the stub answers: only names of PUBLIC, or public literals, count as public. */
function targetIsPublic(url: string): boolean {
  const parsed = parseGitUrl(url);
  if (!parsed.ok) return false;
  const { host, hostKind } = parsed.value;
  if (hostKind === 'name') return (PUBLIC[host] ?? []).length > 0;
  return hostKind !== 'none' && isPublicAddress(host);
}

describe('fuzzing repository URLs and host names (issue 11, findings 2 and 3)', () => {
  it('never saves a URL that is not canonical, public and read alike by WHATWG; /test never connects inside', { timeout: 180_000 }, async () => {
    const outcomes = { saved: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(urlArbitrary, async (url) => {
        const saved = await t.http().post('/api/git-integration').set('authorization', auth).send({ provider: 'generic', repository_url: url, credentials: { type: 'token', token: TOKEN } });
        expect([200, 400], `${JSON.stringify(url)} -> ${saved.text}`).toContain(saved.status);
        outcomes[saved.status === 200 ? 'saved' : 'refused']++;
        if (saved.status === 400) {
          expect(saved.body.error.code).toBe('invalid_request');
          expect(saved.text).not.toContain(TOKEN);
        } else {
          const stored: string = saved.body.data.repository_url;
          const parsed = parseGitUrl(url);
          expect(parsed.ok && parsed.value.href).toBe(stored);
          const again = parseGitUrl(stored);
          expect(again.ok && again.value.href).toBe(stored);
          expect(targetIsPublic(stored), stored).toBe(true);
          if (again.ok && again.value.form === 'url') {
            const whatwg = new URL(stored);
            expect(whatwg.hostname.replace(/^\[(.*)\]$/, '$1')).toBe(again.value.host);
            expect(Number(whatwg.port || { https: 443, http: 80, ssh: 22, file: 0 }[again.value.protocol])).toBe(again.value.port);
            expect(whatwg.username).toBe(again.value.user ?? '');
          }
        }
        // A public target would send packets off this machine: only the others go to /test.
        if (targetIsPublic(url)) return;
        const tested = await t.http().post('/api/git-integration/test').set('authorization', auth).send({ repository_url: url, credentials: { type: 'token', token: TOKEN } });
        expect([200, 400], `${JSON.stringify(url)} -> ${tested.text}`).toContain(tested.status);
        if (tested.status === 200) expect(tested.body.data).toMatchObject({ reachable: false, reason: expect.stringMatching(/could not be resolved/) });
        expect(tested.text).not.toContain(TOKEN);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    expect(connections).toBe(0);
    // Both branches of the property ran (a generator that only produces refusals would prove nothing).
    expect(outcomes.saved).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
