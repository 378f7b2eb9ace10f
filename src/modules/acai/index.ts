import type { FastifyPluginAsync } from 'fastify';
import { bracketArraysHook } from '../../http/array-query.js';
import { featureRoutes } from './features/routes.js';
import { implementationRoutes } from './implementations/routes.js';
import { pushRoutes } from './push/routes.js';
import { stateRoutes } from './states/routes.js';

/**
 * The acai API (`/api/v1`): the write path used by `acai push` and the read and
 * state endpoints used by the rest of the CLI. Every route needs a Bearer token.
 */
const acaiModule: FastifyPluginAsync = async function acaiModule(app) {
  app.addHook('onRequest', app.authenticate);
  // `statuses[]=a` is `statuses=a`: both spellings of an array query parameter (src/http/array-query.ts).
  app.addHook('preValidation', bracketArraysHook);
  // route plugins are registered here, one line each
  await app.register(implementationRoutes);
  await app.register(featureRoutes);
  await app.register(stateRoutes);
  await app.register(pushRoutes);
};

export default acaiModule;
