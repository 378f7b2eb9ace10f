import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf, requireScopes } from '../../../plugins/auth.js';
import { listImplementations } from './service.js';
import { errorResponses } from '../../../http/dialects.js';
import { implementationsQuery, implementationsResponse } from './schemas.js';

/** GET /implementations: which implementations a product has, or which track a branch. */
export const implementationRoutes: FastifyPluginAsyncZod = async function implementationRoutes(app) {
  app.get(
    '/implementations',
    {
      config: { scopes: ['impls:read'] },
      schema: {
        tags: ['acai'],
        summary: 'List implementations of a product or tracking a branch',
        querystring: implementationsQuery,
        response: { 200: implementationsResponse, ...errorResponses('acai', [401, 403, 422]) },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const q = request.query;
      if (q.feature_name !== undefined) requireScopes(auth, ['specs:read']);
      const data = await listImplementations(app.db.prisma, auth.teamId, {
        productName: q.product_name,
        repoUri: q.repo_uri,
        branchName: q.branch_name,
        featureName: q.feature_name,
      });
      return { data };
    },
  );
};

