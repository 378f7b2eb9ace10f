import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import { readFeatureContext, readImplementationFeatures } from './service.js';
import {
  featureContextQuery,
  featureContextResponse,
  implementationFeaturesQuery,
  implementationFeaturesResponse,
} from './schemas.js';

const READ_SCOPES = ['impls:read', 'specs:read', 'states:read', 'refs:read'] as const;
const errors = errorResponses('acai', [401, 403, 404, 422]);

/** Read endpoints over one implementation's resolved features. */
export const featureRoutes: FastifyPluginAsyncZod = async function featureRoutes(app) {
  app.get(
    '/implementation-features',
    {
      config: { scopes: READ_SCOPES },
      schema: {
        tags: ['acai'],
        summary: 'List the features of one implementation (worklist)',
        querystring: implementationFeaturesQuery,
        response: { 200: implementationFeaturesResponse, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const data = await readImplementationFeatures(app.db.prisma, authOf(request).teamId, {
        productName: q.product_name,
        implementationName: q.implementation_name,
        statuses: q.statuses,
        changedSinceCommit: q.changed_since_commit,
      });
      return { data };
    },
  );

  app.get(
    '/feature-context',
    {
      config: { scopes: READ_SCOPES },
      schema: {
        tags: ['acai'],
        summary: 'Read the canonical context of one feature in one implementation',
        querystring: featureContextQuery,
        response: { 200: featureContextResponse, ...errors },
      },
    },
    async (request) => {
      const q = request.query;
      const data = await readFeatureContext(app.db.prisma, authOf(request).teamId, {
        productName: q.product_name,
        featureName: q.feature_name,
        implementationName: q.implementation_name,
        includeRefs: q.include_refs,
        includeDanglingStates: q.include_dangling_states,
        includeDeprecated: q.include_deprecated,
        statuses: q.statuses,
      });
      return { data };
    },
  );
};

