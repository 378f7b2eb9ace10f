import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireScope, sendPage, teamUrl, viewerOf } from '../context.js';
import { implementationFeatureParams } from '../matrix/schemas.js';
import { stateForm } from './schemas.js';
import { readRequirements, setRequirementState } from './service.js';
import { requirementsPage } from './view.js';

const path = '/t/:team/p/:product/i/:implementation/f/:feature';

export const requirementRoutes: FastifyPluginAsyncZod = async function requirementRoutes(app) {
  const address = (params: z.infer<typeof implementationFeatureParams>) => ({
    productName: params.product,
    implementationName: params.implementation,
    featureName: params.feature,
  });

  app.get(
    path,
    { schema: { hide: true, params: implementationFeatureParams, querystring: z.object({ saved: z.string().max(512).optional() }) } },
    async (request, reply) => {
      const viewer = viewerOf(request);
      const view = await readRequirements(app.db.prisma, viewer.session.teamId, address(request.params));
      return sendPage(reply, requirementsPage(viewer, view, request.query.saved));
    },
  );

  app.post(path, { schema: { hide: true, params: implementationFeatureParams, body: stateForm } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireScope(viewer, 'states:write');
    const { acid, status, comment } = request.body;
    const result = await setRequirementState(app.db.prisma, viewer.session.teamId, app.config.acaiFeatureStates, {
      ...address(request.params),
      acid,
      status,
      comment,
    });
    // Post/redirect/get: a reload does not post again.
    const back = teamUrl(viewer.session.teamName, 'p', result.product_name, 'i', result.implementation_name, 'f', result.feature_name);
    return reply.code(303).header('location', `${back}?saved=${encodeURIComponent(acid)}`).send();
  });
};
