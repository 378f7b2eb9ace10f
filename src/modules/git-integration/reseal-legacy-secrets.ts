import type { PrismaClient } from '../../db/database.js';
import { LEGACY_VERSION, type SecretBox } from '../../lib/crypto/secret-box.js';
import { gitCredentialsContext, sshPrivateKeyContext } from './secret-contexts.js';

const LEGACY_PREFIX = `${LEGACY_VERSION}.`;

export interface ResealOutcome {
  resealed: number;
  /** v1 values this key cannot open: left as they are; using them fails until credentials are saved again. */
  unreadable: number;
}

/**
 * One-off upgrade of `v1` envelopes (bound to nothing) to `v2`, bound to the team and row each
 * one is in now. Runs at every start and finds nothing once done. Each row is swapped only if it
 * still holds the value read (compare-and-set), so concurrent starts and saves are harmless.
 */
export async function resealLegacySecrets(prisma: PrismaClient, secrets: SecretBox): Promise<ResealOutcome> {
  const outcome: ResealOutcome = { resealed: 0, unreadable: 0 };
  const reseal = (sealed: string, seal: (plain: string) => string): string | null => {
    try {
      return seal(secrets.openLegacy(sealed));
    } catch {
      outcome.unreadable++;
      return null;
    }
  };

  const configs = await prisma.gitIntegrationConfig.findMany({
    where: { encryptedCredentials: { startsWith: LEGACY_PREFIX } },
    select: { teamId: true, encryptedCredentials: true },
  });
  for (const { teamId, encryptedCredentials: old } of configs) {
    const next = reseal(old!, (plain) => secrets.seal(plain, gitCredentialsContext(teamId)));
    if (next === null) continue;
    const { count } = await prisma.gitIntegrationConfig.updateMany({ where: { teamId, encryptedCredentials: old }, data: { encryptedCredentials: next } });
    outcome.resealed += count;
  }

  const keys = await prisma.gitSshKey.findMany({
    where: { encryptedPrivateKey: { startsWith: LEGACY_PREFIX } },
    select: { id: true, teamId: true, encryptedPrivateKey: true },
  });
  for (const { id, teamId, encryptedPrivateKey: old } of keys) {
    const next = reseal(old, (plain) => secrets.seal(plain, sshPrivateKeyContext(teamId, id)));
    if (next === null) continue;
    const { count } = await prisma.gitSshKey.updateMany({ where: { id, encryptedPrivateKey: old }, data: { encryptedPrivateKey: next } });
    outcome.resealed += count;
  }
  return outcome;
}
