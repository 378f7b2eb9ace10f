import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// Symmetric encryption for secrets kept in the database (git tokens, deploy keys).
//
// Envelope: `v1.<iv>.<tag>.<ciphertext>`, each part base64url. AES-256-GCM with a
// fresh random 12-byte IV per value; the version prefix lets a later key or
// algorithm rotation tell old values from new ones. The version string is bound
// as additional authenticated data, so it cannot be swapped without detection.

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== SECRET_KEY_BYTES) throw new SecretBoxError(`key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
    this.#key = Buffer.from(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(VERSION));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
  }

  open(sealed: string): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new SecretBoxError('unknown secret envelope format');
    const [, iv, tag, body] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer, Buffer];
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('malformed secret envelope');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(VERSION));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch (cause) {
      // Wrong key or tampered value; never echo the input.
      throw new SecretBoxError('secret could not be decrypted (wrong key or corrupted value)', { cause });
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
