import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import {
  acceptedResponse,
  operationListQuery,
  operationListResponse,
  operationParams,
  operationResponse,
  pullBody,
  pushBody,
} from './schemas.js';
import { getOperation, listOperations, submitOperation, toOperationBody, toOperationSummary } from './service.js';

const tags = ['git-integration'];

/** POST push/pull (202: queued for the job runner, queue.ts) and GET operations. */
export const operationRoutes: FastifyPluginAsyncZod = async function operationRoutes(app) {
  // app.db is read lazily: the OpenAPI generator builds the app without a database.
  const deps = {
    get prisma() {
      return app.db.prisma;
    },
    jobs: app.jobs,
    maxQueuedPerTeam: app.config.gitIntegration.operations.maxQueuedPerTeam,
  };

  app.post(
    '/git-integration/push',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, body: pushBody, response: { 202: acceptedResponse, ...errorResponses('platform', [400, 401, 403, 409, 429, 503]) } },
    },
    async (request, reply) => {
      const op = await submitOperation(deps, authOf(request).teamId, 'push', request.body);
      return reply.code(202).send({ data: { operation_id: op.id, status: op.status, branch: op.branch } });
    },
  );

  app.post(
    '/git-integration/pull',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, body: pullBody, response: { 202: acceptedResponse, ...errorResponses('platform', [400, 401, 403, 409, 429, 503]) } },
    },
    async (request, reply) => {
      const op = await submitOperation(deps, authOf(request).teamId, 'pull', request.body);
      return reply.code(202).send({ data: { operation_id: op.id, status: op.status, branch: op.branch } });
    },
  );

  app.get(
    '/git-integration/operations/:id',
    {
      config: { scopes: ['git:read'] },
      schema: { tags, params: operationParams, response: { 200: operationResponse, ...errorResponses('platform', [401, 403, 404, 429]) } },
    },
    async (request) => ({ data: toOperationBody(await getOperation(deps.prisma, authOf(request).teamId, request.params.id)) }),
  );

  app.get(
    '/git-integration/operations',
    {
      config: { scopes: ['git:read'] },
      schema: { tags, querystring: operationListQuery, response: { 200: operationListResponse, ...errorResponses('platform', [400, 401, 403, 429]) } },
    },
    async (request) => {
      const page = await listOperations(deps.prisma, authOf(request).teamId, request.query);
      return { data: page.items.map(toOperationSummary), meta: { page: { limit: request.query.limit, cursor: page.nextCursor } } };
    },
  );
};
