import { createSign } from 'node:crypto';
import { ProviderError, providerJson } from './http.js';

// GitHub App authentication: an RS256 JWT signed with the App's private key
// (iss = App id, valid 10 minutes, backdated 60 s for clock drift) is exchanged
// for a short-lived installation token, which git then uses like any token.
// Every call here goes to the App's own API base; callers decide whether an
// installation may be used for a repository (see src/modules/git-integration/github-app/access.ts).

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

export function createAppJwt(appId: string, privateKeyPem: string, nowSeconds = Math.floor(Date.now() / 1000)): string {
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }));
  const payload = b64url(JSON.stringify({ iat: nowSeconds - 60, exp: nowSeconds + 540, iss: appId }));
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${payload}`);
  return `${header}.${payload}.${signer.sign(privateKeyPem).toString('base64url')}`;
}

export interface GithubAppClient {
  /** The GitHub API base of the App (https://api.github.com, https://ghe.example/api/v3). */
  apiBaseUrl: string;
  appId: string;
  privateKey: string;
  timeoutMs: number;
}

/**
 * What pushing pipelines and opening pull requests needs; metadata:read comes with
 * any installation token. Asking for less than the App has means a leaked token
 * cannot administer the repository, touch workflows or issues.
 */
const INSTALLATION_TOKEN_PERMISSIONS = { contents: 'write', pull_requests: 'write' } as const;

const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

function appRequest(app: GithubAppClient) {
  const jwt = createAppJwt(app.appId, app.privateKey);
  return { headers: { ...GITHUB_HEADERS, authorization: `Bearer ${jwt}` }, timeoutMs: app.timeoutMs, secrets: [jwt] };
}

export interface InstallationAccount {
  login: string;
  id: number;
}

/** GET /app/installations/{id}: the account (user or organisation) that installed the App. */
export async function getInstallationAccount(app: GithubAppClient, installationId: string): Promise<InstallationAccount> {
  const installation = await providerJson<{ account?: { login?: unknown; id?: unknown } | null }>({
    method: 'GET',
    url: `${app.apiBaseUrl}/app/installations/${encodeURIComponent(installationId)}`,
    ...appRequest(app),
  });
  const { login, id } = installation.account ?? {};
  if (typeof login !== 'string' || typeof id !== 'number') throw new ProviderError('GitHub answered an installation without an account', null);
  return { login, id };
}

export interface InstallationToken {
  token: string;
  expiresAt: string;
}

/**
 * An installation token for one repository of the installation's account (GitHub
 * resolves `repositories` names inside that account) with the least permissions.
 */
export async function createInstallationToken(app: GithubAppClient, installationId: string, repositoryName: string): Promise<InstallationToken> {
  const request = appRequest(app);
  const created = await providerJson<{ token: string; expires_at: string }>({
    method: 'POST',
    url: `${app.apiBaseUrl}/app/installations/${encodeURIComponent(installationId)}/access_tokens`,
    ...request,
    body: { repositories: [repositoryName], permissions: INSTALLATION_TOKEN_PERMISSIONS },
  });
  if (typeof created.token !== 'string' || created.token === '') throw new ProviderError('GitHub answered an access token request without a token', null);
  return { token: created.token, expiresAt: created.expires_at };
}

/** GET /repos/{owner}/{repo} as the installation: who owns the repository the token can see. */
export async function getRepositoryOwner(app: GithubAppClient, token: string, owner: string, name: string): Promise<InstallationAccount> {
  const repository = await providerJson<{ owner?: { login?: unknown; id?: unknown } | null }>({
    method: 'GET',
    url: `${app.apiBaseUrl}/repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}`,
    headers: { ...GITHUB_HEADERS, authorization: `Bearer ${token}` },
    timeoutMs: app.timeoutMs,
    secrets: [token],
  });
  const { login, id } = repository.owner ?? {};
  if (typeof login !== 'string' || typeof id !== 'number') throw new ProviderError('GitHub answered a repository without an owner', null);
  return { login, id };
}
