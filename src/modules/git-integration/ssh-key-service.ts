import type { PrismaClient } from '../../db/database.js';
import { conflict, notFound } from '../../lib/errors.js';
import { isPrefixedId } from '../../lib/ids.js';
import { SSH_KEY_ID_PREFIX } from './config-service.js';

// Listing and deleting a team's deploy keys. Another team's key id answers exactly as
// an unknown one (404), so ids reveal nothing across teams.

export async function listSshKeys(prisma: PrismaClient, teamId: string) {
  const keys = await prisma.gitSshKey.findMany({
    where: { teamId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, publicKey: true, fingerprint: true, createdAt: true, configs: { select: { credentialType: true } } },
  });
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
  if (!isPrefixedId(SSH_KEY_ID_PREFIX, id)) throw notFound('SSH key not found');
  // One statement: a config saved with this key at the same moment either sees it gone or keeps it.
  const { count } = await prisma.gitSshKey.deleteMany({ where: { id, teamId, configs: { none: { credentialType: 'ssh_key' } } } });
  if (count === 1) return;
  const exists = await prisma.gitSshKey.findFirst({ where: { id, teamId }, select: { id: true } });
  if (!exists) throw notFound('SSH key not found');
  throw conflict('The git integration authenticates with this key; switch it to other credentials (POST /api/git-integration) before deleting the key');
}
