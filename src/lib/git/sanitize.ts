// Everything git or a provider prints may echo a URL with user info, an
// Authorization header or (in odd failure modes) the token itself. Messages we
// store or return pass through here first.
//
// A remote controls what git prints (`remote:` lines), so this runs in time
// linear in its input: the known secrets are removed with plain string search,
// only the tail is looked at after that (git's own error comes last), and every
// pattern below either has no quantifier that can give back what a neighbour
// wants, or is a hand scan. A catastrophic regex here would freeze the event loop
// for every request of every team.

const MAX_MESSAGE = 500;
/** Characters of the (secret-free) tail the patterns look at. */
const MAX_SCAN = 16 * 1024;

export function sanitizeGitOutput(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  out = scrubPatterns(tail(out, MAX_SCAN));
  const lines = out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^hint:/i.test(line));
  const joined = lines.join('; ');
  return joined.length > MAX_MESSAGE ? `…${joined.slice(-MAX_MESSAGE)}` : joined;
}

/**
 * The last `max` characters, starting at a line boundary (or at least a word
 * boundary) so no header, URL or token is cut in half and left unrecognisable.
 */
function tail(text: string, max: number): string {
  if (text.length <= max) return text;
  const window = text.slice(-max);
  const newline = window.indexOf('\n');
  if (newline !== -1) return window.slice(newline + 1);
  const space = window.search(/\s/);
  return space === -1 ? '' : window.slice(space + 1);
}

function scrubPatterns(text: string): string {
  return scrubPrivateKeys(text)
    // URL user info: from `://` to the authority's last `@`. `[^\s/]` cannot cross the
    // next `://`, so every character is scanned a bounded number of times.
    .replace(/:\/\/[^\s/]*@/g, '://***@')
    // Credential headers. The optional scheme starts with a letter and is followed by
    // whitespace, and `\S*` may match nothing: no overlap, no failing backtrack.
    .replace(/\b(authorization|private-token|cookie)(:\s*)(?:(?:basic|bearer|token)\s+)?\S*/gi, '$1$2***')
    // Provider tokens: a fixed prefix, then a greedy run with nothing after it to satisfy.
    .replace(/(?:gh[pousr]_|github_pat_)[A-Za-z0-9_]{16,}|glpat-[A-Za-z0-9_-]{16,}/g, '***');
}

const BEGIN = '-----BEGIN ';
const END = '-----END ';
const KEY_HEADER_END = 'PRIVATE KEY-----';

/** Every PEM/OpenSSH private key block, also one cut off at either end. */
function scrubPrivateKeys(text: string): string {
  const markers = [...keyMarkers(text, BEGIN, 'begin'), ...keyMarkers(text, END, 'end')].sort((a, b) => a.at - b.at);
  if (markers.length === 0) return text;
  let out = '';
  let from = 0;
  let inKey = false;
  for (const marker of markers) {
    if (marker.at < from) continue;
    if (marker.kind === 'begin' && !inKey) {
      out += `${text.slice(from, marker.at)}***`;
      inKey = true;
    } else if (marker.kind === 'end') {
      // An END without its BEGIN (the start fell outside the window): everything before it is key material.
      if (!inKey) out += '***';
      inKey = false;
    }
    from = marker.next;
  }
  return inKey ? out : out + text.slice(from);
}

/** Every `-----BEGIN|END … PRIVATE KEY-----` marker, with the index just after it. */
function keyMarkers(text: string, marker: string, kind: 'begin' | 'end') {
  const found: { at: number; next: number; kind: 'begin' | 'end' }[] = [];
  for (let at = text.indexOf(marker); at !== -1; at = text.indexOf(marker, at + 1)) {
    // The key type ("RSA ", "OPENSSH ", "ENCRYPTED ") is short; a bounded look keeps this linear.
    const headerStart = at + marker.length;
    const close = text.slice(headerStart, headerStart + 40 + KEY_HEADER_END.length).indexOf(KEY_HEADER_END);
    if (close !== -1) found.push({ at, next: headerStart + close + KEY_HEADER_END.length, kind });
  }
  return found;
}
