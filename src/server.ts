import closeWithGrace from 'close-with-grace';
import { pino } from 'pino';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { join } from 'node:path';
import { CredentialsKeyMismatch, verifyCredentialsKey } from './db/credentials-key.js';
import { openDatabase } from './db/database.js';
import { loadOrCreateKeyFile } from './lib/crypto/key-file.js';
import { loggerOptions } from './http/logger.js';
import { JobRunner } from './jobs/runner.js';
import { requirePinnableGit } from './lib/git/version.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const logger = pino(loggerOptions(config));
  // Before anything opens: an older git would silently connect http(s) remotes unpinned.
  await requirePinnableGit(config.gitIntegration.allowedProtocols);

  const db = await openDatabase(config, { logger });
  // The key the git integration loads (GIT_CREDENTIALS_KEY, else DATA_DIR/credentials.key) must be the
  // one the database's credentials are sealed with: refuse to start with another one.
  const keySource = config.gitIntegration.credentialsKey ? 'GIT_CREDENTIALS_KEY' : join(config.database.dataDir, 'credentials.key');
  const key = config.gitIntegration.credentialsKey ?? (await loadOrCreateKeyFile(keySource)).key;
  try {
    await verifyCredentialsKey(db.pool, key, keySource);
  } catch (error) {
    if (!(error instanceof CredentialsKeyMismatch)) throw error;
    await db.close();
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const jobs = config.jobs.enabled
    ? new JobRunner(db.url, logger.child({ component: 'jobs' }), {
        max: config.jobs.poolSize,
        monitorIntervalSeconds: config.jobs.monitorIntervalSeconds,
        stopTimeoutMs: config.jobs.stopTimeoutMs,
      })
    : null;
  const app = await buildApp({ config, db, jobs, logger });

  // Handlers are defined while the app registers its modules; start pulling work after.
  await jobs?.start();

  closeWithGrace({ delay: config.http.shutdownGraceMs, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down');
    await app.close(); // stops accepting, waits for in-flight requests
    await jobs?.stop(); // stops taking jobs, waits for running ones up to config.jobs.stopTimeoutMs
    await db.close();
  });

  await app.listen({ host: config.host, port: config.port });
}

main().catch((error: unknown) => {
  process.stderr.write(`Failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
