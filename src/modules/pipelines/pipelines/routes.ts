import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { listQuery, pipelineListResponse, pipelineParams, pipelineResponse, requestSchemas } from './schemas.js';
import { createPipeline, deletePipeline, getPipeline, listPipelines, toPipelineBody, updatePipeline } from './service.js';

const tags = ['pipelines'];

export const pipelineRoutes: FastifyPluginAsyncZod = async function pipelineRoutes(app) {
  const limits = app.config.pipelines;
  const { createBody, updateBody } = requestSchemas(limits);
  // Big enough for the largest allowed definition, so its size is reported as a field issue.
  const bodyLimit = Math.max(app.config.http.bodyLimit, limits.definitionMaxBytes + limits.nameMaxLength * 4 + 4096);

  app.post(
    '/pipelines',
    {
      config: { scopes: ['pipelines:write'] },
      bodyLimit,
      schema: { tags, body: createBody, response: { 201: pipelineResponse, ...errorResponses('platform', [400, 401, 403, 413, 429]) } },
    },
    async (request, reply) => {
      const pipeline = await createPipeline(app.db.prisma, authOf(request).teamId, request.body);
      return reply.code(201).send({ data: toPipelineBody(pipeline) });
    },
  );

  app.get(
    '/pipelines',
    {
      config: { scopes: ['pipelines:read'] },
      schema: { tags, querystring: listQuery, response: { 200: pipelineListResponse, ...errorResponses('platform', [400, 401, 403, 429]) } },
    },
    async (request) => {
      const page = await listPipelines(app.db.prisma, authOf(request).teamId, request.query);
      return { data: page.items.map(toPipelineBody), meta: { page: { limit: request.query.limit, cursor: page.nextCursor } } };
    },
  );

  app.get(
    '/pipelines/:id',
    {
      config: { scopes: ['pipelines:read'] },
      schema: { tags, params: pipelineParams, response: { 200: pipelineResponse, ...errorResponses('platform', [401, 403, 404, 429]) } },
    },
    async (request) => ({ data: toPipelineBody(await getPipeline(app.db.prisma, authOf(request).teamId, request.params.id)) }),
  );

  app.patch(
    '/pipelines/:id',
    {
      config: { scopes: ['pipelines:write'] },
      bodyLimit,
      schema: {
        tags,
        params: pipelineParams,
        body: updateBody,
        response: { 200: pipelineResponse, ...errorResponses('platform', [400, 401, 403, 404, 409, 413, 429]) },
      },
    },
    async (request) => {
      const { name, definition, expected_version: expectedVersion } = request.body;
      const pipeline = await updatePipeline(app.db.prisma, authOf(request).teamId, request.params.id, { name, definition, expectedVersion });
      return { data: toPipelineBody(pipeline) };
    },
  );

  app.delete(
    '/pipelines/:id',
    {
      config: { scopes: ['pipelines:write'] },
      schema: { tags, params: pipelineParams, response: { 204: z.null().describe('No content'), ...errorResponses('platform', [401, 403, 404, 429]) } },
    },
    async (request, reply) => {
      await deletePipeline(app.db.prisma, authOf(request).teamId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
