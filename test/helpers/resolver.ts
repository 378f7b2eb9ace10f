import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import type { HostResolver } from '../../src/lib/net/resolver.js';

// The resolver every test app gets (buildApp's `resolver`): no test sends a DNS query.
// Names come from a fixed map, then from /etc/hosts (read here, not through getaddrinfo),
// and the machine's own name; anything else is ENOTFOUND.

/** Public addresses for the hosted providers' names that config tests save (never connected to). */
const PUBLIC_TEST_HOSTS: Record<string, string[]> = {
  'github.com': ['140.82.112.3'],
  'gitlab.com': ['172.65.251.78'],
  'bitbucket.org': ['104.192.141.1'],
  'gitlab.example.com': ['93.184.215.14'],
  'git.example.com': ['93.184.215.14'],
};

export type StubAnswer = string[] | (() => string[]);

export interface StubResolver extends HostResolver {
  /** Every name asked, in order. */
  readonly queries: string[];
  set(name: string, answer: StubAnswer): void;
}

function etcHosts(): Map<string, string[]> {
  const names = new Map<string, string[]>();
  let text = '';
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const [address, ...aliases] = line.replace(/#.*/, '').trim().split(/\s+/);
    if (!address || isIP(address) === 0) continue;
    for (const alias of aliases) names.set(alias.toLowerCase(), [...(names.get(alias.toLowerCase()) ?? []), address]);
  }
  return names;
}

export function stubResolver(entries: Record<string, StubAnswer> = {}): StubResolver {
  const answers = new Map<string, StubAnswer>(Object.entries({ ...PUBLIC_TEST_HOSTS, ...entries }));
  const hosts = etcHosts();
  const own = hostname().toLowerCase();
  const queries: string[] = [];
  const resolve = (async (name: string) => {
    queries.push(name);
    const answer = answers.get(name) ?? hosts.get(name) ?? (name === own ? ['127.0.0.1'] : undefined);
    const addresses = typeof answer === 'function' ? answer() : answer;
    if (!addresses || addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: isIP(address) === 6 ? (6 as const) : (4 as const) }));
  }) as StubResolver;
  Object.defineProperty(resolve, 'queries', { value: queries });
  resolve.set = (name, answer) => void answers.set(name, answer);
  return resolve;
}
