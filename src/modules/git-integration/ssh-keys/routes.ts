import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { createSshKeyBody, sshKeyListResponse, sshKeyParams, sshKeyResponse } from './schemas.js';
import { createSshKey, deleteSshKey, listSshKeys, resetHostKeys } from './service.js';

const tags = ['git-integration'];
const noContent = z.null().describe('No content');

/**
 * Deploy keys: POST creates an ed25519 key (the public half is returned: add it to the
 * repository as a deploy key; the private half never leaves the server), GET lists them,
 * DELETE removes one the integration does not use. DELETE /git-integration/ssh-host-key
 * forgets the pinned host key of the repository's ssh server.
 */
export const sshKeyRoutes: FastifyPluginAsyncZod = async function sshKeyRoutes(app) {
  app.get(
    '/git-integration/ssh-keys',
    {
      config: { scopes: ['git:read'] },
      schema: { tags, response: { 200: sshKeyListResponse, ...errorResponses('platform', [401, 403, 429]) } },
    },
    async (request) => ({ data: await listSshKeys(app.db.prisma, authOf(request).teamId) }),
  );

  app.delete(
    '/git-integration/ssh-keys/:id',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, params: sshKeyParams, response: { 204: noContent, ...errorResponses('platform', [401, 403, 404, 409, 429]) } },
    },
    async (request, reply) => {
      await deleteSshKey(app.db.prisma, authOf(request).teamId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/git-integration/ssh-host-key',
    {
      config: { scopes: ['git:write'] },
      schema: {
        tags,
        description: 'Forgets the pinned ssh host key; the next successful connection pins the key the server then shows.',
        response: { 204: noContent, ...errorResponses('platform', [401, 403, 404, 429]) },
      },
    },
    async (request, reply) => {
      await resetHostKeys(app.db.prisma, authOf(request).teamId);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/git-integration/ssh-keys',
    {
      config: { scopes: ['git:write'] },
      schema: {
        tags,
        body: createSshKeyBody,
        response: { 201: sshKeyResponse, ...errorResponses('platform', [400, 401, 403, 429]) },
      },
    },
    async (request, reply) => {
      const key = await createSshKey(app.db.prisma, authOf(request).teamId, app.gitSecrets, request.body?.comment);
      return reply.code(201).send({
        data: { id: key.id, public_key: key.publicKey, fingerprint: key.fingerprint, created_at: key.createdAt.toISOString() },
      });
    },
  );
};
