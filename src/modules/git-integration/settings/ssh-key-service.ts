import type { PrismaClient } from '../../../db/database.js';
import { conflict } from '../../../lib/errors.js';
import { isPrefixedId } from '../../../lib/ids.js';
import { sshKeyNotFound } from '../errors.js';
import { deleteUnusedSshKey, listSshKeyRows, SSH_KEY_ID_PREFIX, sshKeyExists } from './store.js';

// Listing and deleting a team's deploy keys. Another team's key id answers exactly as
// an unknown one (404), so ids reveal nothing across teams.

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
