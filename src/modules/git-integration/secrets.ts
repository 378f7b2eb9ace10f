import fp from 'fastify-plugin';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { SecretBox } from '../../lib/crypto/secret-box.js';
import { loadOrCreateKeyFile } from '../../lib/crypto/key-file.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Encrypts git credentials at rest; decorated inside the git-integration module only. */
    gitSecrets: SecretBox;
  }
}

export const CREDENTIALS_KEY_FILE = 'credentials.key';

/**
 * Loads the credentials key once, at registration: `GIT_CREDENTIALS_KEY` when set,
 * else `DATA_DIR/credentials.key` (created with mode 0600 on first start).
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
    app.decorate('gitSecrets', new SecretBox(key));
  },
  { name: 'git-secrets' },
);
