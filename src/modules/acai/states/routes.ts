import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { featureStatesBody, featureStatesResponse } from './schemas.js';
import { validateStateWrite, writeFeatureStates } from './service.js';
import { logAbuseRejection, rejectedStateWrite } from '../abuse-log.js';

/** PATCH /feature-states: record requirement states of one feature in one implementation. */
export const stateRoutes: FastifyPluginAsyncZod = async function stateRoutes(app) {
  const settings = app.config.acaiFeatureStates;
  const writeOf = app.perMinuteLimit('state-writes', settings.writesPerMinute, (request) => authOf(request).tokenId);

  app.addHook('onError', async (request, reply, error) => logAbuseRejection(rejectedStateWrite, request, reply.statusCode, error));

  app.patch(
    '/feature-states',
    {
      bodyLimit: settings.maxBodyBytes,
      config: { scopes: ['impls:read', 'specs:read', 'states:write'] },
      // Rate limiting runs before the body is parsed or validated (feature-states.ABUSE.4).
      onRequest: writeOf,
      schema: {
        tags: ['acai'],
        summary: 'Write requirement states of one feature in one implementation',
        body: featureStatesBody,
        response: { 200: featureStatesResponse, ...errorResponses('acai', [401, 403, 404, 413, 422, 429]) },
      },
    },
    async (request) => {
      const b = request.body;
      const input = { productName: b.product_name, featureName: b.feature_name, implementationName: b.implementation_name, states: b.states };
      validateStateWrite(input, settings);
      return { data: await writeFeatureStates(app.db.prisma, authOf(request).teamId, input) };
    },
  );
};

