import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { platformErrors } from '../../../http/platform-schemas.js';
import { authOf } from '../../../plugins/auth.js';
import { historyQuery, historyResponse } from './schemas.js';
import { getHistory } from './service.js';

const historyRoutes: FastifyPluginAsyncZod = async (app) => {
  // app.db is read lazily: the OpenAPI generator builds the app without a database.
  const deps = {
    get prisma() {
      return app.db.prisma;
    },
    secrets: app.gitSecrets,
    config: app.config,
    resolver: app.resolver,
  };
  app.get(
    '/git-integration/history',
    {
      config: { scopes: ['git:read'] },
      schema: { tags: ['git-integration'], querystring: historyQuery, response: { 200: historyResponse, ...platformErrors(400, 401, 403, 409, 429, 502) } },
    },
    async (request) => ({ data: await getHistory(deps, authOf(request).teamId, request.query) }),
  );
};

export default historyRoutes;
