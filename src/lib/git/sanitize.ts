// Everything git or a provider prints may echo a URL with user info, an
// Authorization header or (in odd failure modes) the token itself. Messages we
// store or return pass through here first.

const MAX_MESSAGE = 500;

export function sanitizeGitOutput(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 4) out = out.split(secret).join('***');
  }
  out = out
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
    .replace(/(authorization:\s*)(basic|bearer|token)?\s*\S+/gi, '$1***')
    .replace(/\b(gh[pousr]_[A-Za-z0-9]{16,}|glpat-[A-Za-z0-9_-]{16,})\b/g, '***')
    .replace(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '***');
  const lines = out
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^hint:/i.test(line));
  const joined = lines.join('; ');
  return joined.length > MAX_MESSAGE ? `${joined.slice(0, MAX_MESSAGE)}…` : joined;
}
