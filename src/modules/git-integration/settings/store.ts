import { Prisma } from '../../../generated/prisma/client.js';
import type { Db, PrismaClient, Tx } from '../../../db/handles.js';
import { SecretBoxError, type SecretBox, type SecretContext } from '../../../lib/crypto/secret-box.js';
import { conflict } from '../../../lib/errors.js';
import { generateEd25519KeyPair } from '../../../lib/crypto/openssh.js';
import { prefixedId } from '../../../lib/ids.js';
import { gitCredentialsContext, sshPrivateKeyContext } from './secret-contexts.js';
import type { GithubAppBinding } from '../github-app/access.js';

/**
 * The stored git integration of a team, with credentials decrypted: what the git
 * operations (test, push, pull, status, history) read before touching a remote.
 *
 * Storage (table git_integration_configs):
 * - `credential_type` is `token`, `github_app`, `ssh_key` or null (no credentials).
 * - `encrypted_credentials` is a SecretBox envelope of a JSON object:
 *   `{token, username?}` for `token`, `{installationId, verified?}` for `github_app`
 *   (`verified`: the repository the installation was checked against, see github-app/access.ts), null for
 *   `ssh_key` (the private key lives, encrypted too, in git_ssh_keys, found via `ssh_key_id`).
 *
 * The SecretBox: the git-integration module registers `secretsPlugin` (../secrets-plugin.ts)
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
  /** Host keys pinned on the first ssh connection (known_hosts lines), null until then; see ssh-keys/host-keys.ts. */
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

// ── Every other read and write of git_integration_configs and git_ssh_keys ──

export const SSH_KEY_ID_PREFIX = 'gitkey';

type CredentialType = 'token' | 'github_app' | 'ssh_key';

/** What GET /git-integration shows (never a credential). */
export interface IntegrationView {
  enabled: boolean;
  provider: GitProvider;
  repositoryUrl: string;
  defaultBranch: string;
  pathPrefix: string;
  credentialType: CredentialType | null;
  sshKeyId: string | null;
  sshHostKeyFingerprint: string | null;
  authorName: string;
  authorEmail: string;
  lastSyncAt: Date | null;
  updatedAt: Date;
  autoPull: boolean;
  autoPullStrategy: 'merge' | 'theirs' | 'ours';
  webhookId: string | null;
}

const VIEW_SELECT = {
  enabled: true,
  provider: true,
  repositoryUrl: true,
  defaultBranch: true,
  pathPrefix: true,
  credentialType: true,
  sshKeyId: true,
  sshHostKeyFingerprint: true,
  authorName: true,
  authorEmail: true,
  lastSyncAt: true,
  updatedAt: true,
  autoPull: true,
  autoPullStrategy: true,
  webhookId: true,
} as const;

const toView = (row: { [K in keyof typeof VIEW_SELECT]: unknown }): IntegrationView => row as IntegrationView;

export async function findIntegrationView(db: Db, teamId: string): Promise<IntegrationView | null> {
  const row = await db.gitIntegrationConfig.findUnique({ where: { teamId }, select: VIEW_SELECT });
  return row ? toView(row) : null;
}

/** The whole stored row (sealed values included), for a save to compare with. */
export function findIntegrationRow(db: Db, teamId: string) {
  return db.gitIntegrationConfig.findUnique({ where: { teamId } });
}

/** Provider, URL and sealed credentials: what a save needs to decide whether stored App credentials follow a new URL. */
export function findStoredCredentials(db: Db, teamId: string) {
  return db.gitIntegrationConfig.findUnique({
    where: { teamId },
    select: { provider: true, repositoryUrl: true, credentialType: true, encryptedCredentials: true },
  });
}

export type IntegrationColumns = Prisma.GitIntegrationConfigUncheckedUpdateInput;

/** Forgets the remote view (refresh/): after a move it describes another repository, branch or prefix. */
export const FORGET_REMOTE_VIEW = { remoteView: Prisma.DbNull, remoteCheckedAt: null, remoteCheckError: null } satisfies IntegrationColumns;

export async function updateIntegration(tx: Db, teamId: string, fields: IntegrationColumns): Promise<IntegrationView> {
  return toView(await tx.gitIntegrationConfig.update({ where: { teamId }, data: fields, select: VIEW_SELECT }));
}

/** First save; an upsert, so a concurrent first save of the same team becomes an update, not a 500. */
export async function createIntegration(
  tx: Db,
  teamId: string,
  required: { provider: string; repositoryUrl: string; defaultBranch: string; authorName: string; authorEmail: string },
  fields: IntegrationColumns,
): Promise<IntegrationView> {
  const row = await tx.gitIntegrationConfig.upsert({
    where: { teamId },
    create: { ...required, ...(fields as Prisma.GitIntegrationConfigUncheckedCreateInput), teamId },
    update: fields,
    select: VIEW_SELECT,
  });
  return toView(row);
}

/** Removes the settings and every stored credential (tokens and deploy keys). */
export async function deleteIntegrationAndKeys(prisma: PrismaClient, teamId: string): Promise<void> {
  await prisma.$transaction([prisma.gitIntegrationConfig.deleteMany({ where: { teamId } }), prisma.gitSshKey.deleteMany({ where: { teamId } })]);
}

/** Whether an operation may be queued, and on which branch by default; null when not configured. */
export function findOperationSettings(db: Db, teamId: string): Promise<{ enabled: boolean; defaultBranch: string } | null> {
  return db.gitIntegrationConfig.findUnique({ where: { teamId }, select: { enabled: true, defaultBranch: true } });
}

/** Locks the team's row until the transaction ends: concurrent submissions of one team count one after another. */
export async function lockIntegrationRow(tx: Tx, teamId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM git_integration_configs WHERE team_id = ${teamId}::uuid FOR UPDATE`;
}

/** A successful push or pull: where the team and git now agree. */
export async function recordSync(tx: Db, teamId: string, commit: string, branch: string): Promise<void> {
  await tx.$executeRaw`
    UPDATE git_integration_configs
    SET last_sync_at = now(), last_synced_commit = ${commit}, last_synced_branch = ${branch}, last_error = NULL, updated_at = now()
    WHERE team_id = ${teamId}::uuid`;
}

/** The failure GET /status shows until the next successful operation. */
export async function recordLastError(db: Db, teamId: string, message: string): Promise<void> {
  await db.gitIntegrationConfig.updateMany({ where: { teamId }, data: { lastError: message } });
}

/** Pins host keys only if still nothing is pinned and the URL is the one connected to (a concurrent reset or new host wins). */
export async function pinHostKeysIfUnpinned(db: Db, teamId: string, repositoryUrl: string, knownHosts: string, fingerprint: string): Promise<void> {
  await db.gitIntegrationConfig.updateMany({
    where: { teamId, repositoryUrl, sshKnownHosts: null },
    data: { sshKnownHosts: knownHosts, sshHostKeyFingerprint: fingerprint },
  });
}

/** False when the team has no integration. */
export async function clearHostKeys(db: Db, teamId: string): Promise<boolean> {
  const { count } = await db.gitIntegrationConfig.updateMany({ where: { teamId }, data: { sshKnownHosts: null, sshHostKeyFingerprint: null } });
  return count > 0;
}

/** The sealed credentials of a team's row (the start-up re-seal pass). */
export async function readSealedCredentials(db: Db, teamId: string): Promise<{ teamId: string; sealed: string | null } | null> {
  const row = await db.gitIntegrationConfig.findUnique({ where: { teamId }, select: { teamId: true, encryptedCredentials: true } });
  return row && { teamId: row.teamId, sealed: row.encryptedCredentials };
}

/** Compare-and-set of the sealed credentials: the number of rows swapped (0 when the row changed meanwhile). */
export async function replaceSealedCredentials(db: Db, teamId: string, old: string, next: string): Promise<number> {
  return (await db.gitIntegrationConfig.updateMany({ where: { teamId, encryptedCredentials: old }, data: { encryptedCredentials: next } })).count;
}

// ── git_ssh_keys ──

export function createSshKeyRow(db: Db, teamId: string, secrets: SecretBox, comment?: string) {
  const id = prefixedId(SSH_KEY_ID_PREFIX);
  const pair = generateEd25519KeyPair(comment ?? id);
  return db.gitSshKey.create({
    data: { id, teamId, publicKey: pair.publicKey, fingerprint: pair.fingerprint, encryptedPrivateKey: secrets.seal(pair.privateKey, sshPrivateKeyContext(teamId, id)) },
    select: { id: true, publicKey: true, fingerprint: true, createdAt: true },
  });
}

export function listSshKeyRows(db: Db, teamId: string) {
  return db.gitSshKey.findMany({
    where: { teamId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, publicKey: true, fingerprint: true, createdAt: true, configs: { select: { credentialType: true } } },
  });
}

/** One statement: a config saved with this key at the same moment either sees it gone or keeps it. */
export async function deleteUnusedSshKey(db: Db, teamId: string, id: string): Promise<boolean> {
  const { count } = await db.gitSshKey.deleteMany({ where: { id, teamId, configs: { none: { credentialType: 'ssh_key' } } } });
  return count === 1;
}

export async function sshKeyExists(db: Db, teamId: string, id: string): Promise<boolean> {
  return (await db.gitSshKey.findFirst({ where: { id, teamId }, select: { id: true } })) !== null;
}

/** The team's deploy key with its private key opened, or null (another team's key is null too). */
export async function openTeamSshKey(db: Db, secrets: SecretBox, teamId: string, id: string): Promise<{ id: string; privateKey: string } | null> {
  const key = await db.gitSshKey.findFirst({ where: { id, teamId } });
  return key && { id: key.id, privateKey: openStored(secrets, key.encryptedPrivateKey, sshPrivateKeyContext(teamId, key.id)) };
}

export async function readSealedPrivateKey(db: Db, id: string): Promise<{ teamId: string; sealed: string | null } | null> {
  const row = await db.gitSshKey.findUnique({ where: { id }, select: { teamId: true, encryptedPrivateKey: true } });
  return row && { teamId: row.teamId, sealed: row.encryptedPrivateKey };
}

export async function replaceSealedPrivateKey(db: Db, id: string, old: string, next: string): Promise<number> {
  return (await db.gitSshKey.updateMany({ where: { id, encryptedPrivateKey: old }, data: { encryptedPrivateKey: next } })).count;
}

// ── legacy_secret_reseals (the one-off v1 -> v2 upgrade, reseal-legacy-secrets.ts) ──

/** Serialises the pass between instances starting at once (PGlite: its one-transaction-at-a-time server does). */
const RESEAL_LOCK_KEY = 0x5e_a1_1e_9a_c7n;

export async function lockLegacyReseals(tx: Tx): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RESEAL_LOCK_KEY})`;
}

export function listLegacyReseals(tx: Tx) {
  return tx.legacySecretReseal.findMany();
}

export async function deleteLegacyReseal(tx: Tx, entry: { tableName: string; rowId: string }): Promise<void> {
  await tx.legacySecretReseal.delete({ where: { tableName_rowId: { tableName: entry.tableName, rowId: entry.rowId } } });
}

/** The sealed column and row key of each table that held v1 envelopes; identifiers never come from the database. */
const LEGACY_COLUMNS = {
  git_integration_configs: { column: 'encrypted_credentials', rowId: 'team_id' },
  git_ssh_keys: { column: 'encrypted_private_key', rowId: 'id' },
} as const;

/** Rows of `table` holding a v1 value with no entry left in legacy_secret_reseals: refused for good. */
export async function countUnrecordedLegacyValues(tx: Tx, table: keyof typeof LEGACY_COLUMNS): Promise<number> {
  const { column, rowId } = LEGACY_COLUMNS[table];
  const rows = await tx.$queryRawUnsafe<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM "${table}" t WHERE t."${column}" LIKE 'v1.%'
       AND NOT EXISTS (SELECT 1 FROM legacy_secret_reseals r WHERE r.table_name = $1 AND r.row_id = t."${rowId}"::text)`,
    table,
  );
  return rows[0]?.n ?? 0;
}

// ── The remote view (refresh/) and the webhook (webhooks/) ──

/** What a refresh measured: commits on `branch` touching the prefix since the last synced commit. */
export interface RemoteView {
  branch: string;
  head_commit: string | null;
  ahead_count: number;
  computed_at: string;
}

/** The remote a refresh measured: its result is recorded only while the settings still name it. */
export interface MeasuredRemote {
  repositoryUrl: string;
  defaultBranch: string;
  pathPrefix: string;
}

/** `remote` null: the refresh failed before it knew which remote (any settings). */
const stillMeasuring = (teamId: string, remote: MeasuredRemote | null) =>
  remote ? { teamId, repositoryUrl: remote.repositoryUrl, defaultBranch: remote.defaultBranch, pathPrefix: remote.pathPrefix } : { teamId };

/**
 * `checkedAt` is when the refresh started: a view is never newer than its fetch. A refresh that
 * started before the settings moved to another remote records nothing: its view is of the old one.
 */
export async function recordRemoteView(db: Db, teamId: string, remote: MeasuredRemote, view: RemoteView, checkedAt: Date): Promise<void> {
  await db.gitIntegrationConfig.updateMany({
    where: stillMeasuring(teamId, remote),
    data: { remoteView: view as unknown as Prisma.InputJsonValue, remoteCheckedAt: checkedAt, remoteCheckError: null },
  });
}

/** A refresh that failed: the view stays, the attempt is recorded (the next one waits GIT_REMOTE_REFRESH_SECONDS). */
export async function recordRemoteCheckFailure(db: Db, teamId: string, remote: MeasuredRemote | null, message: string, checkedAt: Date): Promise<void> {
  await db.gitIntegrationConfig.updateMany({ where: stillMeasuring(teamId, remote), data: { remoteCheckedAt: checkedAt, remoteCheckError: message } });
}

/** The remote view the last background refresh recorded, or null. */
export async function readRemoteView(db: Db, teamId: string): Promise<RemoteView | null> {
  const row = await db.gitIntegrationConfig.findUnique({ where: { teamId }, select: { remoteView: true } });
  return (row?.remoteView ?? null) as RemoteView | null;
}

export async function readRemoteCheckedAt(db: Db, teamId: string): Promise<Date | null> {
  return (await db.gitIntegrationConfig.findUnique({ where: { teamId }, select: { remoteCheckedAt: true } }))?.remoteCheckedAt ?? null;
}

/** False when the team has no integration. */
export async function setWebhook(db: Db, teamId: string, hookId: string, encryptedSecret: string): Promise<boolean> {
  const { count } = await db.gitIntegrationConfig.updateMany({ where: { teamId }, data: { webhookId: hookId, encryptedWebhookSecret: encryptedSecret } });
  return count > 0;
}

/** False when the team has no integration. */
export async function clearWebhook(db: Db, teamId: string): Promise<boolean> {
  const { count } = await db.gitIntegrationConfig.updateMany({ where: { teamId }, data: { webhookId: null, encryptedWebhookSecret: null } });
  return count > 0;
}

export interface WebhookTarget {
  teamId: string;
  hookId: string;
  encryptedSecret: string;
  enabled: boolean;
  autoPull: boolean;
  autoPullStrategy: 'merge' | 'theirs' | 'ours';
  defaultBranch: string;
  lastSyncedBranch: string | null;
}

/** The config a webhook id belongs to (unique index on webhook_id), or null. */
export async function findWebhookTarget(db: Db, hookId: string): Promise<WebhookTarget | null> {
  const row = await db.gitIntegrationConfig.findUnique({
    where: { webhookId: hookId },
    select: { teamId: true, encryptedWebhookSecret: true, enabled: true, autoPull: true, autoPullStrategy: true, defaultBranch: true, lastSyncedBranch: true },
  });
  if (!row?.encryptedWebhookSecret) return null;
  const { encryptedWebhookSecret, autoPullStrategy, ...rest } = row;
  return { ...rest, hookId, encryptedSecret: encryptedWebhookSecret, autoPullStrategy: autoPullStrategy as WebhookTarget['autoPullStrategy'] };
}
