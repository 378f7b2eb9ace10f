import { createSign } from 'node:crypto';
import { providerJson } from './http.js';

// GitHub App authentication: an RS256 JWT signed with the App's private key
// (iss = App id, valid 10 minutes, backdated 60 s for clock drift) is exchanged
// for a short-lived installation token, which git then uses like any token.

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function createAppJwt(appId: string, privateKeyPem: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: appId }));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(privateKeyPem).toString('base64url')}`;
}

export interface InstallationToken {
  token: string;
  expiresAt: string;
}

export async function createInstallationToken(input: {
  apiBaseUrl: string;
  appId: string;
  privateKey: string;
  installationId: string;
  timeoutMs: number;
}): Promise<InstallationToken> {
  const jwt = createAppJwt(input.appId, input.privateKey);
  const created = await providerJson<{ token: string; expires_at: string }>({
    method: 'POST',
    url: `${input.apiBaseUrl}/app/installations/${encodeURIComponent(input.installationId)}/access_tokens`,
    headers: { authorization: `Bearer ${jwt}`, accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
    timeoutMs: input.timeoutMs,
    secrets: [jwt],
  });
  return { token: created.token, expiresAt: created.expires_at };
}
