import type { FastifyPluginAsync } from 'fastify';
import pipelineRoutes from './routes.js';

/**
 * Pipelines (`/api/pipelines`): definitions the git integration pushes to and pulls
 * from a repository. Deleting keeps a tombstone (see pipeline-store.ts).
 */
const pipelinesModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  await app.register(pipelineRoutes);
};

export default pipelinesModule;
