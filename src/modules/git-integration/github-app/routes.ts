import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errorResponses } from '../../../http/dialects.js';
import { authOf } from '../../../plugins/auth.js';
import { linkCompleteBody, linkCompleteResponse, linkStartBody, linkStartResponse } from './schemas.js';
import { completeInstallationLink, startInstallationLink } from './service.js';

const tags = ['git-integration'];

/**
 * POST /git-integration/github-app/link: a member starts linking the App installations they
 * can access on GitHub; POST .../link/complete: the same member finishes it with what GitHub
 * put on the callback URL (service.ts says why it is not a public callback).
 */
export const githubAppLinkRoutes: FastifyPluginAsyncZod = async function githubAppLinkRoutes(app) {
  app.post(
    '/git-integration/github-app/link',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, body: linkStartBody, response: { 200: linkStartResponse, ...errorResponses('platform', [400, 401, 403, 409, 429]) } },
    },
    async (request, reply) => {
      const { teamId, userId } = authOf(request);
      const link = await startInstallationLink(app.db.prisma, app.config.gitIntegration.githubApp, teamId, userId);
      reply.header('cache-control', 'no-store');
      return { data: { authorize_url: link.authorizeUrl, install_url: link.installUrl, expires_at: link.expiresAt.toISOString() } };
    },
  );

  app.post(
    '/git-integration/github-app/link/complete',
    {
      config: { scopes: ['git:write'] },
      schema: { tags, body: linkCompleteBody, response: { 200: linkCompleteResponse, ...errorResponses('platform', [400, 401, 403, 409, 429, 503]) } },
    },
    async (request, reply) => {
      const { teamId, userId } = authOf(request);
      reply.header('cache-control', 'no-store');
      const { githubApp, operations } = app.config.gitIntegration;
      const result = await completeInstallationLink(app.db.prisma, githubApp, operations.networkTimeoutMs, { teamId, userId }, request.body);
      const names = result.linked.map((l) => `${l.accountLogin} (${l.installationId})`).join(', ');
      return {
        data: {
          team: result.teamName,
          linked: result.linked.map((l) => ({ installation_id: l.installationId, account_login: l.accountLogin })),
          message: names
            ? `Linked to team ${result.teamName}: ${names}. You can close this page.`
            : `Nothing was linked to team ${result.teamName}: GitHub lists no installation of this App that your GitHub user can access. Install the App on the account, or ask someone who can access it.`,
        },
      };
    },
  );
};
