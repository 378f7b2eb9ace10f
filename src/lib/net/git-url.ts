import { isIP } from 'node:net';

// The one parser of repository URLs. Git, curl, ssh, the WHATWG URL parser and
// getaddrinfo each read URLs and host names their own way; wherever two of them
// could disagree about the host, the port or the user, the input is refused
// rather than interpreted. What is accepted is re-serialised from its parts
// (`href`), and only that string is ever handed to git or stored.
//
// Accepted:  https://host[:port]/path   http://host[:port]/path
//            ssh://[user@]host[:port]/path   [user@]host:path (scp-like)   file:///path
// Hosts: lowercase DNS names (ASCII; IDNs in their xn-- form), a.b.c.d IPv4, [IPv6].

export type GitUrlProtocol = 'https' | 'http' | 'ssh' | 'file';

export interface GitUrl {
  protocol: GitUrlProtocol;
  /** scp-like `user@host:path` keeps its form: its path is relative to the login directory. */
  form: 'url' | 'scp';
  user: string | null;
  /** Lowercase name, dotted-quad IPv4, IPv6 without brackets; '' for file URLs. */
  host: string;
  hostKind: 'name' | 'ipv4' | 'ipv6' | 'none';
  /** The port git connects to (explicit or the protocol's default); 0 for file URLs. */
  port: number;
  path: string;
  /** The canonical serialisation: the only form given to git or stored. */
  href: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; issue: string };

const MAX_URL_LENGTH = 2048;
const DEFAULT_PORTS: Record<GitUrlProtocol, number> = { https: 443, http: 80, ssh: 22, file: 0 };
/** Everything else (whitespace, controls, non-ASCII, \ " ' < > ` { } | ^ ? # ; , $ & ! * ( ) =) is refused. */
const ALLOWED_CHARACTERS = /^[A-Za-z0-9._~:/@[\]%+-]+$/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
const USER = /^[A-Za-z_][A-Za-z0-9._-]{0,63}$/;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A last label that some parser (WHATWG, inet_aton) reads as a number: the whole host is then an IPv4 address. */
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/;
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const DOTTED_QUAD = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const PORT = /^[1-9][0-9]{0,4}$/;
const PATH_SEGMENT = /^(?:[A-Za-z0-9._~+-]|%[0-9A-Fa-f]{2})+$/;
/** Percent-encoded bytes that are kept: space, sub-delimiters and non-ASCII (UTF-8). The rest has a plain form or is a delimiter. */
const ENCODABLE = new Set([0x20, 0x21, 0x24, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x3b, 0x3d]);

const fail = (issue: string): { ok: false; issue: string } => ({ ok: false, issue });

export function parseGitUrl(input: string): Parsed<GitUrl> {
  if (input.length === 0) return fail('must not be empty');
  if (input.length > MAX_URL_LENGTH) return fail(`must be at most ${MAX_URL_LENGTH} characters`);
  if (!ALLOWED_CHARACTERS.test(input)) return fail(characterIssue(input));
  if (input.startsWith('-')) return fail('must not start with "-"');
  // git's remote helpers: `ext::<command>`, `fd::`, `<transport>::<address>`.
  if (/^[A-Za-z0-9+.-]*::/.test(input)) return fail('must not use a "<transport>::" remote helper');
  return input.includes('://') ? parseUrlForm(input) : parseScpForm(input);
}

function characterIssue(input: string): string {
  if (/[\s\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(input)) return 'must not contain whitespace or control characters';
  if (input.includes('\\')) return 'must not contain a backslash';
  if (/[?#]/.test(input)) return 'must not have a query or fragment';
  if (/[^\x21-\x7e]/.test(input)) return 'must be ASCII (write an international host name in its xn-- form)';
  const bad = /[^A-Za-z0-9._~:/@[\]%+-]/.exec(input)?.[0] ?? '';
  return `must not contain "${bad}"`;
}

function parseUrlForm(input: string): Parsed<GitUrl> {
  const scheme = SCHEME.exec(input)?.[1]?.toLowerCase();
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh' && scheme !== 'file') {
    return fail('must be an https://, ssh:// or git@host:path URL');
  }
  const rest = input.slice(input.indexOf('://') + 3);
  const slash = rest.indexOf('/');
  if (slash === -1) return fail('must name a repository path');
  const authority = rest.slice(0, slash);
  const path = checkPath(rest.slice(slash), scheme);
  if (!path.ok) return path;

  if (scheme === 'file') {
    if (authority !== '' && authority.toLowerCase() !== 'localhost') return fail('file URLs must not name a host');
    return { ok: true, value: { protocol: 'file', form: 'url', user: null, host: '', hostKind: 'none', port: 0, path: path.value, href: `file://${path.value}` } };
  }
  if (authority.includes('%')) return fail('must not contain percent-encoding in the host part');
  const at = authority.split('@');
  if (at.length > 2) return fail('must not contain more than one "@"');
  let user: string | null = null;
  if (at.length === 2) {
    if (scheme !== 'ssh') return fail('must not contain credentials or a user name; send them in credentials instead');
    const issue = userIssue(at[0]!);
    if (issue) return fail(issue);
    user = at[0]!;
  }
  const hostPort = splitHostPort(at[at.length - 1]!);
  if (!hostPort.ok) return hostPort;
  const host = checkHost(hostPort.value.host);
  if (!host.ok) return host;
  const port = hostPort.value.port ?? DEFAULT_PORTS[scheme];
  const hostPart = host.value.kind === 'ipv6' ? `[${host.value.host}]` : host.value.host;
  const portPart = port === DEFAULT_PORTS[scheme] ? '' : `:${port}`;
  const href = `${scheme}://${user ? `${user}@` : ''}${hostPart}${portPart}${path.value}`;
  return { ok: true, value: { protocol: scheme, form: 'url', user, host: host.value.host, hostKind: host.value.kind, port, path: path.value, href } };
}

function parseScpForm(input: string): Parsed<GitUrl> {
  const colon = input.indexOf(':');
  if (colon === -1) return fail('must be an https://, ssh:// or git@host:path URL');
  const authority = input.slice(0, colon);
  // git reads `a/b:c` as a local path, and `[...]` as an IPv6 or bracketed host:port.
  if (authority.includes('/')) return fail('must be an https://, ssh:// or git@host:path URL');
  if (/[[\]]/.test(authority)) return fail('an IPv6 host needs the ssh://user@[address]/path form');
  if (authority.includes('%')) return fail('must not contain percent-encoding in the host part');
  const at = authority.split('@');
  if (at.length > 2) return fail('must not contain more than one "@"');
  let user: string | null = null;
  if (at.length === 2) {
    const issue = userIssue(at[0]!);
    if (issue) return fail(issue);
    user = at[0]!;
  }
  const host = checkHost(at[at.length - 1]!);
  if (!host.ok) return host;
  // `https:/host/x` (a slash missing) would otherwise be the scp-like host "https".
  if (at.length === 1 && /^(?:https?|ssh|file|git|ftps?)$/.test(host.value.host)) return fail('must be an https://, ssh:// or git@host:path URL');
  const rawPath = input.slice(colon + 1);
  if (rawPath === '') return fail('must name a repository path');
  if (rawPath.startsWith('-')) return fail('path must not start with "-"');
  const path = checkPath(rawPath.startsWith('/') ? rawPath : `/${rawPath}`, 'ssh');
  if (!path.ok) return path;
  const scpPath = rawPath.startsWith('/') ? path.value : path.value.slice(1);
  const href = `${user ? `${user}@` : ''}${host.value.host}:${scpPath}`;
  return { ok: true, value: { protocol: 'ssh', form: 'scp', user, host: host.value.host, hostKind: host.value.kind, port: 22, path: scpPath, href } };
}

function userIssue(user: string): string | null {
  if (user === '') return 'must not have an empty user name before "@"';
  if (user.includes(':')) return 'must not contain a password; send credentials separately';
  if (user.startsWith('-')) return 'user must not start with "-"';
  if (!USER.test(user)) return 'has an invalid user name';
  return null;
}

function splitHostPort(hostPort: string): Parsed<{ host: string; port: number | null }> {
  let host: string;
  let port: string | undefined;
  if (hostPort.startsWith('[')) {
    const close = hostPort.indexOf(']');
    if (close === -1) return fail('has an invalid host');
    host = hostPort.slice(0, close + 1);
    const after = hostPort.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return fail('has an invalid host');
    port = after === '' ? undefined : after.slice(1);
  } else {
    const parts = hostPort.split(':');
    if (parts.length > 2) return fail('has an invalid host');
    [host, port] = parts as [string, string | undefined];
  }
  if (port === undefined) return { ok: true, value: { host, port: null } };
  if (!PORT.test(port) || Number(port) > 65535) return fail('has an invalid port (1-65535, no leading zeros)');
  return { ok: true, value: { host, port: Number(port) } };
}

function checkHost(raw: string): Parsed<{ host: string; kind: 'name' | 'ipv4' | 'ipv6' }> {
  if (raw === '') return fail('must name a host');
  if (raw.startsWith('-')) return fail('host must not start with "-"');
  if (raw.startsWith('[')) {
    const inner = raw.slice(1, -1);
    if (!raw.endsWith(']') || isIP(inner) !== 6) return fail('has an invalid IPv6 address');
    // Dotted IPv4 inside IPv6 is read differently by different parsers; the hex form is the same address.
    if (inner.includes('.')) return fail('IPv6 addresses must be written in hex, without an embedded a.b.c.d');
    // The WHATWG serialiser gives the RFC 5952 form (lowercase, zeros compressed).
    return { ok: true, value: { host: new URL(`http://[${inner}]/`).hostname.slice(1, -1), kind: 'ipv6' } };
  }
  const host = raw.toLowerCase();
  if (host.endsWith('.')) return fail('host must not end with "."');
  if (host.length > 253) return fail('has an invalid host');
  const labels = host.split('.');
  if (NUMERIC_LABEL.test(labels[labels.length - 1]!)) {
    if (DOTTED_QUAD.test(host)) return { ok: true, value: { host, kind: 'ipv4' } };
    return fail('IPv4 addresses must be written as four decimal numbers a.b.c.d, without leading zeros');
  }
  if (!labels.every((label) => LABEL.test(label))) return fail('has an invalid host');
  return { ok: true, value: { host, kind: 'name' } };
}

/** An absolute path of non-empty segments, none of them `.`, `..` or starting with "-". */
function checkPath(path: string, protocol: GitUrlProtocol): Parsed<string> {
  const segments = path.slice(1).split('/');
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop(); // one trailing slash
  if (segments.length === 0 || segments[0] === '') return fail('must name a repository path');
  const canonical: string[] = [];
  for (const segment of segments) {
    if (segment === '') return fail('must not contain empty path segments ("//")');
    if (!PATH_SEGMENT.test(segment)) return fail('has an invalid path');
    if (segment.includes('%') && protocol !== 'https' && protocol !== 'http') return fail('must not contain percent-encoding in an ssh or file path');
    const normalised = segment.replace(/%[0-9A-Fa-f]{2}/g, (code) => code.toUpperCase());
    for (const code of normalised.match(/%[0-9A-F]{2}/g) ?? []) {
      const byte = Number.parseInt(code.slice(1), 16);
      if (byte < 0x80 && !ENCODABLE.has(byte)) return fail(`must not percent-encode "${code}" in the path`);
    }
    if (segment === '.' || segment === '..') return fail('must not contain "." or ".." path segments');
    if (segment.startsWith('-')) return fail('path segments must not start with "-"');
    canonical.push(normalised);
  }
  return { ok: true, value: `/${canonical.join('/')}${path.endsWith('/') ? '/' : ''}` };
}
