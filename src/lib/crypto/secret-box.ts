import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Symmetric encryption for secrets kept in the database (git tokens, deploy keys).
//
// Envelope: `v2.<iv>.<tag>.<ciphertext>`, each part base64url. AES-256-GCM with a
// fresh random 12-byte IV per value. The additional authenticated data binds the
// value to where it belongs: `v2|<purpose>|<teamId>|<rowId>`. A ciphertext copied
// into another team's row, another row, or another column fails to open, so write
// access to the database alone cannot move a team's credential to another tenant.
//
// `v1` envelopes (AAD = "v1", bound to nothing) are never opened by `open`: the git-integration
// module re-seals as v2 only those the upgrade migration recorded, in exactly their recorded
// row (reseal-legacy-secrets.ts); any other v1 value is refused for good.

const VERSION = 'v2';
export const LEGACY_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

/** Where a sealed value is stored: it opens only with the same context. */
export interface SecretContext {
  /** What the value is, e.g. `git-credentials` or `ssh-private-key`. */
  purpose: string;
  teamId: string;
  /** The primary key of the row holding the value. */
  rowId: string;
}

function associatedData(version: string, context: SecretContext): Buffer {
  const parts = [context.purpose, context.teamId, context.rowId];
  // The separator must not occur in a part, or two contexts could share one AAD.
  if (parts.some((part) => part === '' || part.includes('|'))) throw new SecretBoxError('invalid secret context');
  return Buffer.from([version, ...parts].join('|'));
}

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) throw new SecretBoxError(`key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  seal(plain: string, context: SecretContext): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(VERSION, context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string, context: SecretContext): string {
    return this.#decrypt(sealed, VERSION, associatedData(VERSION, context));
  }

  /**
   * Opens a `v1` envelope (bound to nothing). Only for the one-off re-sealing pass at start of
   * values recorded at upgrade time; every other reader uses `open`, which refuses v1.
   */
  openLegacy(sealed: string): string {
    return this.#decrypt(sealed, LEGACY_VERSION, Buffer.from(LEGACY_VERSION));
  }

  #decrypt(sealed: string, version: string, aad: Buffer): string {
    const parts = sealed.split('.');
    if (parts[0] === LEGACY_VERSION && version !== LEGACY_VERSION) {
      throw new SecretBoxError('stored secret is in the retired unbound v1 format (save the credentials again)');
    }
    if (parts.length !== 4 || parts[0] !== version) throw new SecretBoxError('unknown secret envelope format');
    const [, iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('malformed secret envelope');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad);
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (cause) {
      // Wrong key, tampered value, or a value moved from another row or team; never echo the input.
      throw new SecretBoxError('stored secret could not be decrypted (wrong key, corrupted value, or a value copied from another row)', { cause });
    }
  }
}

/** Parses a 32-byte key written as 64 hex characters or as base64 / base64url. */
export function parseSecretKey(text: string): Buffer {
  const value = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(value) ? Buffer.from(value, 'hex') : Buffer.from(value, 'base64');
  if (key.length !== SECRET_KEY_BYTES) {
    throw new SecretBoxError(`secret key must be ${SECRET_KEY_BYTES} bytes (64 hex characters or base64)`);
  }
  return key;
}
