import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import { generateWebhook, removeWebhook, webhookPaths } from './webhook-secret.js';

const tags = ['git-integration'];

const generatedWebhookResponse = z.object({
  data: z.object({
    hook_id: z.string(),
    secret: z.string().describe('Shown only in this answer: paste it into the provider’s webhook settings (GitHub/Bitbucket "Secret", GitLab "Secret token")'),
    paths: z
      .object({ github: z.string(), gitlab: z.string(), bitbucket: z.string() })
      .describe('The payload URL of each provider, to put behind this server’s public origin'),
  }),
});

/** POST/DELETE /git-integration/webhook: the team's webhook id and signing secret. */
export const webhookSecretRoutes: FastifyPluginAsyncZod = async function webhookSecretRoutes(app) {
  app.post(
    '/git-integration/webhook',
    {
      config: { scopes: ['git:write'] },
      schema: {
        tags,
        summary: 'Generate the webhook secret (replaces the previous webhook)',
        response: { 201: generatedWebhookResponse, ...errorResponses('platform', [401, 403, 409, 429]) },
      },
    },
    async (request, reply) => {
      const { hookId, secret } = await generateWebhook(app.db.prisma, app.gitSecrets, authOf(request).teamId);
      return reply.code(201).send({ data: { hook_id: hookId, secret, paths: webhookPaths(hookId) } });
    },
  );

  app.delete(
    '/git-integration/webhook',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, summary: 'Remove the webhook (its deliveries get 401)', response: { 204: z.null().describe('No content'), ...errorResponses('platform', [401, 403, 404, 429]) } },
    },
    async (request, reply) => {
      await removeWebhook(app.db.prisma, authOf(request).teamId);
      return reply.code(204).send(null);
    },
  );
};
