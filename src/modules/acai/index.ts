import type { FastifyPluginAsync } from 'fastify';
import implementationRoutes from './implementations/routes.js';
import featureRoutes from './features/routes.js';
import stateRoutes from './states/routes.js';
import pushRoutes from './push/routes.js';

/**
 * The acai API (`/api/v1`): the write path used by `acai push` and the read and
 * state endpoints used by the rest of the CLI. Every route needs a Bearer token.
 */
const acaiModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  // route plugins are registered here, one line each
  await app.register(implementationRoutes);
  await app.register(featureRoutes);
  await app.register(stateRoutes);
  await app.register(pushRoutes);
};

export default acaiModule;
