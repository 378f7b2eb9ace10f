import type { FastifyPluginAsync } from 'fastify';

/**
 * The acai API (`/api/v1`): the write path used by `acai push` and the read and
 * state endpoints used by the rest of the CLI. Every route needs a Bearer token.
 */
const acaiModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  // route plugins are registered here, one line each
};

export default acaiModule;
