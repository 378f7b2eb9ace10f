import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { SecretBox } from '../../../src/lib/crypto/secret-box.js';

describe('POST /api/git-integration/ssh-keys', () => {
  const KEY = randomBytes(32);
  let t: TestApp;
  let auth: string;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'git-ssh-keys-'));
    t = await createTestApp({ env: { GIT_CREDENTIALS_KEY: KEY.toString('hex') } });
    auth = `Bearer ${await t.token({ team: 'git-keys', user: 'sam', scopes: ['git:write'] })}`;
  });
  afterAll(async () => {
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('generates an ed25519 key that ssh-keygen reads, stores the private half encrypted', async () => {
    const res = await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth).send({ comment: 'pipelines@acme' });
    expect(res.status).toBe(201);
    const { id, public_key: publicKey, fingerprint } = res.body.data;
    expect(id).toMatch(/^gitkey_[0-9a-z]{26}$/);
    expect(publicKey).toMatch(/^ssh-ed25519 AAAA[A-Za-z0-9+/]+=* pipelines@acme$/);
    expect(Object.keys(res.body.data).sort()).toEqual(['created_at', 'fingerprint', 'id', 'public_key']);

    const row = await t.db.prisma.gitSshKey.findUniqueOrThrow({ where: { id } });
    expect(row.encryptedPrivateKey).not.toContain('PRIVATE KEY');
    const privateKey = new SecretBox(KEY).open(row.encryptedPrivateKey);
    expect(privateKey).toMatch(/^-----BEGIN OPENSSH PRIVATE KEY-----\n/);

    const file = join(dir, 'id_ed25519');
    await writeFile(file, privateKey, { mode: 0o600 });
    expect(execFileSync('ssh-keygen', ['-y', '-f', file], { encoding: 'utf8' }).trim()).toBe(publicKey);
    expect(execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', file], { encoding: 'utf8' })).toContain(` ${fingerprint} `);
    expect(t.logs.text()).not.toContain('PRIVATE KEY');
  });

  it('uses the key id as comment by default and gives every key its own pair', async () => {
    const a = await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth).send({});
    const b = await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(a.body.data.public_key.endsWith(` ${a.body.data.id}`)).toBe(true);
    expect(a.body.data.fingerprint).not.toBe(b.body.data.fingerprint);
  });

  it('400 for an invalid comment or unknown field', async () => {
    for (const body of [{ comment: 'has space' }, { comment: '' }, { bits: 4096 }]) {
      const res = await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth).send(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
  });

  it('401 without a token, 403 without git:write', async () => {
    expect((await t.http().post('/api/git-integration/ssh-keys').send({})).status).toBe(401);
    const reader = `Bearer ${await t.token({ team: 'git-keys', user: 'reader', scopes: ['git:read'] })}`;
    expect((await t.http().post('/api/git-integration/ssh-keys').set('authorization', reader).send({})).status).toBe(403);
  });
});
