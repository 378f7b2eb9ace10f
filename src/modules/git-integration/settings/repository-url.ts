import { isIP } from 'node:net';
import { hasControlCharacter } from '../../../lib/text.js';
import { allowsPrivate, isPrivateName, isPublicAddress, NO_PRIVATE_HOSTS, type PrivateHostAllowance } from '../../../lib/net/address-policy.js';
import { parseGitUrl, type GitUrl } from '../../../lib/net/git-url.js';
import { pinRemote, REFUSED_HOST_ISSUE, type PinnedRemote } from '../../../lib/net/remote-target.js';
import type { HostResolver } from '../../../lib/net/resolver.js';
import type { GitProtocol } from '../env.js';
import { savedUrlRefused } from '../errors.js';

// What a team may configure as its remote, and where pipelines go inside it.
// Both end up as arguments of the git binary, so everything that git would read
// as an option, a helper transport or a credential is refused here, before it is
// stored. The URL goes through the one strict parser (src/lib/net/git-url.ts);
// its canonical form is what is stored and given to git.

export interface RepositoryUrlPolicy {
  allowedProtocols: ReadonlySet<GitProtocol>;
  /** Loopback, private, link-local and cloud metadata hosts (refused unless true). */
  allowPrivateHosts: boolean;
  /** Finer exception: listed names and networks (GIT_ALLOWED_PRIVATE_HOSTS). */
  privateHosts?: PrivateHostAllowance;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; issue: string };

export interface RepositoryUrl {
  /** The canonical URL: store and use this, never the input. */
  url: string;
  protocol: GitProtocol;
  /** Lowercase host; '' for file:// URLs. */
  host: string;
  /** The port git connects to; 0 for file:// URLs. */
  port: number;
  parsed: GitUrl;
}

function privateHostAllowance(policy: RepositoryUrlPolicy): PrivateHostAllowance {
  if (policy.allowPrivateHosts) return { ...NO_PRIVATE_HOSTS, all: true };
  return policy.privateHosts ?? NO_PRIVATE_HOSTS;
}

/** A literal address or a name that is private wherever it is resolved (before any DNS). */
function isPrivateHost(host: string): boolean {
  return isIP(host) !== 0 ? !isPublicAddress(host) : isPrivateName(host);
}

/** The synchronous checks: syntax, protocol, and hosts that are private without resolving them. */
export function checkRepositoryUrl(url: string, policy: RepositoryUrlPolicy): Checked<RepositoryUrl> {
  const parsed = parseGitUrl(url);
  if (!parsed.ok) return parsed;
  const { protocol, host, port } = parsed.value;
  if (!policy.allowedProtocols.has(protocol)) {
    const allowed = [...policy.allowedProtocols].join(', ');
    return { ok: false, issue: `${protocol} URLs are not allowed on this server (allowed: ${allowed})` };
  }
  if (host !== '' && isPrivateHost(host) && !allowsPrivate(privateHostAllowance(policy), host, isIP(host) ? host : undefined)) {
    return { ok: false, issue: REFUSED_HOST_ISSUE };
  }
  return { ok: true, value: { url: parsed.value.href, protocol, host, port, parsed: parsed.value } };
}

/**
 * Every check, DNS included: the name is resolved and each of its addresses
 * checked. `unresolved` tells a name without addresses from a refused one.
 */
export async function checkRemote(
  url: string,
  policy: RepositoryUrlPolicy,
  resolver: HostResolver,
): Promise<{ ok: true; value: RepositoryUrl; remote: PinnedRemote } | { ok: false; issue: string; unresolved: boolean }> {
  const checked = checkRepositoryUrl(url, policy);
  if (!checked.ok) return { ...checked, unresolved: false };
  const pinned = await pinRemote(checked.value.parsed, { resolver, allowance: privateHostAllowance(policy) });
  if (!pinned.ok) return pinned;
  return { ok: true, value: checked.value, remote: pinned.value };
}

/**
 * A saved URL, checked again without DNS (syntax, protocol, literal private hosts): for a request
 * that may answer without a connection. Whatever connects uses requireSavedRemote.
 */
export function requireSavedUrl(url: string, policy: RepositoryUrlPolicy): RepositoryUrl {
  const checked = checkRepositoryUrl(url, policy);
  if (!checked.ok) throw savedUrlRefused(checked.issue);
  return checked.value;
}

/**
 * A saved URL, checked again for use now (the policy, the DNS, or the parser may
 * have changed since it was saved; rows from before the strict parser may not
 * be canonical): a 409 the UI can show otherwise.
 */
export async function requireSavedRemote(url: string, policy: RepositoryUrlPolicy, resolver: HostResolver): Promise<PinnedRemote> {
  const checked = await checkRemote(url, policy, resolver);
  if (!checked.ok) throw savedUrlRefused(checked.issue);
  return checked.remote;
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
