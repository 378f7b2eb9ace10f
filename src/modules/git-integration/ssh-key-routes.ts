import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../../plugins/auth.js';
import { platformErrors } from '../../http/platform-schemas.js';
import { createSshKeyBody, sshKeyResponse } from './config-schemas.js';
import { createSshKey } from './config-service.js';

/**
 * POST /git-integration/ssh-keys: a new ed25519 deploy key. The public half is
 * returned (add it to the repository as a deploy key); the private half never leaves the server.
 */
const sshKeyRoutes: FastifyPluginAsyncZod = async (app) => {
  app.post(
    '/git-integration/ssh-keys',
    {
      config: { scopes: ['git:write'] },
      schema: {
        tags: ['git-integration'],
        body: createSshKeyBody,
        response: { 201: sshKeyResponse, ...platformErrors(400, 401, 403, 429) },
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

export default sshKeyRoutes;
