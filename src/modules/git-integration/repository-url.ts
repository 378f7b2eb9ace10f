import { BlockList, isIP } from 'node:net';
import { invalidRequest, type FieldIssue } from '../../lib/errors.js';
import { hasControlCharacter } from '../../lib/text.js';
import type { GitProtocol } from './config.js';

// What a team may configure as its remote, and where pipelines go inside it.
// Both end up as arguments of the git binary, so everything that git would read
// as an option, a helper transport or a credential is refused here, before it is stored.

export interface RepositoryUrlPolicy {
  allowedProtocols: ReadonlySet<GitProtocol>;
  /** Loopback, private, link-local and cloud metadata hosts (refused unless true). */
  allowPrivateHosts: boolean;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issue: string };

export interface RepositoryUrl {
  url: string;
  protocol: GitProtocol;
  /** Lowercase host; '' for file:// URLs. */
  host: string;
}

const MAX_URL_LENGTH = 2048;
const SCP_LIKE = /^(?:([A-Za-z0-9_][A-Za-z0-9._~-]*)@)?([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(.+)$/;
const HOST_LABELS = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

const PRIVATE_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data']);
const PRIVATE_SUFFIXES = ['.localhost', '.internal', '.local'];

// Two lists: one BlockList matches IPv4 addresses against IPv4-mapped IPv6 rules too.
const privateV4 = new BlockList();
const privateV6 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  privateV4.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  privateV6.addSubnet(network, prefix, 'ipv6');
}

/**
 * The host as a resolver would see it: IPv4 in any notation (decimal, hex, octal,
 * short forms) canonicalised by the WHATWG URL parser, brackets and trailing dot removed.
 */
function canonicalHost(host: string): string | null {
  try {
    const parsed = new URL(`http://${host}/`).hostname.toLowerCase();
    return parsed.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  } catch {
    return null;
  }
}

export function isPrivateHost(host: string): boolean {
  const version = isIP(host);
  if (version === 4) return privateV4.check(host, 'ipv4');
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) forms could hide any IPv4 address: refused as a whole.
  if (version === 6) return privateV6.check(host, 'ipv6') || /^(::ffff:|64:ff9b::)/.test(host);
  return PRIVATE_NAMES.has(host) || PRIVATE_SUFFIXES.some((suffix) => host.endsWith(suffix));
}

function checkHost(rawHost: string, policy: RepositoryUrlPolicy): Checked<string> {
  if (rawHost === '') return { ok: false, issue: 'must name a host' };
  if (rawHost.startsWith('-')) return { ok: false, issue: 'host must not start with "-"' };
  const host = canonicalHost(rawHost);
  if (host === null || (isIP(host) === 0 && !HOST_LABELS.test(host))) return { ok: false, issue: 'has an invalid host' };
  if (!policy.allowPrivateHosts && isPrivateHost(host)) {
    return { ok: false, issue: 'must not point to a loopback, private, link-local or metadata address' };
  }
  return { ok: true, value: host };
}

function protocolAllowed(protocol: GitProtocol, policy: RepositoryUrlPolicy): Checked<GitProtocol> {
  if (policy.allowedProtocols.has(protocol)) return { ok: true, value: protocol };
  const allowed = [...policy.allowedProtocols].join(', ');
  return { ok: false, issue: `${protocol} URLs are not allowed on this server (allowed: ${allowed})` };
}

function checkUrlForm(url: string, policy: RepositoryUrlPolicy): Checked<RepositoryUrl> {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh' && scheme !== 'file') {
    return { ok: false, issue: 'must be an https://, ssh:// or git@host:path URL' };
  }
  const protocol = protocolAllowed(scheme, policy);
  if (!protocol.ok) return protocol;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, issue: 'is not a valid URL' };
  }
  if (parsed.search || parsed.hash || url.includes('#')) return { ok: false, issue: 'must not have a query or fragment' };
  if (scheme === 'file') {
    if (parsed.host !== '' && parsed.host !== 'localhost') return { ok: false, issue: 'file URLs must not name a host' };
    if (parsed.pathname.length <= 1) return { ok: false, issue: 'must name a repository path' };
    return { ok: true, value: { url, protocol: 'file', host: '' } };
  }
  if (parsed.password || (parsed.username && scheme !== 'ssh')) {
    return { ok: false, issue: 'must not contain credentials; send them in credentials instead' };
  }
  if (parsed.username.startsWith('-')) return { ok: false, issue: 'user must not start with "-"' };
  const host = checkHost(parsed.hostname, policy);
  if (!host.ok) return host;
  if (parsed.pathname.length <= 1) return { ok: false, issue: 'must name a repository path' };
  return { ok: true, value: { url, protocol: scheme, host: host.value } };
}

function checkScpForm(url: string, policy: RepositoryUrlPolicy): Checked<RepositoryUrl> {
  const match = SCP_LIKE.exec(url);
  if (!match) return { ok: false, issue: 'must be an https://, ssh:// or git@host:path URL' };
  const [, , rawHost, path] = match as unknown as [string, string | undefined, string, string];
  const protocol = protocolAllowed('ssh', policy);
  if (!protocol.ok) return protocol;
  const host = checkHost(rawHost, policy);
  if (!host.ok) return host;
  if (path.startsWith('-')) return { ok: false, issue: 'path must not start with "-"' };
  return { ok: true, value: { url, protocol: 'ssh', host: host.value } };
}

export function checkRepositoryUrl(url: string, policy: RepositoryUrlPolicy): Checked<RepositoryUrl> {
  if (url.length === 0) return { ok: false, issue: 'must not be empty' };
  if (url.length > MAX_URL_LENGTH) return { ok: false, issue: `must be at most ${MAX_URL_LENGTH} characters` };
  if (/\s/u.test(url) || hasControlCharacter(url)) return { ok: false, issue: 'must not contain whitespace or control characters' };
  if (url.startsWith('-')) return { ok: false, issue: 'must not start with "-"' };
  // git's remote helpers: `ext::<command>`, `fd::`, `<transport>::<address>`.
  if (/^[A-Za-z0-9+.-]*::/.test(url)) return { ok: false, issue: 'must not use a "<transport>::" remote helper' };
  return url.includes('://') ? checkUrlForm(url, policy) : checkScpForm(url, policy);
}

const MAX_PREFIX_LENGTH = 512;
// Backslash (Windows separator), and characters git pathspecs treat as magic or globs.
const PREFIX_FORBIDDEN = /[\\*?[\]:]/;

/** '' (repository root) or a relative directory ending in '/'. */
export function normalizePathPrefix(prefix: string): Checked<string> {
  if (prefix === '' || prefix === '/') return prefix === '' ? { ok: true, value: '' } : { ok: false, issue: 'must be relative; use "" for the repository root' };
  if (prefix.length > MAX_PREFIX_LENGTH) return { ok: false, issue: `must be at most ${MAX_PREFIX_LENGTH} characters` };
  if (PREFIX_FORBIDDEN.test(prefix) || hasControlCharacter(prefix)) return { ok: false, issue: 'must not contain backslashes, control characters or any of * ? [ ] :' };
  if (prefix.startsWith('/')) return { ok: false, issue: 'must be a relative path inside the repository' };
  const segments = (prefix.endsWith('/') ? prefix.slice(0, -1) : prefix).split('/');
  for (const segment of segments) {
    if (segment === '') return { ok: false, issue: 'must not contain empty segments ("//")' };
    if (segment === '.' || segment === '..') return { ok: false, issue: 'must not contain "." or ".." segments' };
    if (segment.toLowerCase() === '.git') return { ok: false, issue: 'must not contain a ".git" segment' };
    if (segment.startsWith('-')) return { ok: false, issue: 'segments must not start with "-"' };
    if (segment !== segment.trim()) return { ok: false, issue: 'segments must not start or end with spaces' };
  }
  return { ok: true, value: `${segments.join('/')}/` };
}

/** Throwing forms for services: a 400 whose detail names `field`. */
export function validateRepositoryUrl(url: string, policy: RepositoryUrlPolicy, field = 'body.repository_url'): RepositoryUrl {
  const result = checkRepositoryUrl(url, policy);
  if (!result.ok) throw invalidRequest('Invalid repository_url', [{ field, issue: result.issue }]);
  return result.value;
}

export function validatePathPrefix(prefix: string, field = 'body.path_prefix'): string {
  const result = normalizePathPrefix(prefix);
  if (!result.ok) throw invalidRequest('Invalid path_prefix', [{ field, issue: result.issue } satisfies FieldIssue]);
  return result.value;
}
