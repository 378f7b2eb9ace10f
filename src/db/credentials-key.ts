import { createHmac } from 'node:crypto';
import type pg from 'pg';

// Every instance sharing a database must encrypt git credentials with the same key. An instance
// started with another one (GIT_CREDENTIALS_KEY unset on one of them, a different DATA_DIR key file)
// would fail every stored credential; it refuses to start instead, with what to do.

/** A value derived from the key that reveals nothing about it (HMAC of a fixed label). */
export function credentialsKeyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('spec-sync git credentials key fingerprint').digest('hex').slice(0, 32);
}

export class CredentialsKeyMismatch extends Error {
  override name = 'CredentialsKeyMismatch';
}

/**
 * Records the key's fingerprint on first use of the database, and refuses a key whose fingerprint
 * differs from the one recorded.
 */
export async function verifyCredentialsKey(pool: pg.Pool, key: Buffer, keySource: string): Promise<void> {
  const fingerprint = credentialsKeyFingerprint(key);
  await pool.query(`INSERT INTO credentials_key_fingerprint (id, fingerprint) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, [fingerprint]);
  const { rows } = await pool.query<{ fingerprint: string; recorded_at: Date }>(`SELECT fingerprint, recorded_at FROM credentials_key_fingerprint WHERE id = 1`);
  const recorded = rows[0]!;
  if (recorded.fingerprint === fingerprint) return;
  throw new CredentialsKeyMismatch(
    [
      `The git credentials key (${keySource}, fingerprint ${fingerprint}) is not the key the credentials in this database`,
      `are encrypted with (fingerprint ${recorded.fingerprint}, recorded ${recorded.recorded_at.toISOString()}).`,
      'Start every instance with that same key: set GIT_CREDENTIALS_KEY to it (copy it from the instance that runs',
      'with it, e.g. its GIT_CREDENTIALS_KEY or its DATA_DIR/credentials.key). If that key is lost, the stored',
      'credentials are too: delete the row (DELETE FROM credentials_key_fingerprint), start with the new key, and',
      'have every team save its git credentials again.',
    ].join('\n'),
  );
}
