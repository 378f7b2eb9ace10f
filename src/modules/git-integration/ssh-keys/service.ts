import type { PrismaClient } from '../../../db/handles.js';
import type { SecretBox } from '../../../lib/crypto/secret-box.js';
import { conflict } from '../../../lib/errors.js';
import { isPrefixedId } from '../../../lib/ids.js';
import { integrationNotFound, sshKeyNotFound } from '../errors.js';
import { clearHostKeys, createSshKeyRow, deleteUnusedSshKey, listSshKeyRows, SSH_KEY_ID_PREFIX, sshKeyExists } from '../settings/store.js';

// Creating, listing and deleting a team's deploy keys, and forgetting the pinned host key.
// Another team's key id answers exactly as an unknown one (404), so ids reveal nothing
// across teams. git_ssh_keys is read with the config too (loadGitIntegration, the save's
// key check, DELETE /git-integration), so its SQL stays in the settings store.

export function createSshKey(prisma: PrismaClient, teamId: string, secrets: SecretBox, comment?: string) {
  return createSshKeyRow(prisma, teamId, secrets, comment);
}

export async function listSshKeys(prisma: PrismaClient, teamId: string) {
  const keys = await listSshKeyRows(prisma, teamId);
  return keys.map((key) => ({
    id: key.id,
    public_key: key.publicKey,
    fingerprint: key.fingerprint,
    created_at: key.createdAt.toISOString(),
    in_use: key.configs.some((config) => config.credentialType === 'ssh_key'),
  }));
}

/** 404 for an unknown or foreign key, 409 while the integration authenticates with it. */
export async function deleteSshKey(prisma: PrismaClient, teamId: string, id: string): Promise<void> {
  if (!isPrefixedId(SSH_KEY_ID_PREFIX, id)) throw sshKeyNotFound();
  if (await deleteUnusedSshKey(prisma, teamId, id)) return;
  if (!(await sshKeyExists(prisma, teamId, id))) throw sshKeyNotFound();
  throw conflict('The git integration authenticates with this key; switch it to other credentials (POST /api/git-integration) before deleting the key');
}

/** Forgets the pinned host key: the next successful connection pins the key it sees (host-keys.ts). */
export async function resetHostKeys(prisma: PrismaClient, teamId: string): Promise<void> {
  if (!(await clearHostKeys(prisma, teamId))) throw integrationNotFound();
}
