import { createHash } from 'node:crypto';
import type { PrismaClient, Tx } from '../../../db/handles.js';
import { LEGACY_VERSION, type SecretBox, type SecretContext } from '../../../lib/crypto/secret-box.js';
import { gitCredentialsContext, sshPrivateKeyContext } from './secret-contexts.js';
import {
  countUnrecordedLegacyValues,
  deleteLegacyReseal,
  listLegacyReseals,
  lockLegacyReseals,
  readSealedCredentials,
  readSealedPrivateKey,
  replaceSealedCredentials,
  replaceSealedPrivateKey,
} from './store.js';

const LEGACY_PREFIX = `${LEGACY_VERSION}.`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ResealOutcome {
  resealed: number;
  /** Recorded v1 values this key cannot open: kept for a start with the right key; they fail until then. */
  unreadable: number;
  /** v1 values that were not in their row when the upgrade ran (moved, pasted, restored): never opened. */
  refused: number;
}

interface StoredValue {
  teamId: string;
  sealed: string | null;
}

/** A column that held v1 envelopes: how to read, compare-and-set, and bind one of its values. */
interface LegacyColumn {
  read(tx: Tx, rowId: string): Promise<StoredValue | null>;
  replace(tx: Tx, rowId: string, old: string, next: string): Promise<number>;
  context(teamId: string, rowId: string): SecretContext;
  /** Rows holding a v1 value with no entry left in the manifest. */
  countUnrecorded(tx: Tx): Promise<number>;
}

const COLUMNS: Record<string, LegacyColumn> = {
  git_integration_configs: {
    async read(tx, rowId) {
      if (!UUID.test(rowId)) return null;
      return readSealedCredentials(tx, rowId);
    },
    replace: replaceSealedCredentials,
    context: (teamId) => gitCredentialsContext(teamId),
    countUnrecorded: (tx) => countUnrecordedLegacyValues(tx, 'git_integration_configs'),
  },
  git_ssh_keys: {
    read: readSealedPrivateKey,
    replace: replaceSealedPrivateKey,
    context: (teamId, rowId) => sshPrivateKeyContext(teamId, rowId),
    countUnrecorded: (tx) => countUnrecordedLegacyValues(tx, 'git_ssh_keys'),
  },
};

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

/** Re-seals the recorded value if its row still holds exactly it: the number of rows swapped. */
async function resealRecorded(tx: Tx, secrets: SecretBox, entry: { tableName: string; rowId: string; teamId: string; ciphertextSha256: string }): Promise<number | 'unreadable'> {
  const column = COLUMNS[entry.tableName];
  const stored = column ? await column.read(tx, entry.rowId) : null;
  const sealed = stored?.sealed;
  if (!column || !stored || !sealed?.startsWith(LEGACY_PREFIX)) return 0;
  if (stored.teamId !== entry.teamId || sha256Hex(sealed) !== entry.ciphertextSha256) return 0;
  let plain: string;
  try {
    plain = secrets.openLegacy(sealed);
  } catch {
    return 'unreadable';
  }
  return column.replace(tx, entry.rowId, sealed, secrets.seal(plain, column.context(stored.teamId, entry.rowId)));
}

/**
 * The one-off upgrade of `v1` envelopes (bound to nothing) to `v2`, bound to their team and row.
 *
 * A v1 value carries no binding, so the row it sits in cannot be trusted to be its own: a v1
 * ciphertext of team A pasted into team B's row (from a backup, by anyone with write access to the
 * database) would become B's credential if re-sealed where it is found. So only the values the
 * upgrade migration recorded (legacy_secret_reseals: table, row, team, SHA-256 of the envelope) are
 * re-sealed, each in exactly its recorded row, and its entry is then deleted. An entry whose row no
 * longer holds exactly that value is deleted too. Every other v1 value is refused for good.
 *
 * Runs in one transaction under an advisory lock, so instances starting together do the work once;
 * each row is swapped only if it still holds the value read, so concurrent saves win.
 */
export async function resealLegacySecrets(prisma: PrismaClient, secrets: SecretBox): Promise<ResealOutcome> {
  return prisma.$transaction(
    async (tx) => {
      const outcome: ResealOutcome = { resealed: 0, unreadable: 0, refused: 0 };
      await lockLegacyReseals(tx);
      for (const entry of await listLegacyReseals(tx)) {
        const result = await resealRecorded(tx, secrets, entry);
        if (result === 'unreadable') {
          outcome.unreadable++;
          continue; // kept: the same value in the same row may still be re-sealed with the right key
        }
        outcome.resealed += result;
        // Re-sealed, saved again since, row gone, or not the recorded value: the entry is spent.
        await deleteLegacyReseal(tx, entry);
      }
      for (const column of Object.values(COLUMNS)) outcome.refused += await column.countUnrecorded(tx);
      return outcome;
    },
    // The lock may be held by another instance doing the same pass.
    { maxWait: 30_000, timeout: 120_000 },
  );
}
