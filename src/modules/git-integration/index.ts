import type { FastifyPluginAsync } from 'fastify';
import secretsPlugin from './settings/secrets.js';
import { configRoutes } from './settings/routes.js';
import { sshKeyRoutes } from './settings/ssh-key-routes.js';
import { githubAppLinkRoutes } from './settings/github-app-link-routes.js';
import { connectionTestRoutes } from './connection-test/routes.js';
import { operationRoutes } from './operations/routes.js';
import { defineGitOperationsQueue } from './operations/queue.js';
import { statusRoutes } from './status/routes.js';
import { historyRoutes } from './history/routes.js';
import { gitDepsOf } from './git-context.js';

/**
 * Git integration (`/api/git-integration`): settings, connection test, push/pull
 * operations run by the job runner, status and history. What each feature owns: README.md.
 */
const gitIntegrationModule: FastifyPluginAsync = async function gitIntegrationModule(app) {
  app.addHook('onRequest', app.authenticate);
  await app.register(secretsPlugin); // app.gitSecrets, before every plugin that reads credentials
  if (app.jobs) defineGitOperationsQueue(app.jobs, gitDepsOf(app));
  // route plugins are registered here, one line each
  await app.register(configRoutes);
  await app.register(sshKeyRoutes);
  await app.register(operationRoutes);
  await app.register(statusRoutes);
  await app.register(historyRoutes);
  await app.register(connectionTestRoutes);
  await app.register(githubAppLinkRoutes);
};

export default gitIntegrationModule;
