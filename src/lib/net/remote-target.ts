import { allowsPrivate, isPrivateName, isPublicAddress, type PrivateHostAllowance } from './address-policy.js';
import type { GitUrl } from './git-url.js';
import type { HostResolver } from './resolver.js';

// Where git may connect for one operation, decided before it connects: the host
// name is resolved, every address it resolves to is checked, and git is pinned
// to the first of them (curl's resolve list for http(s), ssh's HostName for ssh),
// so a second DNS answer between the check and the connection cannot move it.
// Done again for every operation: nothing resolved earlier is trusted.

export interface PinnedRemote {
  url: GitUrl;
  /** The checked address git connects to; null for file URLs. */
  address: string | null;
}

/** The same words for every refused host, whatever its port: no answer may tell an open port from a closed one. */
export const REFUSED_HOST_ISSUE = 'must not point to a loopback, private, link-local, metadata or other non-public address';
const UNRESOLVED_HOST_ISSUE = 'names a host that could not be resolved';

export type PinResult = { ok: true; value: PinnedRemote } | { ok: false; issue: string; unresolved: boolean };

export interface PinOptions {
  resolver: HostResolver;
  allowance: PrivateHostAllowance;
}

export async function pinRemote(url: GitUrl, options: PinOptions): Promise<PinResult> {
  if (url.hostKind === 'none') return { ok: true, value: { url, address: null } };
  const refused = { ok: false as const, issue: REFUSED_HOST_ISSUE, unresolved: false };
  if (url.hostKind === 'name' && isPrivateName(url.host) && !allowsPrivate(options.allowance, url.host)) return refused;
  let addresses: string[];
  if (url.hostKind === 'name') {
    addresses = await options.resolver(url.host).then(
      (list) => list.map((entry) => entry.address),
      () => [],
    );
    if (addresses.length === 0) return { ok: false, issue: UNRESOLVED_HOST_ISSUE, unresolved: true };
  } else {
    addresses = [url.host];
  }
  // Every address, not only the first: getaddrinfo's order (and the client's retries) may pick any of them.
  for (const address of addresses) {
    if (!isPublicAddress(address) && !allowsPrivate(options.allowance, url.host, address)) return refused;
  }
  return { ok: true, value: { url, address: addresses[0]! } };
}

/** What git needs to connect where the check said: config pairs (GIT_CONFIG_*) for curl, or ssh's target. */
export interface ConnectionPin {
  httpPin: [string, string][];
  /** ssh connects to `address`; host keys stay recorded and checked under the name (and port). */
  connectTo?: { address: string; hostKeyAlias: string };
}

export function connectionPin(remote: PinnedRemote): ConnectionPin {
  const { url, address } = remote;
  // A literal address is connected to as written; file URLs connect nowhere.
  if (address === null || url.hostKind !== 'name') return { httpPin: [] };
  if (url.protocol === 'ssh') {
    return { httpPin: [], connectTo: { address, hostKeyAlias: url.port === 22 ? url.host : `[${url.host}]:${url.port}` } };
  }
  const target = address.includes(':') ? `[${address}]` : address;
  return { httpPin: [['http.curloptResolve', `${url.host}:${url.port}:${target}`]] };
}

/**
 * One checked remote as git is given it: the canonical URL and the pin for exactly
 * that URL, both made from one PinnedRemote so they cannot diverge. Network git
 * commands get `url` on their command line (never a remote name from the clone's
 * config) with credentials prepared for this target (src/lib/git/auth.ts).
 */
export interface GitTarget extends ConnectionPin {
  url: string;
}

export function gitTarget(remote: PinnedRemote): GitTarget {
  return { url: remote.url.href, ...connectionPin(remote) };
}
