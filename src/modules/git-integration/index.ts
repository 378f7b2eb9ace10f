import type { FastifyPluginAsync } from 'fastify';
import secretsPlugin from './secrets.js';
import configRoutes from './config-routes.js';
import sshKeyRoutes from './ssh-key-routes.js';
import operationRoutes from './operations/routes.js';
import statusRoutes from './status/routes.js';
import historyRoutes from './history/routes.js';
import connectionTestRoutes from './connection-test/routes.js';
import { githubAppLinkRoutes } from './github-app-link-routes.js';

/**
 * Git integration (`/api/git-integration`): configuration, connection test, and
 * push/pull operations run by the job runner, status and history.
 */
const gitIntegrationModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  await app.register(secretsPlugin); // app.gitSecrets, before every plugin that reads credentials
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
