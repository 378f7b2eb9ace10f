import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../../plugins/auth.js';
import { errorResponses } from '../../../http/dialects.js';
import { getIntegrationResponse, saveIntegrationBody, saveIntegrationResponse } from './schemas.js';
import { deleteIntegration, getIntegration, saveIntegration, saveMayAskGithub, toIntegrationBody } from './service.js';
import { requestSlots } from '../request-slots.js';
import { refreshNow } from '../refresh/service.js';
import { refreshDepsOf } from '../git-context.js';

const tags = ['git-integration'];

/** GET/POST/DELETE /git-integration: the team's repository settings. Needs `app.gitSecrets`. */
export const configRoutes: FastifyPluginAsyncZod = async function configRoutes(app) {
  const urlPolicy = app.config.gitIntegration;
  const githubApp = { secrets: app.gitSecrets, githubApp: urlPolicy.githubApp, timeoutMs: urlPolicy.operations.networkTimeoutMs };

  app.get(
    '/git-integration',
    {
      config: { scopes: ['git:read'] },
      schema: { tags, response: { 200: getIntegrationResponse, ...errorResponses('platform', [401, 403, 429]) } },
    },
    async (request) => {
      const view = await getIntegration(app.db.prisma, authOf(request).teamId);
      return { data: view ? toIntegrationBody(view) : { enabled: false as const, repository_url: null, default_branch: null } };
    },
  );

  app.post(
    '/git-integration',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, body: saveIntegrationBody, response: { 200: saveIntegrationResponse, ...errorResponses('platform', [400, 401, 403, 413, 429, 503]) } },
    },
    async (request) => {
      const { teamId } = authOf(request);
      const save = () => saveIntegration(app.db.prisma, teamId, request.body, { secrets: app.gitSecrets, urlPolicy, githubApp, resolver: app.resolver });
      // A save that may ask GitHub (App credentials sent, or stored ones kept for a new URL) holds one of
      // the team's request slots like /test: 429 beyond, so saves cannot turn into a stream of GitHub calls.
      const { view, remoteMoved } = (await saveMayAskGithub(app.db.prisma, teamId, request.body)) ? await requestSlots(app.config).run(teamId, save) : await save();
      // The new repository, branch or prefix is measured now, not when the voided view would have gone stale.
      if (remoteMoved) await refreshNow(refreshDepsOf(app, request.log), teamId);
      return { data: toIntegrationBody(view) };
    },
  );

  app.delete(
    '/git-integration',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, response: { 204: z.null().describe('No content'), ...errorResponses('platform', [401, 403, 429]) } },
    },
    async (request, reply) => {
      await deleteIntegration(app.db.prisma, authOf(request).teamId);
      return reply.code(204).send(null);
    },
  );
};
