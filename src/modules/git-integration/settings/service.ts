import type { Db, PrismaClient } from '../../../db/handles.js';
import type { SecretBox } from '../../../lib/crypto/secret-box.js';
import { invalidRequest, type FieldIssue } from '../../../lib/errors.js';
import { isPrefixedId } from '../../../lib/ids.js';
import {
  createIntegration,
  deleteIntegrationAndKeys,
  findIntegrationRow,
  findStoredCredentials,
  findIntegrationView,
  FORGET_REMOTE_VIEW,
  sealCredentials,
  SSH_KEY_ID_PREFIX,
  sshKeyExists,
  updateIntegration,
  type GitProvider,
  type IntegrationView,
} from './store.js';
import { parseGitUrl } from '../../../lib/net/git-url.js';
import type { HostResolver } from '../../../lib/net/resolver.js';
import { checkRemote, normalizePathPrefix, type RepositoryUrl, type RepositoryUrlPolicy } from './repository-url.js';
import type { SaveIntegrationBody } from './schemas.js';
import { sshHostAliasOf } from '../ssh-keys/host-keys.js';
import { installationLinkIssue, verifiedGithubAppColumns, type GithubAppSaveDeps } from '../github-app/service.js';

// Settings of a team's git integration (what the UI edits). Deploy keys: ssh-keys/;
// GitHub App links and the verification of App credentials: github-app/.

const DEFAULT_BRANCH = 'main';
const DEFAULT_AUTHOR_NAME = 'Pipelines Bot';
const DEFAULT_AUTHOR_EMAIL = 'pipelines-bot@users.noreply.invalid';

type CredentialType = 'token' | 'github_app' | 'ssh_key';

export function getIntegration(prisma: PrismaClient, teamId: string): Promise<IntegrationView | null> {
  return findIntegrationView(prisma, teamId);
}

type CredentialColumns = { credentialType: CredentialType | null; encryptedCredentials: string | null; sshKeyId: string | null };

/** The credential columns to write; undefined keeps the stored ones. */
function credentialColumns(teamId: string, body: SaveIntegrationBody, secrets: SecretBox, issues: FieldIssue[]): CredentialColumns | undefined {
  const { credentials, ssh_key_id: topLevelKey } = body;
  if (topLevelKey !== undefined && credentials !== undefined && !(credentials?.type === 'ssh_key' && credentials.ssh_key_id === topLevelKey)) {
    issues.push({ field: 'body.ssh_key_id', issue: 'conflicts with credentials; send one of them' });
    return undefined;
  }
  if (credentials === undefined && topLevelKey === undefined) return undefined;
  if (credentials === null) return { credentialType: null, encryptedCredentials: null, sshKeyId: null };
  if (credentials === undefined || credentials.type === 'ssh_key') {
    return { credentialType: 'ssh_key', encryptedCredentials: null, sshKeyId: credentials?.ssh_key_id ?? topLevelKey! };
  }
  const sealed =
    credentials.type === 'token'
      ? sealCredentials(secrets, teamId, { type: 'token', token: credentials.token, username: credentials.username })
      : sealCredentials(secrets, teamId, { type: 'github_app', installationId: String(credentials.installation_id) });
  return { credentialType: credentials.type, encryptedCredentials: sealed, sshKeyId: null };
}

/** A stored URL read with today's strict parser (not today's policy); undefined when it no longer parses (rows saved before it). */
function storedRepositoryUrl(url: string): Pick<RepositoryUrl, 'url' | 'protocol' | 'host' | 'port'> | undefined {
  const parsed = parseGitUrl(url);
  return parsed.ok ? { url: parsed.value.href, protocol: parsed.value.protocol, host: parsed.value.host, port: parsed.value.port } : undefined;
}

/** Whether a credential saved for `stored` would now be sent somewhere else. */
function movesElsewhere(stored: ReturnType<typeof storedRepositoryUrl>, next: RepositoryUrl): boolean {
  return !stored || stored.protocol !== next.protocol || stored.host !== next.host || stored.port !== next.port;
}

/** Credentials that cannot work with the remote are refused now rather than at the first push. */
function credentialMismatch(type: CredentialType, protocol: RepositoryUrl['protocol'], provider: GitProvider | undefined): string | null {
  if (type === 'ssh_key' && protocol !== 'ssh') return 'a deploy key needs an ssh:// or git@host:path repository_url';
  if (type === 'token' && protocol === 'ssh') return 'a token needs an https:// repository_url';
  if (type === 'github_app' && (provider !== 'github' || protocol === 'ssh')) return 'a GitHub App needs provider github and an https:// repository_url';
  return null;
}

/**
 * Whether a save may ask GitHub: App credentials sent, or stored ones kept for a new URL
 * (then the route runs it in one of the team's request slots).
 */
export async function saveMayAskGithub(db: Db, teamId: string, body: SaveIntegrationBody): Promise<boolean> {
  if (body.credentials?.type === 'github_app') return true;
  if (body.credentials !== undefined || body.ssh_key_id !== undefined || body.repository_url === undefined) return false;
  return (await findStoredCredentials(db, teamId))?.credentialType === 'github_app';
}

/**
 * Creates or updates the team's integration. Validation problems are collected
 * and reported together as one 400.
 */
export async function saveIntegration(
  prisma: PrismaClient,
  teamId: string,
  body: SaveIntegrationBody,
  deps: { secrets: SecretBox; urlPolicy: RepositoryUrlPolicy; githubApp: GithubAppSaveDeps; resolver: HostResolver },
): Promise<{ view: IntegrationView; remoteMoved: boolean }> {
  const issues: FieldIssue[] = [];
  let url: RepositoryUrl | undefined;
  if (body.repository_url !== undefined) {
    // Resolved now too: a name that points inside is refused before it is stored (and again at each use).
    const checked = await checkRemote(body.repository_url, deps.urlPolicy, deps.resolver);
    if (checked.ok) url = checked.value;
    else issues.push({ field: 'body.repository_url', issue: checked.issue });
  }
  let pathPrefix: string | undefined;
  if (body.path_prefix !== undefined) {
    const prefix = normalizePathPrefix(body.path_prefix);
    if (prefix.ok) pathPrefix = prefix.value;
    else issues.push({ field: 'body.path_prefix', issue: prefix.issue });
  }
  const credentials = credentialColumns(teamId, body, deps.secrets, issues);
  // GitHub App credentials are stored only once verified for the repository (github-app/service.ts).
  const appCredentials = await verifiedGithubAppColumns(prisma, teamId, body, url?.url, deps.githubApp, issues);

  return prisma.$transaction(async (tx) => {
    const existing = await findIntegrationRow(tx, teamId);
    if (!existing) {
      if (body.provider === undefined) issues.push({ field: 'body.provider', issue: 'is required' });
      if (body.repository_url === undefined) issues.push({ field: 'body.repository_url', issue: 'is required' });
    }
    if (credentials?.sshKeyId) {
      const key = isPrefixedId(SSH_KEY_ID_PREFIX, credentials.sshKeyId)
        ? await sshKeyExists(tx, teamId, credentials.sshKeyId)
        : false;
      if (!key) issues.push({ field: body.ssh_key_id ? 'body.ssh_key_id' : 'body.credentials.ssh_key_id', issue: 'is not a key of this team' });
    }
    const storedUrl = existing ? storedRepositoryUrl(existing.repositoryUrl) : undefined;
    const effectiveUrl = url ?? storedUrl;
    const storedType = existing?.credentialType as CredentialType | null | undefined;
    // A token is sent to whatever host the URL names, and to the provider's pull-request API: a move
    // to another host, port or protocol, or to another provider, drops it unless this request brings
    // new credentials (someone with git:write could otherwise collect it). A deploy key stays: it
    // never leaves this server, and the host key is pinned per host.
    const changesProvider = existing !== null && body.provider !== undefined && body.provider !== existing.provider;
    const dropsCredentials =
      credentials === undefined &&
      appCredentials === undefined &&
      (storedType === 'token' || storedType === 'github_app') &&
      ((url !== undefined && movesElsewhere(storedUrl, url)) || changesProvider);
    const credentialType = credentials ? credentials.credentialType : dropsCredentials ? null : storedType;
    const provider = body.provider ?? (existing?.provider as GitProvider | undefined);
    if (effectiveUrl && credentialType) {
      const issue = credentialMismatch(credentialType, effectiveUrl.protocol, provider);
      if (issue) issues.push({ field: body.ssh_key_id ? 'body.ssh_key_id' : 'body.credentials', issue });
    }
    if (appCredentials && issues.length === 0) {
      // Still linked inside the transaction: the proof that a member can access it on GitHub.
      const claim = await installationLinkIssue(tx, teamId, appCredentials.installationId);
      if (claim) issues.push(claim);
    }
    if (issues.length > 0) throw invalidRequest('Invalid git integration settings', issues);

    // The remote view (refresh/) describes one repository, branch and prefix: a move voids it, and
    // the route queues a refresh of the new one at once instead of after GIT_REMOTE_REFRESH_SECONDS.
    const remoteMoved =
      existing !== null &&
      ((url !== undefined && url.url !== existing.repositoryUrl) ||
        (body.default_branch !== undefined && body.default_branch !== existing.defaultBranch) ||
        (pathPrefix !== undefined && pathPrefix !== existing.pathPrefix));
    const fields = {
      ...(remoteMoved ? FORGET_REMOTE_VIEW : {}),
      ...(body.enabled !== undefined ? { enabled: body.enabled } : {}),
      ...(body.provider !== undefined ? { provider: body.provider } : {}),
      ...(url ? { repositoryUrl: url.url } : {}), // the canonical form, never the input
      ...(body.default_branch !== undefined ? { defaultBranch: body.default_branch } : {}),
      ...(pathPrefix !== undefined ? { pathPrefix } : {}),
      ...(body.author_name !== undefined ? { authorName: body.author_name } : {}),
      ...(body.author_email !== undefined ? { authorEmail: body.author_email } : {}),
      ...(body.auto_pull !== undefined ? { autoPull: body.auto_pull } : {}),
      ...(body.auto_pull_strategy !== undefined ? { autoPullStrategy: body.auto_pull_strategy } : {}),
      ...(credentials ?? {}),
      ...(dropsCredentials ? { credentialType: null, encryptedCredentials: null } : {}),
      // Pinned ssh host keys belong to the host they were seen on.
      ...(existing && url && sshHostAliasOf(existing.repositoryUrl) !== sshHostAliasOf(url.url) ? { sshKnownHosts: null, sshHostKeyFingerprint: null } : {}),
      ...(appCredentials?.columns ?? {}),
    };
    const view = existing
      ? await updateIntegration(tx, teamId, fields)
      : await createIntegration(
          tx,
          teamId,
          { provider: body.provider!, repositoryUrl: url!.url, defaultBranch: DEFAULT_BRANCH, authorName: DEFAULT_AUTHOR_NAME, authorEmail: DEFAULT_AUTHOR_EMAIL },
          fields,
        );
    return { view, remoteMoved };
  });
}

/** Removes the settings and every stored credential (tokens and deploy keys). Pipelines stay. */
export async function deleteIntegration(prisma: PrismaClient, teamId: string): Promise<void> {
  await deleteIntegrationAndKeys(prisma, teamId);
}

export function toIntegrationBody(view: IntegrationView) {
  return {
    enabled: view.enabled,
    provider: view.provider,
    repository_url: view.repositoryUrl,
    default_branch: view.defaultBranch,
    path_prefix: view.pathPrefix,
    credential_type: view.credentialType,
    ...(view.sshKeyId && view.credentialType === 'ssh_key' ? { ssh_key_id: view.sshKeyId } : {}),
    ssh_host_key_fingerprint: view.sshHostKeyFingerprint,
    author_name: view.authorName,
    author_email: view.authorEmail,
    last_sync_at: view.lastSyncAt?.toISOString() ?? null,
    updated_at: view.updatedAt.toISOString(),
    auto_pull: view.autoPull,
    auto_pull_strategy: view.autoPullStrategy,
    webhook_id: view.webhookId,
  };
}
