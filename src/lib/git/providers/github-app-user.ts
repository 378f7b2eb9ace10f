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
  account: { login: string; id: number };
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
    for (const item of answer.installations as { id?: unknown; app_id?: unknown; account?: { login?: unknown; id?: unknown } | null }[]) {
      const { login, id } = item.account ?? {};
      if (typeof item.id !== 'number' || typeof login !== 'string' || typeof id !== 'number') continue;
      found.push({ id: String(item.id), appId: typeof item.app_id === 'number' ? item.app_id : null, account: { login, id } });
    }
    if (answer.installations.length < PAGE_SIZE) break;
  }
  return found;
}
