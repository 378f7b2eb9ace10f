import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import { gitDepsOf, refreshDepsOf } from '../git-context.js';
import { historyQuery, historyResponse } from './schemas.js';
import { getHistory } from './service.js';

export const historyRoutes: FastifyPluginAsyncZod = async function historyRoutes(app) {
  const deps = gitDepsOf(app);
  app.get(
    '/git-integration/history',
    {
      config: { scopes: ['git:read'] },
      schema: { tags: ['git-integration'], querystring: historyQuery, response: { 200: historyResponse, ...errorResponses('platform', [400, 401, 403, 409, 429, 502]) } },
    },
    async (request) => ({ data: await getHistory(deps, refreshDepsOf(app, request.log), authOf(request).teamId, request.query) }),
  );
};
