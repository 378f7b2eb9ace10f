import type { Prisma, PrismaClient } from '../../../db/database.js';
import type { SecretBox } from '../../../lib/crypto/secret-box.js';
import type { FieldIssue } from '../../../lib/errors.js';
import type { SaveIntegrationBody } from './schemas.js';
import { verifyGithubAppAccess, type GithubAppBinding, type GithubAppSettings } from './github-app-access.js';
import { installationLinkIssue } from './github-app-links.js';
import { findStoredCredentials, openStored, sealCredentials } from './store.js';
import { gitCredentialsContext } from './secret-contexts.js';

// Saving GitHub App credentials: the installation must be linked to the team (a member
// proved access to it on GitHub, github-app-links.ts), then it is verified against the
// repository before anything is stored, and again when the repository_url of stored App
// credentials changes on the same host (another host drops or needs new credentials,
// see service.ts). The network calls happen before the save's transaction.

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
  prisma: PrismaClient,
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

  const existing = await findStoredCredentials(prisma, teamId);
  if ((body.provider ?? existing?.provider) !== 'github') return undefined; // refused as a credential mismatch

  let installationId: string;
  const url = checkedUrl ?? existing?.repositoryUrl;
  if (body.credentials?.type === 'github_app') {
    installationId = String(body.credentials.installation_id);
  } else {
    if (existing?.credentialType !== 'github_app' || !existing.encryptedCredentials || checkedUrl === existing.repositoryUrl) return undefined;
    // Stored App credentials follow a new URL only on the same host; another host is service.ts's rule.
    if (!sameHost(checkedUrl!, existing.repositoryUrl)) return undefined;
    installationId = (JSON.parse(openStored(deps.secrets, existing.encryptedCredentials, gitCredentialsContext(teamId))) as { installationId: string }).installationId;
  }
  if (url === undefined) return undefined; // first save without repository_url: reported as required

  if (!deps.githubApp) {
    issues.push({ field: 'body.credentials', issue: 'this server has no GitHub App configured' });
    return undefined;
  }
  // Before any GitHub call, with one message for unknown, foreign and unlinked ids: nothing to enumerate.
  const unlinked = await installationLinkIssue(prisma, teamId, installationId);
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

/**
 * Inside the save's transaction: the installation must (still) be linked to the team, the
 * proof that one of its members can access it on GitHub (github-app-links.ts).
 */
export function installationClaimIssue(tx: Prisma.TransactionClient, teamId: string, installationId: string): Promise<FieldIssue | null> {
  return installationLinkIssue(tx, teamId, installationId);
}

function sameHost(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    return x.protocol === y.protocol && x.host === y.host;
  } catch {
    return false;
  }
}
