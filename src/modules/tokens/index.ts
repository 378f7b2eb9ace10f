import type { FastifyPluginAsync } from 'fastify';
import tokenRoutes from './manage/routes.js';

/** Team API tokens (`/api/tokens`): list, create, revoke; every route needs `team:admin`. */
const tokensModule: FastifyPluginAsync = async (app) => {
  app.addHook('onRequest', app.authenticate);
  await app.register(tokenRoutes);
};

export default tokensModule;
