import type { FastifyPluginAsync } from 'fastify';
import { pipelineRoutes } from './pipelines/routes.js';

/**
 * Pipelines (`/api/pipelines`): definitions the git integration pushes to and pulls
 * from a repository. Deleting keeps a tombstone (see pipelines/store.ts).
 */
const pipelinesModule: FastifyPluginAsync = async function pipelinesModule(app) {
  app.addHook('onRequest', app.authenticate);
  await app.register(pipelineRoutes);
};

export default pipelinesModule;
