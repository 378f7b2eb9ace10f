import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { noContent } from '../schemas.js';
import { bindingListQuery, bindingListResponse, bindingParams, bindingResponse, createBindingBody, updateBindingBody } from './schemas.js';
import { createBinding, deleteBinding, getBinding, listBindings, toBindingBody, updateBinding } from './service.js';

const tags = ['workspace bindings'];
const read = { scopes: ['workspace:read'] } as const;
const write = { scopes: ['workspace:write'] } as const;

/** `/workspace-bindings`: create, list, read, update, delete (sessions: ../sessions/routes.ts). */
export const bindingRoutes: FastifyPluginAsyncZod = async function bindingRoutes(app) {
  app.post(
    '/workspace-bindings',
    {
      config: write,
      schema: { tags, body: createBindingBody, response: { 201: bindingResponse, ...errorResponses('workspace', [400, 401, 403, 404, 413, 429]) } },
    },
    async (request, reply) => {
      const { teamId, userId } = authOf(request);
      const binding = await createBinding(app.db.prisma, { teamId, userId }, request.body);
      return reply.code(201).send({ binding: toBindingBody(binding) });
    },
  );

  app.get(
    '/workspace-bindings',
    { config: read, schema: { tags, querystring: bindingListQuery, response: { 200: bindingListResponse, ...errorResponses('workspace', [400, 401, 403, 429]) } } },
    async (request) => {
      const page = await listBindings(app.db.prisma, authOf(request).teamId, request.query);
      return { object: 'list' as const, data: page.items.map(toBindingBody), total_count: page.total };
    },
  );

  app.get(
    '/workspace-bindings/:bindingId',
    { config: read, schema: { tags, params: bindingParams, response: { 200: bindingResponse, ...errorResponses('workspace', [401, 403, 404, 429]) } } },
    async (request) => ({ binding: toBindingBody(await getBinding(app.db.prisma, authOf(request).teamId, request.params.bindingId)) }),
  );

  app.patch(
    '/workspace-bindings/:bindingId',
    {
      config: write,
      schema: {
        tags,
        params: bindingParams,
        body: updateBindingBody,
        response: { 200: bindingResponse, ...errorResponses('workspace', [400, 401, 403, 404, 413, 429]) },
      },
    },
    async (request) => {
      const binding = await updateBinding(app.db.prisma, authOf(request).teamId, request.params.bindingId, request.body);
      return { binding: toBindingBody(binding) };
    },
  );

  app.delete(
    '/workspace-bindings/:bindingId',
    { config: write, schema: { tags, params: bindingParams, response: { 204: noContent, ...errorResponses('workspace', [401, 403, 404, 429]) } } },
    async (request, reply) => {
      await deleteBinding(app.db.prisma, authOf(request).teamId, request.params.bindingId);
      return reply.code(204).send(null);
    },
  );
};
