import { createHash, randomBytes } from 'node:crypto';
import type { Db, PrismaClient } from '../../../db/handles.js';
import type { SecretBox } from '../../../lib/crypto/secret-box.js';
import { conflict, invalidRequest, unavailable, type FieldIssue } from '../../../lib/errors.js';
import { ProviderError } from '../../../lib/git/providers/http.js';
import { administersAccount, authorizeUrl, exchangeUserCode, fetchAuthorizingUser, installUrl, listUserInstallations } from '../../../lib/git/providers/github-app-user.js';
import { noGithubApp, noGithubAppIssue } from '../errors.js';
import type { SaveIntegrationBody } from '../settings/schemas.js';
import { gitCredentialsContext } from '../settings/secret-contexts.js';
import { findStoredCredentials, openStored, sealCredentials } from '../settings/store.js';
import { verifyGithubAppAccess, type GithubAppBinding, type GithubAppSettings } from './access.js';
import { selectTeamName } from '../../../db/tokens.js';
import { consumeLinkState, insertLinkState, installationLinked, upsertInstallationLink } from './store.js';

// Which GitHub App installations a team may use. An installation id is a number anyone can
// learn (it is in setup URLs, webhooks, error messages) and type in; what binds it to a team
// is proof, through GitHub itself, that a user of the team can access it:
//   1. a member asks for a link (POST /github-app/link): a random state, stored only as its
//      SHA-256 with the team and user, single use, valid LINK_STATE_TTL_MS;
//   2. the member authorizes the App on GitHub, which sends the browser back to the App's
//      callback URL (the UI's page) with a code and the state;
//   3. the UI posts both with the member's token (POST /github-app/link/complete): the state
//      is consumed only by the member who started it, the code is exchanged for a user access
//      token (never stored) and every installation of this App that GitHub lists for that user
//      and whose account that user administers (the user account itself, or an admin of the
//      organization) is linked: read access to one repository also lists an installation, but
//      must not open every repository the installation reaches.
// Step 3 needs the member's own token, not just the state: a public callback would link
// whatever a victim's GitHub user can access to the team of anyone who got the victim to
// open their authorize link (GitHub skips the prompt once the App is authorized).
// Several teams may link one installation, each through its own member's proof.

const LINK_STATE_TTL_MS = 10 * 60_000;

/** One answer for an installation that does not exist, belongs to someone else, or is not linked: ids cannot be probed. */
export const NOT_LINKED =
  'this GitHub App installation is not linked to this team; a member who can access it on GitHub must link it first (POST /api/git-integration/github-app/link)';

const hashState = (state: string) => createHash('sha256').update(state, 'utf8').digest('hex');

/** A field issue for save and /test when the installation is not linked to the team (checked before any GitHub call). */
export async function installationLinkIssue(db: Db, teamId: string, installationId: string) {
  return (await installationLinked(db, teamId, installationId)) ? null : { field: 'body.credentials', issue: NOT_LINKED };
}

/** At use: stored App credentials whose installation is not linked (saved before links existed) send nothing. */
export async function requireInstallationLinked(db: Db, teamId: string, installationId: string): Promise<void> {
  if (await installationLinked(db, teamId, installationId)) return;
  throw conflict(
    'The saved GitHub App installation is not linked to this team (saved before installations had to be linked, or the link was removed): ' +
      'a member who can access it on GitHub must link it (POST /api/git-integration/github-app/link); nothing was sent to GitHub',
  );
}

function requireApp(app: GithubAppSettings | null): GithubAppSettings {
  if (!app) throw noGithubApp();
  return app;
}

export interface LinkStart {
  authorizeUrl: string;
  installUrl: string | null;
  expiresAt: Date;
}

/** Step 1: a fresh state for this team and user; expired states of every team are swept on the way. */
export async function startInstallationLink(prisma: PrismaClient, app: GithubAppSettings | null, teamId: string, userId: string, now = new Date()): Promise<LinkStart> {
  const settings = requireApp(app);
  const state = randomBytes(32).toString('base64url');
  const expiresAt = new Date(now.getTime() + LINK_STATE_TTL_MS);
  await insertLinkState(prisma, { stateHash: hashState(state), teamId, userId, expiresAt }, now);
  return {
    authorizeUrl: authorizeUrl(settings, state),
    installUrl: settings.slug ? installUrl(settings.webOrigin, settings.slug, state) : null,
    expiresAt,
  };
}

export interface LinkedInstallation {
  installationId: string;
  accountLogin: string;
}

const BAD_STATE = 'This link is unknown, already used or expired; start again from the git integration settings (POST /api/git-integration/github-app/link)';

/**
 * Step 3: consumes the state if the caller is the member who started it (one DELETE ...
 * RETURNING: of two completions, one gets it; another caller's attempt leaves it alone),
 * then asks GitHub which installations of this App the authorizing user can access, and
 * links them to the team. Nothing is asked of GitHub for an unknown, foreign, used or
 * expired state, and all of them get the same answer.
 */
export async function completeInstallationLink(
  prisma: PrismaClient,
  app: GithubAppSettings | null,
  timeoutMs: number,
  caller: { teamId: string; userId: string },
  input: { state: string; code: string },
  now = new Date(),
): Promise<{ teamName: string; linked: LinkedInstallation[] }> {
  const settings = requireApp(app);
  const pending = await consumeLinkState(prisma, hashState(input.state), caller);
  if (!pending || pending.expires_at.getTime() <= now.getTime()) throw invalidRequest(BAD_STATE);

  const ours: Awaited<ReturnType<typeof listUserInstallations>> = [];
  try {
    const userToken = await exchangeUserCode({ ...settings, timeoutMs }, input.code);
    const installations = await listUserInstallations(settings.apiBaseUrl, userToken, timeoutMs);
    // A user token of this App lists this App's installations; the app_id check keeps it so if GitHub ever lists more.
    const candidates = installations.filter((installation) => installation.appId !== null && String(installation.appId) === settings.appId);
    const user = candidates.length > 0 ? await fetchAuthorizingUser(settings.apiBaseUrl, userToken, timeoutMs) : null;
    for (const installation of candidates) {
      if (user && (await administersAccount(settings.apiBaseUrl, userToken, user, installation.account, timeoutMs))) ours.push(installation);
    }
  } catch (error) {
    if (error instanceof ProviderError && error.status !== null && error.status >= 400 && error.status < 500 && error.status !== 429) {
      throw invalidRequest(`GitHub did not confirm the authorization; start again (${error.message})`);
    }
    if (error instanceof ProviderError) throw unavailable(`GitHub could not be asked about the authorization, start again shortly (${error.message})`);
    throw error;
  }
  const linked: LinkedInstallation[] = [];
  for (const installation of ours) {
    const fields = { accountId: BigInt(installation.account.id), accountLogin: installation.account.login, linkedByUser: pending.user_id, linkedAt: now };
    await upsertInstallationLink(prisma, { teamId: pending.team_id, installationId: installation.id }, fields);
    linked.push({ installationId: installation.id, accountLogin: installation.account.login });
  }
  return { teamName: await selectTeamName(prisma, pending.team_id), linked };
}

// ── Saving GitHub App credentials (POST /git-integration, settings/service.ts) ──

// The installation must be linked to the team (a member proved access to it on GitHub, above),
// then it is verified against the repository before anything is stored, and again when the
// repository_url of stored App credentials changes on the same host (another host drops or needs
// new credentials, see settings/service.ts). The network calls happen before the save's
// transaction; inside it, settings/service.ts checks installationLinkIssue again.

export interface GithubAppSaveDeps {
  secrets: SecretBox;
  githubApp: GithubAppSettings | null;
  timeoutMs: number;
}

type AppColumns = { credentialType: 'github_app'; encryptedCredentials: string; sshKeyId: null };

/**
 * The credential columns to store for App credentials that passed verification, or
 * undefined when this save involves no App verification. Refusals are pushed to
 * `issues` (field body.credentials); GitHub being unavailable throws a 503.
 */
export async function verifiedGithubAppColumns(
  db: Db,
  teamId: string,
  body: SaveIntegrationBody,
  /** The request's repository_url after validation; undefined when absent or invalid. */
  checkedUrl: string | undefined,
  deps: GithubAppSaveDeps,
  issues: FieldIssue[],
): Promise<{ columns: AppColumns; installationId: string } | undefined> {
  if (issues.length > 0) return undefined; // already a 400: no need to ask GitHub
  const sendsApp = body.credentials?.type === 'github_app';
  const keepsCredentials = body.credentials === undefined && body.ssh_key_id === undefined;
  if (!sendsApp && !(keepsCredentials && checkedUrl !== undefined)) return undefined;

  const existing = await findStoredCredentials(db, teamId);
  if ((body.provider ?? existing?.provider) !== 'github') return undefined; // refused as a credential mismatch

  let installationId: string;
  const url = checkedUrl ?? existing?.repositoryUrl;
  if (body.credentials?.type === 'github_app') {
    installationId = String(body.credentials.installation_id);
  } else {
    if (existing?.credentialType !== 'github_app' || !existing.encryptedCredentials || checkedUrl === existing.repositoryUrl) return undefined;
    // Stored App credentials follow a new URL only on the same host; another host is settings/service.ts's rule.
    if (!sameHost(checkedUrl!, existing.repositoryUrl)) return undefined;
    installationId = (JSON.parse(openStored(deps.secrets, existing.encryptedCredentials, gitCredentialsContext(teamId))) as { installationId: string }).installationId;
  }
  if (url === undefined) return undefined; // first save without repository_url: reported as required

  if (!deps.githubApp) {
    issues.push(noGithubAppIssue());
    return undefined;
  }
  // Before any GitHub call, with one message for unknown, foreign and unlinked ids: nothing to enumerate.
  const unlinked = await installationLinkIssue(db, teamId, installationId);
  if (unlinked) {
    issues.push(unlinked);
    return undefined;
  }
  const checked = await verifyGithubAppAccess(deps.githubApp, deps.timeoutMs, installationId, url);
  if (!checked.ok) {
    issues.push({ field: 'body.credentials', issue: checked.issue });
    return undefined;
  }
  const verified: GithubAppBinding = checked.binding;
  const encryptedCredentials = sealCredentials(deps.secrets, teamId, { type: 'github_app', installationId, verified });
  return { columns: { credentialType: 'github_app', encryptedCredentials, sshKeyId: null }, installationId };
}

function sameHost(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return false;
  }
}
