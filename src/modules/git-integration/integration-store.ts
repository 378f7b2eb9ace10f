import type { PrismaClient } from '../../db/database.js';
import { SecretBoxError, type SecretBox, type SecretContext } from '../../lib/crypto/secret-box.js';
import { conflict } from '../../lib/errors.js';
import { gitCredentialsContext, sshPrivateKeyContext } from './secret-contexts.js';
import type { GithubAppBinding } from './github-app-access.js';

/**
 * The stored git integration of a team, with credentials decrypted: what the git
 * operations (test, push, pull, status, history) read before touching a remote.
 *
 * Storage (table git_integration_configs):
 * - `credential_type` is `token`, `github_app`, `ssh_key` or null (no credentials).
 * - `encrypted_credentials` is a SecretBox envelope of a JSON object:
 *   `{token, username?}` for `token`, `{installationId, verified?}` for `github_app`
 *   (`verified`: the repository the installation was checked against, see github-app-access.ts), null for
 *   `ssh_key` (the private key lives, encrypted too, in git_ssh_keys, found via `ssh_key_id`).
 *
 * The SecretBox: the git-integration module registers `secretsPlugin` (./secrets.ts)
 * first, which decorates the module's Fastify context with `app.gitSecrets`.
 * Routes and job handlers of the module pass that to the functions here.
 */

export type GitProvider = 'github' | 'gitlab' | 'bitbucket' | 'generic';
export const GIT_PROVIDERS = ['github', 'gitlab', 'bitbucket', 'generic'] as const satisfies readonly GitProvider[];

export type GitCredentials =
  | { type: 'token'; token: string; username?: string }
  | { type: 'ssh_key'; sshKeyId: string; privateKey: string; publicKey: string }
  | { type: 'github_app'; installationId: string; verified?: GithubAppBinding }
  | null;

export interface GitIntegration {
  teamId: string;
  enabled: boolean;
  provider: GitProvider;
  repositoryUrl: string;
  defaultBranch: string;
  /** '' (repository root) or a relative path ending in '/'. */
  pathPrefix: string;
  authorName: string;
  authorEmail: string;
  credentials: GitCredentials;
  lastSyncAt: Date | null;
  lastSyncedCommit: string | null;
  lastSyncedBranch: string | null;
  /** Host keys pinned on the first ssh connection (known_hosts lines), null until then; see ssh-host-keys.ts. */
  sshKnownHosts: string | null;
  sshHostKeyFingerprint: string | null;
}

/** The sealed part of stored credentials (ssh keys are stored in their own table). */
export type SealedCredentialPayload = { token: string; username?: string } | { installationId: string; verified?: GithubAppBinding };

/** Seals `credentials` for the git_integration_configs row of `teamId` (it opens nowhere else). */
export function sealCredentials(
  secrets: SecretBox,
  teamId: string,
  credentials: { type: 'token'; token: string; username?: string } | { type: 'github_app'; installationId: string; verified?: GithubAppBinding },
): string {
  const payload: SealedCredentialPayload =
    credentials.type === 'token'
      ? { token: credentials.token, ...(credentials.username ? { username: credentials.username } : {}) }
      : { installationId: credentials.installationId, ...(credentials.verified ? { verified: credentials.verified } : {}) };
  return secrets.seal(JSON.stringify(payload), gitCredentialsContext(teamId));
}

/**
 * Opens a stored secret of the team. One that does not open (another key, or a value copied
 * from another row or team) fails the request or operation with a message the team can act
 * on; nothing is sent anywhere.
 */
export function openStored(secrets: SecretBox, sealed: string, context: SecretContext): string {
  try {
    return secrets.open(sealed, context);
  } catch (error) {
    if (!(error instanceof SecretBoxError)) throw error;
    throw conflict('The stored git credentials of this team cannot be decrypted (another server key, or they were not saved for this team); save the credentials again');
  }
}

export async function loadGitIntegration(
  prisma: PrismaClient,
  teamId: string,
  secrets: SecretBox,
): Promise<GitIntegration | null> {
  const row = await prisma.gitIntegrationConfig.findUnique({ where: { teamId }, include: { sshKey: true } });
  if (!row) return null;

  let credentials: GitCredentials = null;
  if (row.credentialType === 'ssh_key' && row.sshKey) {
    credentials = {
      type: 'ssh_key',
      sshKeyId: row.sshKey.id,
      // Bound to the team asked for: a key row of another team does not open here.
      privateKey: openStored(secrets, row.sshKey.encryptedPrivateKey, sshPrivateKeyContext(teamId, row.sshKey.id)),
      publicKey: row.sshKey.publicKey,
    };
  } else if (row.credentialType === 'token' && row.encryptedCredentials) {
    const payload = JSON.parse(openStored(secrets, row.encryptedCredentials, gitCredentialsContext(teamId))) as { token: string; username?: string };
    credentials = { type: 'token', token: payload.token, ...(payload.username ? { username: payload.username } : {}) };
  } else if (row.credentialType === 'github_app' && row.encryptedCredentials) {
    const payload = JSON.parse(openStored(secrets, row.encryptedCredentials, gitCredentialsContext(teamId))) as { installationId: string; verified?: GithubAppBinding };
    credentials = { type: 'github_app', installationId: payload.installationId, ...(payload.verified ? { verified: payload.verified } : {}) };
  }

  return {
    teamId: row.teamId,
    enabled: row.enabled,
    provider: row.provider as GitProvider,
    repositoryUrl: row.repositoryUrl,
    defaultBranch: row.defaultBranch,
    pathPrefix: row.pathPrefix,
    authorName: row.authorName,
    authorEmail: row.authorEmail,
    credentials,
    lastSyncAt: row.lastSyncAt,
    lastSyncedCommit: row.lastSyncedCommit,
    lastSyncedBranch: row.lastSyncedBranch,
    sshKnownHosts: row.sshKnownHosts,
    sshHostKeyFingerprint: row.sshHostKeyFingerprint,
  };
}
