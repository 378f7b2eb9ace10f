import type { FastifyPluginAsync } from 'fastify';
import { tokenApiRoutes } from './manage/routes.js';

/** Team API tokens (`/api/tokens`): list, create, revoke; every route needs `team:admin`. */
const tokensModule: FastifyPluginAsync = async function tokensModule(app) {
  app.addHook('onRequest', app.authenticate);
  await app.register(tokenApiRoutes);
};

export default tokensModule;
