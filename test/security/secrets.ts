import { expect } from 'vitest';

/** The forms a secret takes on its way out: as is, URL-encoded, base64 (Basic auth), JSON-escaped. */
function forms(secret: string): string[] {
  const lines = secret.split('\n').filter((line) => line.length >= 24 && !line.startsWith('-----'));
  // A PEM key is caught by any of its body lines, however the newlines were escaped.
  if (lines.length > 0) return lines;
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), JSON.stringify(secret).slice(1, -1)];
}

/** Fails naming the secret (never printing it whole) when `text` contains any form of any secret. */
export function assertNoSecretsIn(text: string, secrets: Record<string, string>, where: string): void {
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of forms(secret)) {
      expect(text.includes(form), `${where} contains ${name} (${form.slice(0, 6)}...)`).toBe(false);
    }
  }
}
