import { BlockList, isIP } from 'node:net';

// Which addresses a tenant's repository URL may make this server connect to:
// public unicast only. Every special-purpose range is refused: loopback,
// private, link-local (cloud metadata at 169.254.169.254), CGNAT, benchmarking,
// documentation (TEST-NET), multicast, reserved, and every IPv6 form that can
// carry an IPv4 address to somewhere else (IPv4-mapped and -compatible, NAT64,
// 6to4, Teredo). IPv6 is an allow-list (global unicast 2000::/3) minus those.

const specialV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // TEST-NET-1
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking, often used inside networks
  ['198.51.100.0', 24], // TEST-NET-2
  ['203.0.113.0', 24], // TEST-NET-3
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  specialV4.addSubnet(network, prefix, 'ipv4');
}

const globalV6 = new BlockList();
globalV6.addSubnet('2000::', 3, 'ipv6');
const specialV6 = new BlockList();
for (const [network, prefix] of [
  ['2001::', 23], // IETF protocol assignments, Teredo (2001::/32) among them
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds any IPv4 address
  ['3fff::', 20], // documentation
] as const) {
  specialV6.addSubnet(network, prefix, 'ipv6');
}

/** True only for a public unicast address; anything unparsable (a zone id, a name) is not. */
export function isPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) return !specialV4.check(address, 'ipv4');
  if (version === 6 && !address.includes('%')) return globalV6.check(address, 'ipv6') && !specialV6.check(address, 'ipv6');
  return false;
}

/** Names that mean "this machine" or "the cloud's metadata service" wherever they are resolved. */
const PRIVATE_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data', 'ip6-localhost', 'ip6-loopback']);
const PRIVATE_SUFFIXES = ['.localhost', '.internal', '.local', '.home.arpa', '.in-addr.arpa', '.ip6.arpa'];

export function isPrivateName(host: string): boolean {
  return PRIVATE_NAMES.has(host) || PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

/**
 * The operator's exception for self-hosted remotes on an internal network:
 * everything (`GIT_ALLOW_PRIVATE_HOSTS=true`), or listed host names and networks
 * (`GIT_ALLOWED_PRIVATE_HOSTS=gitea.internal,10.0.0.0/8`).
 */
export interface PrivateHostAllowance {
  all: boolean;
  names: ReadonlySet<string>;
  networks: BlockList;
}

export const NO_PRIVATE_HOSTS: PrivateHostAllowance = { all: false, names: new Set(), networks: new BlockList() };

/** Parses `name,name,cidr,address` (throws with the offending entry). */
export function parsePrivateHostList(list: string, all: boolean): PrivateHostAllowance {
  const names = new Set<string>();
  const networks = new BlockList();
  for (const entry of list.split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)) {
    const [network, prefix, extra] = entry.split('/');
    const version = isIP(network!);
    if (version !== 0 && extra === undefined) {
      const bits = prefix === undefined ? (version === 4 ? 32 : 128) : Number(prefix);
      if (!/^\d{1,3}$/.test(prefix ?? '0') || bits > (version === 4 ? 32 : 128)) throw new Error(`invalid network "${entry}"`);
      networks.addSubnet(network!, bits, version === 4 ? 'ipv4' : 'ipv6');
    } else if (/^[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?$/.test(entry)) {
      names.add(entry);
    } else {
      throw new Error(`invalid host name or network "${entry}"`);
    }
  }
  return { all, names, networks };
}

export function allowsPrivate(allowance: PrivateHostAllowance, host: string, address?: string): boolean {
  if (allowance.all || allowance.names.has(host)) return true;
  if (address === undefined) return false;
  const version = isIP(address);
  return version !== 0 && allowance.networks.check(address, version === 4 ? 'ipv4' : 'ipv6');
}
