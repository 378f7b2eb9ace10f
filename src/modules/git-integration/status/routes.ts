import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import { refreshDepsOf } from '../git-context.js';
import { awaitFreshView, refreshIfStale } from '../refresh/service.js';
import { statusQuery, statusResponse } from './schemas.js';
import { getSyncStatus } from './service.js';

export const statusRoutes: FastifyPluginAsyncZod = async function statusRoutes(app) {
  app.get(
    '/git-integration/status',
    {
      config: { scopes: ['git:read'] },
      schema: { tags: ['git-integration'], querystring: statusQuery, response: { 200: statusResponse, ...errorResponses('platform', [401, 403, 409, 429]) } },
    },
    async (request) => {
      const teamId = authOf(request).teamId;
      const refresh = refreshDepsOf(app, request.log);
      let answer = await getSyncStatus(app.db.sql, teamId);
      if (request.query.refresh && answer.enabled) {
        await awaitFreshView(refresh, teamId);
        answer = await getSyncStatus(app.db.sql, teamId);
      } else if (answer.enabled) {
        refreshIfStale(refresh, teamId, answer.checkedAt);
      }
      return { data: answer.status };
    },
  );
};
