import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.js';
import { parseSecretKey, SecretBox } from '../../../src/lib/crypto/secret-box.js';
import { loadGitIntegration } from '../../../src/modules/git-integration/settings/store.js';

// Without GIT_CREDENTIALS_KEY the server makes its own key file in DATA_DIR.
describe('credentials key file', () => {
  let dataDir: string;
  let t: TestApp;
  const TOKEN = 'glpat-keyfile-test-token-0123456789';

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'git-key-file-'));
    // The test app's environment is only what is given here: GIT_CREDENTIALS_KEY is unset.
    t = await createTestApp({ env: { DATA_DIR: dataDir } });
  });
  afterAll(async () => {
    await t?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates DATA_DIR/credentials.key with mode 0600 and warns about it', async () => {
    const info = await stat(join(dataDir, 'credentials.key'));
    expect(info.mode & 0o777).toBe(0o600);
    expect(parseSecretKey(await readFile(join(dataDir, 'credentials.key'), 'utf8'))).toHaveLength(32);
    const warning = t.logs.lines.find((line) => String(line.msg).includes('GIT_CREDENTIALS_KEY is not set'));
    expect(warning?.level).toBe(40);
  });

  it('encrypts with that key, and a restarted app on the same DATA_DIR reuses it', async () => {
    const auth = `Bearer ${await t.token({ team: 'git-keyfile', user: 'kim', scopes: ['git:read', 'git:write'] })}`;
    const res = await t
      .http()
      .post('/api/git-integration')
      .set('authorization', auth)
      .send({ provider: 'gitlab', repository_url: 'https://gitlab.com/acme/p.git', credentials: { type: 'token', token: TOKEN } });
    expect(res.status).toBe(200);
    const team = await t.db.prisma.team.findUniqueOrThrow({ where: { name: 'git-keyfile' } });
    const box = new SecretBox(parseSecretKey(await readFile(join(dataDir, 'credentials.key'), 'utf8')));
    expect((await loadGitIntegration(t.db.prisma, team.id, box))?.credentials).toEqual({ type: 'token', token: TOKEN });

    const before = await readFile(join(dataDir, 'credentials.key'), 'utf8');
    const again = await createTestApp({ env: { DATA_DIR: dataDir }, database: t.database });
    try {
      expect(await readFile(join(dataDir, 'credentials.key'), 'utf8')).toBe(before);
      const warning = again.logs.lines.find((line) => String(line.msg).includes('GIT_CREDENTIALS_KEY is not set'));
      expect(warning).toMatchObject({ created: false, keyFile: join(dataDir, 'credentials.key') });
      // The restarted app still serves the integration saved before (its key did not change).
      const read = await again.http().get('/api/git-integration').set('authorization', auth);
      expect(read.body.data).toMatchObject({ provider: 'gitlab', credential_type: 'token' });
      expect((await loadGitIntegration(again.db.prisma, team.id, box))?.credentials).toEqual({ type: 'token', token: TOKEN });
    } finally {
      await again.close();
    }
    expect(t.logs.text()).not.toContain(TOKEN);
  });
});
