import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

// The OpenAPI document is generated from the route schemas; `npm run openapi`
// writes it to openapi.yaml and CI fails when that file is stale.

const OPENAPI_INFO = {
  title: 'Spec Sync Server',
  description:
    'Backend for three kinds of client: the acai CLI (`/api/v1`), workspace push sessions (`/v1`) and pipeline git integration (`/api`).\n\n' +
    'Every workspace path is also served at the root as an alias of its `/v1` form (`/devices` is `/v1/devices`, ' +
    '`/workspace-bindings/{bindingId}` is `/v1/workspace-bindings/{bindingId}`, and so on): the same handlers, the same ' +
    'answers and the same workspace error shape, for clients that drop any path from their base URL. Only the `/v1` form is listed here.',
  version: '0.1.0',
};

export default fp(
  async function openapiPlugin(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: OPENAPI_INFO,
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API token (`at_...`)' } },
        },
        security: [{ bearerAuth: [] }],
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });

    const serve = { schema: { hide: true } } as const;
    app.get('/openapi.json', serve, async () => app.swagger());
    // The acai CLI looks for the document next to its API base URL.
    app.get('/api/v1/openapi.json', serve, async () => app.swagger());
  },
  { name: 'openapi' },
);
