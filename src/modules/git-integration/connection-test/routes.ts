import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { platformErrors } from '../../../http/platform-schemas.js';
import { authOf } from '../../../plugins/auth.js';
import { connectionTestBody, connectionTestResponse } from './schemas.js';
import { requestSlots } from '../request-slots.js';
import { testConnection } from './service.js';

const connectionTestRoutes: FastifyPluginAsyncZod = async (app) => {
  // app.db is read lazily: the OpenAPI generator builds the app without a database.
  const deps = {
    get prisma() {
      return app.db.prisma;
    },
    secrets: app.gitSecrets,
    config: app.config,
    resolver: app.resolver,
  };
  app.post(
    '/git-integration/test',
    {
      config: { scopes: ['git:write'] },
      schema: { tags: ['git-integration'], body: connectionTestBody, response: { 200: connectionTestResponse, ...platformErrors(400, 401, 403, 404, 409, 429, 503) } },
    },
    async (request) => {
      const { teamId } = authOf(request);
      // Every test contacts the remote: bounded per process and team (429 when no slot is free).
      return { data: await requestSlots(app.config).run(teamId, () => testConnection(deps, teamId, request.body)) };
    },
  );
};

export default connectionTestRoutes;
