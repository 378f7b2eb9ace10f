import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { GitRemotes, startHttpGitServer, type HttpGitServer } from '../../helpers/git-remotes.js';
import { SecretBox } from '../../../src/lib/crypto/secret-box.js';
import { resealLegacySecrets } from '../../../src/modules/git-integration/settings/reseal-legacy-secrets.js';
import { gitCredentialsContext, sshPrivateKeyContext } from '../../../src/modules/git-integration/settings/secret-contexts.js';
import { CREDENTIALS_KEY, gitTestEnv, waitForOperation } from './helpers.js';

// Stored credentials are sealed for one team and one row (AES-GCM associated data
// `v2|<purpose>|<teamId>|<rowId>`): a ciphertext copied into another team's row does not open,
// the operation fails with a clear message, and no credential is sent anywhere.
// v1 values (bound to nothing) are re-sealed at start only where the upgrade recorded them; any other is refused.

const TOKEN_A = 'tok_TeamA_s3cret_0123456789abcdef';
const TOKEN_B = 'tok_TeamB_s3cret_fedcba9876543210';
const KEY = Buffer.from(CREDENTIALS_KEY, 'base64');

/** A value as the server sealed it before v2: AAD "v1", bound to nothing. */
function sealV1(plain: string, key = KEY): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from('v1'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

describe('credential ciphertexts are bound to their team and row', { timeout: 90_000 }, () => {
  let t: TestApp;
  let remotes: GitRemotes;
  let server: HttpGitServer;
  const auth: Record<'a' | 'b', string> = { a: '', b: '' };
  const team: Record<'a' | 'b', string> = { a: '', b: '' };

  const pull = async (who: 'a' | 'b') => {
    const res = await t.http().post('/api/git-integration/pull').set('authorization', auth[who]).send({});
    expect(res.status).toBe(202);
    return waitForOperation(t, auth[who], res.body.data.operation_id);
  };
  const column = async (teamId: string) =>
    (await t.db.pool.query<{ c: string }>('SELECT encrypted_credentials AS c FROM git_integration_configs WHERE team_id = $1', [teamId])).rows[0]!.c;
  const setColumn = (teamId: string, value: string) =>
    t.db.pool.query('UPDATE git_integration_configs SET encrypted_credentials = $2 WHERE team_id = $1', [teamId, value]);
  /** The entry the upgrade migration writes for a v1 value stored when it runs (legacy-reseal-upgrade.test.ts runs it for real). */
  const recordAtUpgrade = (teamId: string, sealed: string) =>
    t.db.prisma.legacySecretReseal.create({
      data: { tableName: 'git_integration_configs', rowId: teamId, teamId, ciphertextSha256: createHash('sha256').update(sealed).digest('hex') },
    });

  beforeAll(async () => {
    remotes = new GitRemotes();
    remotes.createBare('team-a/pipes', { files: { 'README.md': 'a\n' } });
    remotes.createBare('team-b/pipes', { files: { 'README.md': 'b\n' } });
    server = await startHttpGitServer(remotes.root, { [TOKEN_A]: 'rw', [TOKEN_B]: 'rw' });
    t = await createTestApp({ jobs: true, env: gitTestEnv() });
    for (const [who, token] of [['a', TOKEN_A], ['b', TOKEN_B]] as const) {
      auth[who] = `Bearer ${await t.token({ team: `binding-${who}`, user: who, scopes: ['git:read', 'git:write', 'pipelines:read'] })}`;
      team[who] = (await t.db.prisma.team.findUniqueOrThrow({ where: { name: `binding-${who}` } })).id;
      const res = await t
        .http()
        .post('/api/git-integration')
        .set('authorization', auth[who])
        .send({ enabled: true, provider: 'generic', repository_url: server.url(`team-${who}/pipes`), default_branch: 'main', credentials: { type: 'token', token } });
      expect(res.status).toBe(200);
    }
  });

  afterAll(async () => {
    await t?.close();
    await server?.close();
    remotes?.close();
  });

  it('stores v2 envelopes that open only for their own team and row', async () => {
    const box = new SecretBox(KEY);
    const sealedA = await column(team.a);
    expect(sealedA).toMatch(/^v2\./);
    expect(JSON.parse(box.open(sealedA, gitCredentialsContext(team.a)))).toMatchObject({ token: TOKEN_A });
    expect(() => box.open(sealedA, gitCredentialsContext(team.b))).toThrow(/could not be decrypted/);
    // Same team, another purpose/row: refused too.
    expect(() => box.open(sealedA, sshPrivateKeyContext(team.a, team.a))).toThrow(/could not be decrypted/);
  });

  it("team A's ciphertext copied into team B's row fails B's operations; no token is sent", async () => {
    expect((await pull('b')).status).toBe('succeeded');
    const original = await column(team.b);
    await setColumn(team.b, await column(team.a));
    try {
      const before = server.authorizations.length;
      const op = await pull('b');
      expect(op.status).toBe('failed');
      expect(op.error).toMatch(/stored git credentials of this team cannot be decrypted/);
      const test = await t.http().post('/api/git-integration/test').set('authorization', auth.b).send({});
      expect(test.status).toBe(409);
      expect(test.body.error.message).toMatch(/cannot be decrypted/);
      // Nothing reached the git server: neither team's token was sent on B's behalf.
      expect(server.authorizations.slice(before)).toEqual([]);
      expect(`${op.error} ${test.text}`).not.toContain(TOKEN_A);
    } finally {
      await setColumn(team.b, original);
    }
    expect((await pull('b')).status).toBe('succeeded');
  });

  it("team A's deploy key copied into team B's key row does not open for B", async () => {
    const keys: Record<string, string> = {};
    for (const who of ['a', 'b'] as const) {
      const res = await t.http().post('/api/git-integration/ssh-keys').set('authorization', auth[who]).send({});
      expect(res.status).toBe(201);
      keys[who] = res.body.data.id;
    }
    const rowA = await t.db.prisma.gitSshKey.findUniqueOrThrow({ where: { id: keys.a! } });
    await t.db.prisma.gitSshKey.update({ where: { id: keys.b! }, data: { encryptedPrivateKey: rowA.encryptedPrivateKey } });
    const box = new SecretBox(KEY);
    expect(box.open(rowA.encryptedPrivateKey, sshPrivateKeyContext(team.a, keys.a!))).toMatch(/OPENSSH PRIVATE KEY/);
    expect(() => box.open(rowA.encryptedPrivateKey, sshPrivateKeyContext(team.b, keys.b!))).toThrow(/could not be decrypted/);
    // Nor in another row of the same team.
    expect(() => box.open(rowA.encryptedPrivateKey, sshPrivateKeyContext(team.a, keys.b!))).toThrow(/could not be decrypted/);
  });

  it('a v1 value is re-sealed only in the row the upgrade recorded it in; any other v1 value is refused for good', async () => {
    const box = new SecretBox(KEY);
    const original = await column(team.a);
    const v1 = sealV1(JSON.stringify({ token: TOKEN_A }));
    await setColumn(team.a, v1);
    const refused = await pull('a');
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/cannot be decrypted/);

    // Not recorded by the upgrade migration (written afterwards): the start-up pass leaves it closed.
    expect(await resealLegacySecrets(t.db.prisma, box)).toEqual({ resealed: 0, unreadable: 0, refused: 1 });
    expect(await column(team.a)).toBe(v1);

    // Recorded, as the upgrade migration records what is stored when it runs: re-sealed in place, once.
    await recordAtUpgrade(team.a, v1);
    expect(await resealLegacySecrets(t.db.prisma, box)).toEqual({ resealed: 1, unreadable: 0, refused: 0 });
    const resealed = await column(team.a);
    expect(resealed).toMatch(/^v2\./);
    expect(JSON.parse(box.open(resealed, gitCredentialsContext(team.a)))).toEqual({ token: TOKEN_A });
    expect((await pull('a')).status).toBe('succeeded');
    expect(await resealLegacySecrets(t.db.prisma, box)).toEqual({ resealed: 0, unreadable: 0, refused: 0 });

    // The same v1 value written back later is refused: the entry was spent.
    await setColumn(team.a, v1);
    expect(await resealLegacySecrets(t.db.prisma, box)).toEqual({ resealed: 0, unreadable: 0, refused: 1 });
    await setColumn(team.a, original);
  });

  it("a v1 ciphertext of team A pasted into team B's row never becomes B's credential (issue 11)", async () => {
    const box = new SecretBox(KEY);
    const original = await column(team.b);
    // B's own value was v1 at upgrade time and recorded; then A's old v1 value (e.g. from a backup) is pasted over it.
    await recordAtUpgrade(team.b, sealV1(JSON.stringify({ type: 'token', token: TOKEN_B })));
    const oldA = sealV1(JSON.stringify({ type: 'token', token: TOKEN_A }));
    await setColumn(team.b, oldA);
    try {
      expect(await resealLegacySecrets(t.db.prisma, box)).toEqual({ resealed: 0, unreadable: 0, refused: 1 });
      expect(await column(team.b)).toBe(oldA);
      const before = server.authorizations.length;
      const op = await pull('b');
      expect(op.status).toBe('failed');
      expect(op.error).toMatch(/cannot be decrypted/);
      expect(server.authorizations.slice(before)).toEqual([]);
      // Every later start refuses it too.
      expect(await resealLegacySecrets(t.db.prisma, box)).toEqual({ resealed: 0, unreadable: 0, refused: 1 });
    } finally {
      await setColumn(team.b, original);
    }
  });

  it('a recorded v1 value this key cannot open is kept for a start with the right key, and fails meanwhile', async () => {
    const original = await column(team.a);
    const otherKey = randomBytes(32);
    const v1 = sealV1(JSON.stringify({ token: TOKEN_A }), otherKey);
    await setColumn(team.a, v1);
    await recordAtUpgrade(team.a, v1);
    try {
      expect(await resealLegacySecrets(t.db.prisma, new SecretBox(KEY))).toEqual({ resealed: 0, unreadable: 1, refused: 0 });
      expect(await resealLegacySecrets(t.db.prisma, new SecretBox(KEY))).toEqual({ resealed: 0, unreadable: 1, refused: 0 });
      expect(await resealLegacySecrets(t.db.prisma, new SecretBox(otherKey))).toEqual({ resealed: 1, unreadable: 0, refused: 0 });
      expect(await column(team.a)).toMatch(/^v2\./);
    } finally {
      await setColumn(team.a, original);
    }
  });
});
