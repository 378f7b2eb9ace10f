import type { FastifyPluginAsync } from 'fastify';
import secretsPlugin from './secrets-plugin.js';
import { configRoutes } from './settings/routes.js';
import { sshKeyRoutes } from './ssh-keys/routes.js';
import { githubAppLinkRoutes } from './github-app/routes.js';
import { connectionTestRoutes } from './connection-test/routes.js';
import { operationRoutes } from './operations/routes.js';
import { defineGitOperationsQueue } from './operations/queue.js';
import { statusRoutes } from './status/routes.js';
import { historyRoutes } from './history/routes.js';
import { defineRemoteRefreshQueue } from './refresh/queue.js';
import { webhookRoutes, webhookSecretRoutes } from './webhooks/routes.js';
import { gitDepsOf } from './git-context.js';
import { countOperations } from './operations/store.js';
import type { DatabaseGauge } from '../../plugins/metrics.js';

/**
 * Git integration (`/api/git-integration`): settings, connection test, push/pull
 * operations run by the job runner, status and history. What each feature owns: README.md.
 */
const gitIntegrationModule: FastifyPluginAsync = async function gitIntegrationModule(app) {
  await app.register(secretsPlugin); // app.gitSecrets, before every plugin that reads credentials
  if (app.jobs) {
    defineGitOperationsQueue(app.jobs, gitDepsOf(app));
    defineRemoteRefreshQueue(app.jobs, gitDepsOf(app));
  }
  // Providers sign their deliveries with the webhook's secret; they have no API token.
  await app.register(webhookRoutes);
  await app.register(async function tokenAuthenticatedRoutes(scope) {
    scope.addHook('onRequest', scope.authenticate);
    // route plugins are registered here, one line each
    await scope.register(configRoutes);
    await scope.register(sshKeyRoutes);
    await scope.register(operationRoutes);
    await scope.register(statusRoutes);
    await scope.register(historyRoutes);
    await scope.register(connectionTestRoutes);
    await scope.register(githubAppLinkRoutes);
    await scope.register(webhookSecretRoutes);
  });
};

export default gitIntegrationModule;

/** The module's gauge read from the database at each scrape (GET /metrics); app.ts hands it to the metrics plugin. */
export const gitOperationsGauge: DatabaseGauge = {
  name: 'specsync_git_operations',
  help: 'Git operations recorded in the database (all instances), by kind and status',
  labelNames: ['kind', 'status'],
  read: async (sql) => (await countOperations(sql)).map((row) => ({ labels: { kind: row.kind, status: row.status }, value: row.n })),
};
