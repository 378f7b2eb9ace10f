import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { createTokenBody, createdTokenResponse, toTokenBody, tokenListResponse, tokenParams, tokenResponse } from './schemas.js';
import { createTeamToken, getTeamToken, listTeamTokens, revokeTeamToken } from './service.js';

const tags = ['tokens'];
const config = { scopes: ['team:admin'] as const };

export const tokenApiRoutes: FastifyPluginAsyncZod = async function tokenApiRoutes(app) {
  app.get(
    '/tokens',
    { config, schema: { tags, summary: "The team's API tokens, newest first (never the tokens themselves)", response: { 200: tokenListResponse, ...errorResponses('platform', [401, 403, 429]) } } },
    async (request) => ({ data: (await listTeamTokens(app.db.prisma, authOf(request).teamId)).map(toTokenBody) }),
  );

  app.post(
    '/tokens',
    {
      config,
      schema: {
        tags,
        summary: 'Create a token owned by the caller; the response is the only place the token appears',
        body: createTokenBody,
        response: { 201: createdTokenResponse, ...errorResponses('platform', [400, 401, 403, 422, 429]) },
      },
    },
    async (request, reply) => {
      const { name, expires_at: expiresAt, scopes } = request.body;
      const created = await createTeamToken(app.db.prisma, authOf(request), { name, scopes, expiresAt: expiresAt ? new Date(expiresAt) : null });
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ data: { ...toTokenBody(created.summary), token: created.token } });
    },
  );

  app.get(
    '/tokens/:id',
    { config, schema: { tags, params: tokenParams, response: { 200: tokenResponse, ...errorResponses('platform', [401, 403, 404, 429]) } } },
    async (request) => ({ data: toTokenBody(await getTeamToken(app.db.prisma, authOf(request).teamId, request.params.id)) }),
  );

  app.delete(
    '/tokens/:id',
    {
      config,
      schema: {
        tags,
        summary: "Revoke a token (kept in the list as revoked); dashboard sessions signed in with it, and its owner's login-link sessions, end too",
        params: tokenParams,
        response: { 204: z.null().describe('Revoked'), ...errorResponses('platform', [401, 403, 404, 429]) },
      },
    },
    async (request, reply) => {
      await revokeTeamToken(app.db.prisma, authOf(request).teamId, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
