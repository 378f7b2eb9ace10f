import { createCipheriv, randomBytes, randomUUID } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrismaClient } from '../../../src/generated/prisma/client.js';
import { applyMigrations, readMigrations } from '../../../src/db/migrator.js';
import { migrationsDir } from '../../../src/lib/paths.js';
import { SecretBox } from '../../../src/lib/crypto/secret-box.js';
import { resealLegacySecrets } from '../../../src/modules/git-integration/settings/reseal-legacy-secrets.js';
import { gitCredentialsContext, sshPrivateKeyContext } from '../../../src/modules/git-integration/settings/secret-contexts.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

// The upgrade from unbound v1 credential envelopes, on a database that really went through it:
// rows written by the old server, then the migration that records them, then the start-up pass.
// Only the v1 values present at upgrade time, each in its own row, become v2; a v1 ciphertext
// moved into another team's row afterwards (issue 11, finding 12) is never opened.

const UPGRADE_MIGRATION = '20261202052315_legacy_secret_reseals';
const KEY = randomBytes(32);
const box = new SecretBox(KEY);

/** A value as the server sealed it before v2: AAD "v1", bound to nothing. */
function sealV1(plain: string, key = KEY): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
  cipher.setAAD(Buffer.from('v1'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), body].map((part) => (typeof part === 'string' ? part : part.toString('base64url'))).join('.');
}

const teams = { a: randomUUID(), b: randomUUID(), c: randomUUID() };
const creds = { a: JSON.stringify({ type: 'token', token: 'A-SECRET-TOKEN-123' }), b: JSON.stringify({ type: 'token', token: 'B-SECRET-TOKEN-456' }) };
const keyA = `sshk_${randomUUID().replaceAll('-', '')}`;
const keyB = `sshk_${randomUUID().replaceAll('-', '')}`;

describe('upgrade from v1 credential envelopes', { timeout: 120_000 }, () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  const clients: { prisma: PrismaClient; pool: pg.Pool }[] = [];
  const v1 = { a: sealV1(creds.a), b: sealV1(creds.b), keyA: sealV1('PRIVATE-KEY-A'), keyB: sealV1('PRIVATE-KEY-B'), c: sealV1(creds.a, randomBytes(32)) };

  /** A client like one server instance's. */
  const prisma = () => {
    const instancePool = new pg.Pool({ connectionString: db.url, max: 2 });
    const client = new PrismaClient({ adapter: new PrismaPg(instancePool) });
    clients.push({ prisma: client, pool: instancePool });
    return client;
  };
  const credentialsOf = async (teamId: string) =>
    (await pool.query<{ c: string }>('SELECT encrypted_credentials AS c FROM git_integration_configs WHERE team_id = $1', [teamId])).rows[0]!.c;
  const privateKeyOf = async (id: string) => (await pool.query<{ k: string }>('SELECT encrypted_private_key AS k FROM git_ssh_keys WHERE id = $1', [id])).rows[0]!.k;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    // The schema as it was before the upgrade migration.
    const before = await mkdtemp(join(tmpdir(), 'migrations-before-'));
    try {
      for (const { name } of (await readMigrations(migrationsDir)).filter((m) => m.name < UPGRADE_MIGRATION)) {
        await cp(join(migrationsDir, name), join(before, name), { recursive: true });
      }
      await applyMigrations(pool, { migrationsDir: before });
    } finally {
      await rm(before, { recursive: true, force: true });
    }
    // What the old server stored: every credential in the unbound v1 envelope.
    for (const [name, id] of Object.entries(teams)) await pool.query('INSERT INTO teams (id, name, updated_at) VALUES ($1, $2, now())', [id, `team-${name}`]);
    for (const [team, sealed] of [[teams.a, v1.a], [teams.b, v1.b], [teams.c, v1.c]] as const) {
      await pool.query(
        `INSERT INTO git_integration_configs (team_id, provider, repository_url, default_branch, credential_type, encrypted_credentials, author_name, author_email, updated_at)
         VALUES ($1, 'generic', 'https://git.example/r.git', 'main', 'token', $2, 'n', 'n@example.com', now())`,
        [team, sealed],
      );
    }
    for (const [id, team, sealed] of [[keyA, teams.a, v1.keyA], [keyB, teams.b, v1.keyB]] as const) {
      await pool.query(
        `INSERT INTO git_ssh_keys (id, team_id, public_key, fingerprint, encrypted_private_key, updated_at) VALUES ($1, $2, 'ssh-ed25519 AAAA', 'SHA256:x', $3, now())`,
        [id, team, sealed],
      );
    }
    // The upgrade.
    expect((await applyMigrations(pool, { migrationsDir })).applied).toContain(UPGRADE_MIGRATION);
  });

  afterAll(async () => {
    for (const client of clients) {
      await client.prisma.$disconnect();
      await client.pool.end();
    }
    await pool?.end();
    await db?.close();
  });

  it('the migration records each v1 value with its row, team and hash', async () => {
    const { rows } = await pool.query<{ table_name: string; row_id: string; team_id: string }>(
      'SELECT table_name, row_id, team_id FROM legacy_secret_reseals ORDER BY table_name, row_id',
    );
    expect(rows).toEqual(
      [
        { table_name: 'git_integration_configs', row_id: teams.a, team_id: teams.a },
        { table_name: 'git_integration_configs', row_id: teams.b, team_id: teams.b },
        { table_name: 'git_integration_configs', row_id: teams.c, team_id: teams.c },
        { table_name: 'git_ssh_keys', row_id: keyA, team_id: teams.a },
        { table_name: 'git_ssh_keys', row_id: keyB, team_id: teams.b },
      ].sort((x, y) => `${x.table_name}${x.row_id}`.localeCompare(`${y.table_name}${y.row_id}`)),
    );
  });

  it("after the upgrade, team A's v1 values moved into team B's rows are refused; the rest is re-sealed in place, once", async () => {
    // Someone with write access to the database moves A's old ciphertexts into B's rows.
    await pool.query('UPDATE git_integration_configs SET encrypted_credentials = $2 WHERE team_id = $1', [teams.b, v1.a]);
    await pool.query('UPDATE git_ssh_keys SET encrypted_private_key = $2 WHERE id = $1', [keyB, v1.keyA]);

    // Several instances starting at once: one pass does the work.
    const outcomes = await Promise.all([resealLegacySecrets(prisma(), box), resealLegacySecrets(prisma(), box)]);
    const total = (k: 'resealed' | 'unreadable' | 'refused') => outcomes.reduce((sum, o) => sum + o[k], 0);
    expect(total('resealed')).toBe(2); // A's config, A's key
    expect(Math.max(...outcomes.map((o) => o.refused))).toBe(2); // B's config and key hold A's values
    expect(Math.max(...outcomes.map((o) => o.unreadable))).toBe(1); // C's value, sealed with another key

    expect(JSON.parse(box.open(await credentialsOf(teams.a), gitCredentialsContext(teams.a)))).toMatchObject({ token: 'A-SECRET-TOKEN-123' });
    expect(box.open(await privateKeyOf(keyA), sshPrivateKeyContext(teams.a, keyA))).toBe('PRIVATE-KEY-A');
    // B's rows still hold A's v1 values, which nothing opens for B.
    expect(await credentialsOf(teams.b)).toBe(v1.a);
    expect(await privateKeyOf(keyB)).toBe(v1.keyA);
    expect(() => box.open(v1.a, gitCredentialsContext(teams.b))).toThrow(/v1 format/);

    // Putting B's own recorded value back later does not revive it either: its entry is spent.
    await pool.query('UPDATE git_integration_configs SET encrypted_credentials = $2 WHERE team_id = $1', [teams.b, v1.b]);
    const again = await resealLegacySecrets(prisma(), box);
    expect(again).toEqual({ resealed: 0, unreadable: 1, refused: 2 });
    expect(await credentialsOf(teams.b)).toBe(v1.b);
    const { rows } = await pool.query<{ row_id: string }>('SELECT row_id FROM legacy_secret_reseals');
    expect(rows).toEqual([{ row_id: teams.c }]);
  });
});
