import { ProviderError, providerJson } from './http.js';

// GitHub's user authorization for a GitHub App (the web application flow): the code
// GitHub hands the user's browser is exchanged, with the App's client secret, for a
// user access token, which lists the App's installations that user can access. That
// list is GitHub's word that the user controls an installation; the installation_id
// GitHub adds to a setup redirect is not (anyone can type it into a URL).

const GITHUB_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

export interface GithubOAuthClient {
  /** GitHub's web origin (https://github.com, https://ghe.example): /login/oauth/* lives there. */
  webOrigin: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
}

/** The page that asks the user to authorize the App, coming back to its callback URL with `code` and `state`. */
export function authorizeUrl(client: Pick<GithubOAuthClient, 'webOrigin' | 'clientId'>, state: string): string {
  const url = new URL('/login/oauth/authorize', client.webOrigin);
  url.searchParams.set('client_id', client.clientId);
  url.searchParams.set('state', state);
  return url.href;
}

/** The App's install page; GitHub passes `state` on to the callback when the App asks for authorization on install. */
export function installUrl(webOrigin: string, slug: string, state: string): string {
  const url = new URL(`/apps/${encodeURIComponent(slug)}/installations/new`, webOrigin);
  url.searchParams.set('state', state);
  return url.href;
}

/**
 * POST /login/oauth/access_token. GitHub answers a bad or used code with 200 and an
 * `error` field: that is a ProviderError with status 400 (the user's, not GitHub's failure).
 */
export async function exchangeUserCode(client: GithubOAuthClient, code: string): Promise<string> {
  const answer = await providerJson<{ access_token?: unknown; error?: unknown; error_description?: unknown }>({
    method: 'POST',
    url: new URL('/login/oauth/access_token', client.webOrigin).href,
    headers: { accept: 'application/json' },
    body: { client_id: client.clientId, client_secret: client.clientSecret, code },
    timeoutMs: client.timeoutMs,
    secrets: [client.clientSecret, code],
  });
  if (typeof answer.access_token === 'string' && answer.access_token !== '') return answer.access_token;
  const reason = typeof answer.error === 'string' ? answer.error.replace(/[^\w.-]/g, '').slice(0, 60) : 'no access token';
  throw new ProviderError(`GitHub did not accept the authorization code (${reason})`, 400);
}

export interface UserInstallation {
  id: string;
  appId: number | null;
  account: { login: string; id: number; type: string };
}

const PAGE_SIZE = 100;
const MAX_PAGES = 10;

/** GET /user/installations as the user: the installations of this App the user can access (first 1,000). */
export async function listUserInstallations(apiBaseUrl: string, userToken: string, timeoutMs: number): Promise<UserInstallation[]> {
  const found: UserInstallation[] = [];
  for (let page = 1; page <= MAX_PAGES; page++) {
    const answer = await providerJson<{ installations?: unknown }>({
      method: 'GET',
      url: `${apiBaseUrl}/user/installations?per_page=${PAGE_SIZE}&page=${page}`,
      headers: { ...GITHUB_HEADERS, authorization: `Bearer ${userToken}` },
      timeoutMs,
      secrets: [userToken],
    });
    if (!Array.isArray(answer.installations)) throw new ProviderError('GitHub answered /user/installations without a list', null);
    for (const item of answer.installations as { id?: unknown; app_id?: unknown; account?: { login?: unknown; id?: unknown; type?: unknown } | null }[]) {
      const { login, id, type } = item.account ?? {};
      if (typeof item.id !== 'number' || typeof login !== 'string' || typeof id !== 'number') continue;
      const account = { login, id, type: typeof type === 'string' ? type : 'Unknown' };
      found.push({ id: String(item.id), appId: typeof item.app_id === 'number' ? item.app_id : null, account });
    }
    if (answer.installations.length < PAGE_SIZE) break;
  }
  return found;
}

/** GET /user as the user: who authorized the App. */
export async function fetchAuthorizingUser(apiBaseUrl: string, userToken: string, timeoutMs: number): Promise<{ login: string; id: number }> {
  const user = await providerJson<{ login?: unknown; id?: unknown }>({
    method: 'GET',
    url: `${apiBaseUrl}/user`,
    headers: { ...GITHUB_HEADERS, authorization: `Bearer ${userToken}` },
    timeoutMs,
    secrets: [userToken],
  });
  if (typeof user.login !== 'string' || typeof user.id !== 'number') throw new ProviderError('GitHub answered /user without a login and id', null);
  return { login: user.login, id: user.id };
}

/**
 * Whether the user administers the installation's account: the account itself for a user
 * account, an active admin membership for an organization. Access to one repository of an
 * account lists its installation in /user/installations, but only an administrator decides
 * what the whole installation may reach (GET /user/memberships/orgs/{org}; 403/404 = no).
 */
export async function administersAccount(
  apiBaseUrl: string,
  userToken: string,
  user: { id: number },
  account: UserInstallation['account'],
  timeoutMs: number,
): Promise<boolean> {
  if (account.type === 'User') return account.id === user.id;
  if (account.type !== 'Organization') return false;
  try {
    const membership = await providerJson<{ state?: unknown; role?: unknown }>({
      method: 'GET',
      url: `${apiBaseUrl}/user/memberships/orgs/${encodeURIComponent(account.login)}`,
      headers: { ...GITHUB_HEADERS, authorization: `Bearer ${userToken}` },
      timeoutMs,
      secrets: [userToken],
    });
    return membership.state === 'active' && membership.role === 'admin';
  } catch (error) {
    if (error instanceof ProviderError && (error.status === 403 || error.status === 404)) return false;
    throw error;
  }
}
