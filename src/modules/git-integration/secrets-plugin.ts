import fp from 'fastify-plugin';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SecretBox } from '../../lib/crypto/secret-box.js';
import { loadOrCreateKeyFile } from '../../lib/crypto/key-file.js';
import { resealLegacySecrets } from './settings/reseal-legacy-secrets.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Encrypts git credentials at rest; decorated inside the git-integration module only. */
    gitSecrets: SecretBox;
  }
}

const CREDENTIALS_KEY_FILE = 'credentials.key';

/**
 * Loads the credentials key once, at registration: `GIT_CREDENTIALS_KEY` when set,
 * else `DATA_DIR/credentials.key` (created with mode 0600 on first start); once listening, re-seals
 * any `v1` value still stored (settings/reseal-legacy-secrets.ts).
 * Wrapped with fastify-plugin so the decoration reaches the module's other plugins.
 */
export default fp(
  async function gitSecretsPlugin(app: FastifyInstance) {
    const configured = app.config.gitIntegration.credentialsKey;
    let key = configured;
    if (!key) {
      const path = join(app.config.database.dataDir, CREDENTIALS_KEY_FILE);
      const loaded = await loadOrCreateKeyFile(path);
      key = loaded.key;
      app.log.warn(
        { keyFile: path, created: loaded.created },
        'GIT_CREDENTIALS_KEY is not set; git credentials are encrypted with a key file. Set GIT_CREDENTIALS_KEY in production and keep it out of backups of the data directory',
      );
    }
    const secrets = new SecretBox(key);
    app.decorate('gitSecrets', secrets);
    // Stored values sealed before they were bound to their team and row (v1) are bound now, once,
    // when the server starts serving: registration itself must not touch the database (npm run openapi).
    app.addHook('onListen', async () => {
      const { resealed, unreadable, refused } = await resealLegacySecrets(app.db.prisma, secrets);
      if (resealed > 0) app.log.info({ resealed }, 'git credentials re-sealed from the v1 to the v2 (team- and row-bound) envelope');
      if (unreadable > 0) app.log.warn({ unreadable }, 'some stored v1 git credentials cannot be opened with this key; those integrations fail until their credentials are saved again');
      if (refused > 0) app.log.warn({ refused }, 'some rows hold v1 git credentials that were not there when the upgrade ran (moved or restored); they are never opened: save those credentials again');
    });
  },
  { name: 'git-secrets' },
);
