import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsKeyFingerprint, CredentialsKeyMismatch, verifyCredentialsKey } from '../../src/db/credentials-key.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

describe('git credentials key fingerprint', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => t?.close());

  const first = randomBytes(32);
  const other = randomBytes(32);

  it('is recorded by the first instance; the same key passes every later start', async () => {
    await verifyCredentialsKey(t.db.pool, first, 'GIT_CREDENTIALS_KEY');
    await verifyCredentialsKey(t.db.pool, first, 'GIT_CREDENTIALS_KEY');
    const { rows } = await t.db.pool.query<{ fingerprint: string }>('SELECT fingerprint FROM credentials_key_fingerprint');
    expect(rows).toEqual([{ fingerprint: credentialsKeyFingerprint(first) }]);
  });

  it('refuses another key, saying which one and what to do, without revealing either key', async () => {
    const refused = await verifyCredentialsKey(t.db.pool, other, '/data/credentials.key').then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(CredentialsKeyMismatch);
    const message = (refused as Error).message;
    expect(message).toContain('/data/credentials.key');
    expect(message).toContain(credentialsKeyFingerprint(other));
    expect(message).toContain(credentialsKeyFingerprint(first));
    expect(message).toMatch(/set GIT_CREDENTIALS_KEY to it/);
    for (const key of [first, other]) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(message).not.toContain(key.toString(encoding));
    }
    // Nothing was overwritten: the first key still passes.
    await verifyCredentialsKey(t.db.pool, first, 'GIT_CREDENTIALS_KEY');
  });

  it('the fingerprint is not the key, and differs per key', () => {
    expect(credentialsKeyFingerprint(first)).toMatch(/^[0-9a-f]{32}$/);
    expect(credentialsKeyFingerprint(first)).not.toBe(credentialsKeyFingerprint(other));
    expect(first.toString('hex')).not.toContain(credentialsKeyFingerprint(first));
  });
});
