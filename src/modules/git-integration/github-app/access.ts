import type { Config } from '../../../config.js';
import { conflict, unavailable, type AppError } from '../../../lib/errors.js';
import { createInstallationToken, getInstallationAccount, getRepositoryOwner, type GithubAppClient } from '../../../lib/git/providers/github-app.js';
import { ProviderError } from '../../../lib/git/providers/http.js';

// Whether a team may use a GitHub App installation for a repository. The installation
// id is just a number a team types in: without these checks any team could mint a
// token for another tenant's installation and send it to a host of its choosing.
//
// - the repository URL must be on the App's git origin, written plainly
//   (`<origin>/<owner>/<repo>[.git]`), so no URL parser can read another host into it;
// - the installation's account must be the repository's owner (checked by login before
//   any token exists, then by account id as the installation sees the repository);
// - tokens are scoped to that one repository with the least permissions;
// - what was verified is stored with the credentials and compared at every use, so a
//   later change of repository_url needs a new verification.

export type GithubAppSettings = NonNullable<Config['gitIntegration']['githubApp']>;

/** Stored (sealed) with the installation id: the repository the installation was verified for. */
export interface GithubAppBinding {
  /** `owner/repo`, lowercase (GitHub names are case-insensitive). */
  repository: string;
  accountId: number;
  /** The App's git origin at verification time. */
  origin: string;
}

export interface GithubAppRepository {
  owner: string;
  name: string;
}

export type Verified = { ok: true; binding: GithubAppBinding; token: string } | { ok: false; issue: string };

// GitHub logins: letters, digits, inner hyphens (39 at most); repository names: letters,
// digits, `.`, `_`, `-`. Anything else is not a GitHub repository path.
const REPOSITORY_PATH = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?\/?$/;

function githubAppClient(app: GithubAppSettings, timeoutMs: number): GithubAppClient {
  return { apiBaseUrl: app.apiBaseUrl, appId: app.appId, privateKey: app.privateKey, timeoutMs };
}

/**
 * The owner and name of a repository URL on the App's git origin, read as a plain
 * string prefix: a URL that any parser could read as another host does not match.
 */
function githubAppRepository(app: GithubAppSettings, repositoryUrl: string): { ok: true; value: GithubAppRepository } | { ok: false; issue: string } {
  const prefix = `${app.gitOrigin}/`;
  const wrongPlace = `a GitHub App token is only sent to ${app.gitOrigin}: repository_url must be ${prefix}<owner>/<repository>`;
  if (repositoryUrl.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return { ok: false, issue: wrongPlace };
  const match = REPOSITORY_PATH.exec(repositoryUrl.slice(prefix.length));
  if (!match || match[2] === '.' || match[2] === '..') return { ok: false, issue: wrongPlace };
  return { ok: true, value: { owner: match[1]!, name: match[2]! } };
}

const repositoryKey = (repo: GithubAppRepository) => `${repo.owner}/${repo.name}`.toLowerCase();

/** GitHub's "not yours / not there / not allowed" answers refuse the credentials; anything else is GitHub failing. */
function refusedOrThrow(error: unknown, issue: string): { ok: false; issue: string } {
  if (error instanceof ProviderError && (error.status === 403 || error.status === 404 || error.status === 422)) return { ok: false, issue };
  throw providerFailure(error);
}

function providerFailure(error: unknown): AppError | unknown {
  if (!(error instanceof ProviderError)) return error;
  if (error.status === 401) return unavailable('GitHub refused this server\'s App credentials (GITHUB_APP_ID, GITHUB_APP_PRIVATE_KEY); the operator must fix them');
  // The message went through the sanitiser with the JWT and token as secrets.
  return unavailable(`GitHub could not be asked about the App installation, retry shortly (${error.message})`);
}

/**
 * Checks that the installation's account owns the repository and can reach it, and
 * returns a token scoped to it. Refusals are `{ok: false}`; GitHub being unreachable
 * or refusing the App itself is a 503.
 */
export async function verifyGithubAppAccess(app: GithubAppSettings, timeoutMs: number, installationId: string, repositoryUrl: string): Promise<Verified> {
  const parsed = githubAppRepository(app, repositoryUrl);
  if (!parsed.ok) return parsed;
  const repo = parsed.value;
  const client = githubAppClient(app, timeoutMs);
  const notReachable = `GitHub App installation ${installationId} cannot access ${repo.owner}/${repo.name}`;

  let account;
  try {
    account = await getInstallationAccount(client, installationId);
  } catch (error) {
    return refusedOrThrow(error, `no installation ${installationId} of this server's GitHub App exists`);
  }
  // Before any token exists: `repositories` names are resolved inside the installation's
  // own account, so another account's installation would get a token for its own repo.
  if (account.login.toLowerCase() !== repo.owner.toLowerCase()) {
    return { ok: false, issue: `GitHub App installation ${installationId} does not belong to the account ${repo.owner}` };
  }
  let token;
  try {
    token = (await createInstallationToken(client, installationId, repo.name)).token;
  } catch (error) {
    return refusedOrThrow(error, notReachable);
  }
  let owner;
  try {
    owner = await getRepositoryOwner(client, token, repo.owner, repo.name);
  } catch (error) {
    return refusedOrThrow(error, notReachable);
  }
  // Logins can be renamed and reused; account ids cannot.
  if (owner.id !== account.id) return { ok: false, issue: notReachable };
  return { ok: true, binding: { repository: repositoryKey(repo), accountId: account.id, origin: app.gitOrigin }, token };
}

/**
 * An installation token for a stored integration, minted only if its repository URL is
 * still the one verified on the App's origin. A stored config that no longer matches
 * fails with a 409 and nothing is minted.
 */
export async function installationTokenFor(
  app: GithubAppSettings,
  timeoutMs: number,
  credentials: { installationId: string; verified?: GithubAppBinding },
  repositoryUrl: string,
): Promise<string> {
  const parsed = githubAppRepository(app, repositoryUrl);
  if (!parsed.ok) throw conflict(`The saved GitHub App credentials cannot be used: ${parsed.issue}. Save the integration again`);
  const { verified } = credentials;
  if (!verified) {
    // Saved before ownership was verified: verify now, and refuse what does not pass.
    const checked = await verifyGithubAppAccess(app, timeoutMs, credentials.installationId, repositoryUrl);
    if (!checked.ok) throw conflict(`The saved GitHub App credentials cannot be used: ${checked.issue}`);
    return checked.token;
  }
  if (verified.origin !== app.gitOrigin || verified.repository !== repositoryKey(parsed.value)) {
    throw conflict('The saved GitHub App credentials were verified for another repository; save them again with this repository_url');
  }
  try {
    return (await createInstallationToken(githubAppClient(app, timeoutMs), credentials.installationId, parsed.value.name)).token;
  } catch (error) {
    if (error instanceof ProviderError && (error.status === 403 || error.status === 404 || error.status === 422)) {
      throw conflict(`GitHub App installation ${credentials.installationId} can no longer access ${parsed.value.owner}/${parsed.value.name} (${error.message})`);
    }
    throw error;
  }
}
