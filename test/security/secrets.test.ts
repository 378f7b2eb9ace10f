import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type supertest from 'supertest';
import { loggerOptions } from '../../src/http/logger.js';
import { SecretBox } from '../../src/lib/crypto/secret-box.js';
import { sshPrivateKeyContext } from '../../src/modules/git-integration/settings/secret-contexts.js';
import { CREDENTIALS_KEY, waitForOperation } from '../modules/git-integration/helpers.js';
import { assertNoSecretsIn, CREDENTIAL_COLUMNS, credentialLikeColumns, dumpAllTables } from './secrets.js';
import { createWorld, GIT_TOKEN, type World } from './world.js';

// A realistic session on all three surfaces, logged at trace level, then every
// log line and every response body is searched for the secrets that passed by.

let world: World;
const responses: string[] = [];
let privateKey = '';
const URL_TOKEN = 'ghp_PastedIntoTheUrl000000000000000000';

const send = async (req: supertest.Test) => {
  const res = await req;
  responses.push(res.text);
  return res;
};

beforeAll(async () => {
  world = await createWorld({ env: { LOG_LEVEL: 'trace' } });
  const { t, authA } = world;
  const http = () => t.http();

  // Token-authenticated calls on the three surfaces.
  await send(http().get('/api/v1/feature-context').query({ product_name: 'api', implementation_name: 'prod', feature_name: 'auth' }).set('authorization', authA));
  await send(
    http()
      .patch('/api/v1/feature-states')
      .set('authorization', authA)
      .send({ product_name: 'api', implementation_name: 'prod', feature_name: 'auth', states: { 'auth.LOGIN.1': { status: 'completed' } } }),
  );
  await send(http().get('/v1/devices').set('authorization', authA));
  await send(http().post(`/v1/devices/${world.ids.device}/heartbeat`).set('authorization', authA));
  await send(http().get('/api/pipelines').set('authorization', authA));

  // Git settings saved with a token, read back, tested, used for a push and a pull.
  const settings = {
    enabled: true,
    provider: 'github',
    repository_url: world.repositoryUrl,
    default_branch: 'main',
    credentials: { type: 'token', token: GIT_TOKEN },
  };
  expect((await send(http().post('/api/git-integration').set('authorization', authA).send(settings))).status).toBe(200);
  await send(http().get('/api/git-integration').set('authorization', authA));
  const tested = await send(
    http().post('/api/git-integration/test').set('authorization', authA).send({ repository_url: world.repositoryUrl, credentials: { type: 'token', token: GIT_TOKEN } }),
  );
  expect(tested.body.data?.reachable, tested.text).toBe(true);
  // A wrong git token: the remote refuses, the reason must not echo it.
  await send(
    http().post('/api/git-integration/test').set('authorization', authA).send({ repository_url: world.repositoryUrl, credentials: { type: 'token', token: 'ghp_WrongToken000000000000000000000000' } }),
  );
  for (const kind of ['push', 'pull'] as const) {
    const res = await send(http().post(`/api/git-integration/${kind}`).set('authorization', authA).send(kind === 'push' ? { message: 'sync' } : {}));
    expect(res.status, res.text).toBe(202);
    const done = await waitForOperation(t, authA, res.body.data.operation_id);
    responses.push(JSON.stringify(done));
  }
  await send(http().get('/api/git-integration/status').set('authorization', authA));
  await send(http().get('/api/git-integration/history').set('authorization', authA));

  // An ssh key: generated, then used by a connection test (ssh to a closed port).
  const key = await send(http().post('/api/git-integration/ssh-keys').set('authorization', authA).send({ comment: 'secrets-test' }));
  expect(key.status).toBe(201);
  const row = await t.db.prisma.gitSshKey.findUniqueOrThrow({ where: { id: key.body.data.id } });
  privateKey = new SecretBox(Buffer.from(CREDENTIALS_KEY, 'base64')).open(row.encryptedPrivateKey, sshPrivateKeyContext(row.teamId, row.id));
  await send(
    http()
      .post('/api/git-integration/test')
      .set('authorization', authA)
      .send({ repository_url: 'ssh://git@127.0.0.1:1/sec/pipes.git', credentials: { type: 'ssh_key', ssh_key_id: key.body.data.id } }),
  );

  // A token pasted into the URL is refused, and the refusal does not echo it.
  const inUrl = await send(
    http().post('/api/git-integration').set('authorization', authA).send({ repository_url: world.repositoryUrl.replace('http://', `http://x-access-token:${URL_TOKEN}@`) }),
  );
  expect(inUrl.status, inUrl.text).toBe(400);

  // Failed authentication with wrong and revoked-looking tokens.
  for (const auth of ['Bearer at_wrong_token_value_123456789', `Bearer ${world.rawTokens[0]}x`, 'Basic dXNlcjpwYXNz']) {
    expect((await send(http().get('/api/pipelines').set('authorization', auth))).status).toBe(401);
  }
}, 180_000);
afterAll(async () => world?.close());

function secrets(): Record<string, string> {
  const found: Record<string, string> = {
    'git token': GIT_TOKEN,
    'wrong git token': 'ghp_WrongToken000000000000000000000000',
    'token pasted into a URL': URL_TOKEN,
    'ssh private key': privateKey,
  };
  world.rawTokens.forEach((token, i) => (found[`API token ${i}`] = token));
  found['wrong API token'] = 'at_wrong_token_value_123456789';
  found['Basic credentials'] = 'dXNlcjpwYXNz';
  // Whatever the app sent the git remote as Authorization (Basic with the token).
  [...new Set(world.gitServer.authorizations)].filter(Boolean).forEach((header, i) => (found[`git Authorization ${i}`] = header.replace(/^Basic /, '')));
  return found;
}

describe('secrets are stored only sealed or hashed', { timeout: 60_000 }, () => {
  const query = <R extends Record<string, unknown>>(sql: string, params?: unknown[]) => world.t.db.pool.query<R>(sql, params);

  it('every column named like a credential is classified, and every classified column exists', async () => {
    const columns = await credentialLikeColumns(query);
    expect(columns.filter((c) => !(c in CREDENTIAL_COLUMNS)), 'unclassified credential-like columns: add them to CREDENTIAL_COLUMNS in test/security/secrets.ts').toEqual([]);
    expect(Object.keys(CREDENTIAL_COLUMNS).filter((c) => !columns.includes(c)), 'classified columns that no longer exist').toEqual([]);
  });

  it('sealed columns hold v2 envelopes and hash columns hold SHA-256 digests, never the value', async () => {
    const raw = new Set(world.rawTokens);
    for (const [column, kind] of Object.entries(CREDENTIAL_COLUMNS)) {
      if (kind === 'not secret') continue;
      const [table, name] = column.split('.') as [string, string];
      const { rows } = await query<{ v: string }>(`SELECT ${name} AS v FROM ${table} WHERE ${name} IS NOT NULL`);
      expect(rows.length, `${column} has rows to check`).toBeGreaterThan(0);
      for (const { v } of rows) {
        if (kind === 'sealed') expect(v, column).toMatch(/^v2\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
        else expect(v, column).toMatch(/^[0-9a-f]{64}$/);
        expect(raw.has(v), column).toBe(false);
      }
    }
  });

  it('no row of any table contains a plaintext secret in any encoding', async () => {
    const found = secrets();
    for (const { table, text } of await dumpAllTables(query)) assertNoSecretsIn(text, found, `table ${table}`);
  });

  it('the scan would catch a token stored in clear (checked inside a rolled-back transaction)', async () => {
    const client = await world.t.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE git_integration_configs SET encrypted_credentials = $1', [JSON.stringify({ token: GIT_TOKEN })]);
      const dump = await dumpAllTables((sql, params) => client.query(sql, params));
      expect(() => dump.forEach(({ table, text }) => assertNoSecretsIn(text, { 'git token': GIT_TOKEN }, `table ${table}`))).toThrow(/git_integration_configs contains git token/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

describe('secrets never reach logs or responses', { timeout: 60_000 }, () => {
  it('drove the flow through the git remote with the token', () => {
    expect(privateKey).toMatch(/PRIVATE KEY/);
    expect(world.gitServer.authorizations.some((h) => h.startsWith('Basic '))).toBe(true);
    expect(world.t.logs.raw.length).toBeGreaterThan(50);
  });

  it('the log lines contain no token, git credential, private key or Authorization value', () => {
    assertNoSecretsIn(world.t.logs.text(), secrets(), 'the log');
  });

  it('no response body contains the git token or the private key', () => {
    const { 'git token': gitToken, 'wrong git token': wrong, 'token pasted into a URL': pasted, 'ssh private key': key } = secrets();
    for (const text of responses) assertNoSecretsIn(text, { 'git token': gitToken!, 'wrong git token': wrong!, 'token pasted into a URL': pasted!, 'ssh private key': key! }, 'a response');
  });

  it('the logger redacts credential fields wherever a log call puts them', () => {
    const lines: string[] = [];
    const log = pino(loggerOptions({ ...world.t.config, env: 'production' }), { write: (line: string) => void lines.push(line) });
    log.info({ token: 'S1', password: 'S2', authorization: 'Bearer S3', privateKey: 'S4', credentials: { type: 'token', token: 'S5' } }, 'top level');
    log.info({ headers: { authorization: 'Bearer S6', Authorization: 'Bearer S7' }, req: { headers: { 'proxy-authorization': 'Basic S8' } } }, 'headers');
    log.warn({ err: { config: { headers: { Authorization: 'Bearer S9' } } }, job: { data: { token: 'S10' } } }, 'nested');
    const text = lines.join('');
    expect(text).toContain('[redacted]');
    for (let i = 1; i <= 10; i++) expect(text, `S${i}`).not.toMatch(new RegExp(`"[^"]*\\bS${i}"`));
  });

  it('the helper itself catches each form of a secret', () => {
    expect(() => assertNoSecretsIn(`x ${encodeURIComponent('a/b+c=')} y`, { s: 'a/b+c=' }, 't')).toThrow(/contains s/);
    expect(() => assertNoSecretsIn(Buffer.from('abc-123').toString('base64'), { s: 'abc-123' }, 't')).toThrow();
    expect(() => assertNoSecretsIn(JSON.stringify({ k: privateKey }), { k: privateKey }, 't')).toThrow();
  });
});
