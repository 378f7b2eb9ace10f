import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import { gitDepsOf } from '../git-context.js';
import { connectionTestBody, connectionTestResponse } from './schemas.js';
import { requestSlots } from '../request-slots.js';
import { testConnection } from './service.js';

export const connectionTestRoutes: FastifyPluginAsyncZod = async function connectionTestRoutes(app) {
  const deps = gitDepsOf(app);
  app.post(
    '/git-integration/test',
    {
      config: { scopes: ['git:write'] },
      schema: { tags: ['git-integration'], body: connectionTestBody, response: { 200: connectionTestResponse, ...errorResponses('platform', [400, 401, 403, 404, 409, 429, 503]) } },
    },
    async (request) => {
      const { teamId } = authOf(request);
      // Every test contacts the remote: bounded per process and team (429 when no slot is free).
      return { data: await requestSlots(app.config).run(teamId, () => testConnection(deps, teamId, request.body)) };
    },
  );
};
