import type { FastifyPluginAsync } from 'fastify';

/**
 * Git integration (`/api/git-integration`): configuration, connection test, and
 * push/pull operations run by the job runner, status and history.
 */
const gitIntegrationModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  // route plugins are registered here, one line each
};

export default gitIntegrationModule;
