import { generateKeyPairSync, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A stand-in for the parts of GitHub's REST API a GitHub App uses, on 127.0.0.1:
// installations, installation access tokens (scoped like GitHub scopes them),
// repositories as an installation sees them, and pull requests. It checks the App
// JWT's RS256 signature with the App's public key, as GitHub does. It also plays GitHub's
// web origin for the App's user authorization: `authorize()` stands for a user signing in
// and authorizing the App (a single-use code), /login/oauth/access_token exchanges the code
// (with the App's client id and secret) for a user token, and /user/installations lists the
// installations that user can access.

export interface StandInInstallation {
  account: { login: string; id: number };
  /** Names of the account's repositories the installation was granted. */
  repositories: string[];
}

export interface StandInRequest {
  method: string;
  path: string;
  authorization: string;
  body: unknown;
}

export interface MintedToken {
  token: string;
  installationId: string;
  repositories: string[] | null;
  permissions: unknown;
}

export interface GithubApiStandIn {
  /** API base, e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  appId: string;
  /** PKCS#8 PEM, for GITHUB_APP_PRIVATE_KEY. */
  privateKey: string;
  installations: Record<string, StandInInstallation>;
  requests: StandInRequest[];
  minted: MintedToken[];
  /** Called with each new token (e.g. to let a git remote accept it). */
  onMint?: (token: string) => void;
  /** While true, every connection is dropped (GitHub unreachable). */
  down: boolean;
  clientId: string;
  clientSecret: string;
  /** User access tokens handed out by the code exchange (never to be seen in a response or log). */
  userTokens: string[];
  /**
   * A GitHub user authorizes the App: a single-use code whose token can see these installations.
   * `role` is the user's membership in the installations' organizations: `admin` administers
   * them, `member` (or an outside collaborator with access to one repository) only sees them.
   */
  authorize(login: string, installationIds: string[], role?: 'admin' | 'member'): string;
  /** Env for createTestApp: API and web base, App id, key and OAuth client. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function appJwtValid(authorization: string, appId: string, publicKey: KeyObject): boolean {
  const match = /^Bearer ([\w-]+)\.([\w-]+)\.([\w-]+)$/.exec(authorization);
  if (!match) return false;
  const [, header, payload, signature] = match;
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature!, 'base64url'))) return false;
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as { iss?: unknown; exp?: unknown; iat?: unknown };
  const now = Math.floor(Date.now() / 1000);
  return claims.iss === appId && typeof claims.exp === 'number' && claims.exp > now && typeof claims.iat === 'number' && claims.iat <= now;
}

export async function startGithubApi(installations: Record<string, StandInInstallation>, appId = '4242'): Promise<GithubApiStandIn> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const state: GithubApiStandIn = {
    url: '',
    appId,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    installations,
    requests: [],
    minted: [],
    down: false,
    clientId: `Iv1.${randomBytes(8).toString('hex')}`,
    clientSecret: randomBytes(20).toString('hex'),
    userTokens: [],
    authorize: (login, installationIds, role = 'admin') => {
      const code = randomBytes(10).toString('hex');
      codes.set(code, { login, installationIds, role });
      return code;
    },
    env: () => ({
      GITHUB_API_URL: state.url,
      GITHUB_WEB_URL: state.url,
      GITHUB_APP_ID: appId,
      GITHUB_APP_PRIVATE_KEY: state.privateKey,
      GITHUB_APP_CLIENT_ID: state.clientId,
      GITHUB_APP_CLIENT_SECRET: state.clientSecret,
    }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };

  type StandInUser = { login: string; installationIds: string[]; role: 'admin' | 'member' };
  const codes = new Map<string, StandInUser>();
  const users = new Map<string, StandInUser>();
  const tokenFor = (authorization: string) => state.minted.find((m) => authorization === `Bearer ${m.token}`);
  const canSee = (minted: MintedToken, owner: string, name: string) => {
    const installation = state.installations[minted.installationId]!;
    const scope = minted.repositories ?? installation.repositories;
    return installation.account.login.toLowerCase() === owner.toLowerCase() && scope.includes(name) && installation.repositories.includes(name);
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const authorization = String(req.headers.authorization ?? '');
    const path = new URL(req.url ?? '/', 'http://stand-in').pathname;
    const body = raw ? (JSON.parse(raw) as unknown) : null;
    state.requests.push({ method: req.method!, path, authorization, body });

    if (path === '/login/oauth/access_token' && req.method === 'POST') {
      // GitHub answers 200 with an `error` field for a bad code or client.
      const { client_id, client_secret, code } = (body ?? {}) as Record<string, unknown>;
      if (client_id !== state.clientId || client_secret !== state.clientSecret) return json(res, 200, { error: 'incorrect_client_credentials' });
      const user = typeof code === 'string' ? codes.get(code) : undefined;
      if (!user) return json(res, 200, { error: 'bad_verification_code' });
      codes.delete(code as string);
      const token = `ghu_${randomBytes(18).toString('hex')}`;
      users.set(token, user);
      state.userTokens.push(token);
      return json(res, 200, { access_token: token, token_type: 'bearer', scope: '' });
    }
    if (path === '/user/installations' && req.method === 'GET') {
      const user = users.get(authorization.replace(/^Bearer /, ''));
      if (!user) return json(res, 401, { message: 'Bad credentials' });
      const visible = user.installationIds.filter((id) => Object.hasOwn(state.installations, id));
      const installations = visible.map((id) => ({ id: Number(id), app_id: Number(appId), account: { ...state.installations[id]!.account, type: 'Organization' } }));
      return json(res, 200, { total_count: installations.length, installations });
    }
    if (path === '/user' && req.method === 'GET') {
      const user = users.get(authorization.replace(/^Bearer /, ''));
      if (!user) return json(res, 401, { message: 'Bad credentials' });
      return json(res, 200, { login: user.login, id: 900_000 + user.login.length });
    }
    const membershipPath = /^\/user\/memberships\/orgs\/([^/]+)$/.exec(path);
    if (membershipPath && req.method === 'GET') {
      const user = users.get(authorization.replace(/^Bearer /, ''));
      if (!user) return json(res, 401, { message: 'Bad credentials' });
      const org = decodeURIComponent(membershipPath[1]!).toLowerCase();
      const member = user.installationIds.some((id) => state.installations[id]?.account.login.toLowerCase() === org);
      return member ? json(res, 200, { state: 'active', role: user.role }) : json(res, 404, { message: 'Not Found' });
    }
    const installationPath = /^\/app\/installations\/([^/]+)(\/access_tokens)?$/.exec(path);
    if (installationPath) {
      if (!appJwtValid(authorization, appId, publicKey)) return json(res, 401, { message: 'A JSON web token could not be decoded' });
      const id = decodeURIComponent(installationPath[1]!);
      const installation = Object.hasOwn(state.installations, id) ? state.installations[id] : undefined;
      if (!installation) return json(res, 404, { message: 'Not Found' });
      if (!installationPath[2] && req.method === 'GET') return json(res, 200, { id: Number(id), account: installation.account, repository_selection: 'selected' });
      if (installationPath[2] && req.method === 'POST') {
        const { repositories, permissions } = (body ?? {}) as { repositories?: string[]; permissions?: unknown };
        if (repositories && repositories.some((name) => !installation.repositories.includes(name))) {
          return json(res, 422, { message: 'There is at least one repository that does not exist or is not accessible to the parent installation.' });
        }
        const token = `ghs_${randomBytes(18).toString('hex')}`;
        state.minted.push({ token, installationId: id, repositories: repositories ?? null, permissions: permissions ?? null });
        state.onMint?.(token);
        return json(res, 201, { token, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
      }
    }
    const repoPath = /^\/repos\/([^/]+)\/([^/]+)(\/pulls)?$/.exec(path);
    if (repoPath) {
      const [owner, name] = [decodeURIComponent(repoPath[1]!), decodeURIComponent(repoPath[2]!)];
      const minted = tokenFor(authorization);
      if (!minted) return json(res, 401, { message: 'Bad credentials' });
      if (!canSee(minted, owner, name)) return json(res, 404, { message: 'Not Found' });
      const account = state.installations[minted.installationId]!.account;
      if (!repoPath[3] && req.method === 'GET') return json(res, 200, { name, full_name: `${account.login}/${name}`, owner: account });
      if (repoPath[3] && req.method === 'POST') return json(res, 201, { html_url: `https://github.example/${owner}/${name}/pull/1`, number: 1 });
    }
    json(res, 404, { message: 'Not Found' });
  };

  const server: Server = createServer((req, res) => {
    if (state.down) {
      req.socket.destroy();
      return;
    }
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}
