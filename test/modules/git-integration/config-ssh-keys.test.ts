import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { SecretBox } from '../../../src/lib/crypto/secret-box.js';
import { sshPrivateKeyContext } from '../../../src/modules/git-integration/settings/secret-contexts.js';

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
    const privateKey = new SecretBox(KEY).open(row.encryptedPrivateKey, sshPrivateKeyContext(row.teamId, row.id));
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

describe('GET /api/git-integration/ssh-keys and DELETE /api/git-integration/ssh-keys/{id}', () => {
  let t: TestApp;
  let writer: string;
  let reader: string;
  let other: string;

  beforeAll(async () => {
    t = await createTestApp({ env: { GIT_CREDENTIALS_KEY: randomBytes(32).toString('hex'), GIT_ALLOWED_PROTOCOLS: 'https,ssh' } });
    writer = `Bearer ${await t.token({ team: 'keys-list', user: 'wes', scopes: ['git:read', 'git:write'] })}`;
    reader = `Bearer ${await t.token({ team: 'keys-list', user: 'rae', scopes: ['git:read'] })}`;
    other = `Bearer ${await t.token({ team: 'keys-list-other', user: 'oz', scopes: ['git:read', 'git:write'] })}`;
  });
  afterAll(async () => t?.close());

  const create = async (auth: string) => {
    const res = await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth).send({});
    expect(res.status).toBe(201);
    return res.body.data as { id: string; public_key: string; fingerprint: string; created_at: string };
  };
  const list = async (auth: string) => {
    const res = await t.http().get('/api/git-integration/ssh-keys').set('authorization', auth);
    expect(res.status).toBe(200);
    return res.body.data as { id: string; in_use: boolean }[];
  };
  const remove = (id: string, auth = writer) => t.http().delete(`/api/git-integration/ssh-keys/${id}`).set('authorization', auth);

  it('lists the team\'s keys with their public half and whether the integration uses them', async () => {
    const used = await create(writer);
    const spare = await create(writer);
    const foreign = await create(other);
    const saved = await t
      .http()
      .post('/api/git-integration')
      .set('authorization', writer)
      .send({ provider: 'generic', repository_url: 'ssh://git@git.example.com/acme/pipes.git', ssh_key_id: used.id });
    expect(saved.status, saved.text).toBe(200);

    const keys = await list(reader);
    expect(keys).toEqual([
      { ...used, in_use: true },
      { ...spare, in_use: false },
    ]);
    expect(JSON.stringify(keys)).not.toContain('PRIVATE');
    // Another team sees only its own key.
    expect((await list(other)).map((k) => k.id)).toEqual([foreign.id]);

    // The key in use cannot go; the spare one can, once.
    const inUse = await remove(used.id);
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('conflict');
    expect(inUse.body.error.message).toMatch(/authenticates with this key/);
    expect((await remove(spare.id)).status).toBe(204);
    expect((await remove(spare.id)).status).toBe(404);
    expect((await list(writer)).map((k) => k.id)).toEqual([used.id]);

    // Once the integration uses other credentials, the key is free to delete.
    const switched = await t.http().post('/api/git-integration').set('authorization', writer).send({ credentials: null });
    expect(switched.status, switched.text).toBe(200);
    expect((await list(writer))[0]!.in_use).toBe(false);
    expect((await remove(used.id)).status).toBe(204);
    expect(await list(writer)).toEqual([]);
  });

  it('404 for an unknown id or another team\'s key (which stays)', async () => {
    const foreign = await create(other);
    for (const id of [foreign.id, 'gitkey_00000000000000000000000000', 'not-a-key-id']) {
      const res = await remove(id);
      expect(res.status, id).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await list(other)).map((k) => k.id)).toContain(foreign.id);
  });

  it('401 without a token, 403 without git:read (list) or git:write (delete)', async () => {
    const key = await create(writer);
    expect((await t.http().get('/api/git-integration/ssh-keys')).status).toBe(401);
    expect((await t.http().delete(`/api/git-integration/ssh-keys/${key.id}`)).status).toBe(401);
    const pipelinesOnly = `Bearer ${await t.token({ team: 'keys-list', user: 'pip', scopes: ['pipelines:read'] })}`;
    expect((await t.http().get('/api/git-integration/ssh-keys').set('authorization', pipelinesOnly)).status).toBe(403);
    const denied = await remove(key.id, reader);
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await list(writer)).map((k) => k.id)).toContain(key.id);
  });
});
