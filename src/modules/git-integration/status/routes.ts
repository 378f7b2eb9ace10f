import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { platformErrors } from '../../../http/platform-schemas.js';
import { authOf } from '../../../plugins/auth.js';
import { statusResponse } from './schemas.js';
import { getSyncStatus } from './service.js';

export const statusRoutes: FastifyPluginAsyncZod = async function statusRoutes(app) {
  app.get(
    '/git-integration/status',
    {
      config: { scopes: ['git:read'] },
      schema: { tags: ['git-integration'], response: { 200: statusResponse, ...platformErrors(401, 403, 409, 429) } },
    },
    async (request) => ({ data: await getSyncStatus(app.db.sql, authOf(request).teamId) }),
  );
};
