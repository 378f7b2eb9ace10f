import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { requireScope, sendPage, teamUrl, viewerOf } from '../context.js';
import { teamParams } from '../matrix/schemas.js';
import { createTeamToken, getTeamToken, listTeamTokens, revokeTeamToken } from '../../tokens/manage/service.js';
import { createTokenForm, tokenIdParams } from './schemas.js';
import { revokePage, tokensPage } from './view.js';

const DAY_MS = 86_400_000;

/** The tokens page: the same service as /api/tokens, for members holding team:admin. */
export const tokenPageRoutes: FastifyPluginAsyncZod = async function tokenPageRoutes(app) {
  app.get('/t/:team/tokens', { schema: { hide: true, params: teamParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireScope(viewer, 'team:admin');
    const notice = (request.query as { revoked?: string }).revoked === '1' ? 'The token was revoked.' : undefined;
    return sendPage(reply, tokensPage(viewer, await listTeamTokens(app.db.prisma, viewer.session.teamId), { notice }));
  });

  app.post('/t/:team/tokens', { schema: { hide: true, params: teamParams, body: createTokenForm } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireScope(viewer, 'team:admin');
    const now = new Date();
    const { name, expires_in_days: days } = request.body;
    const { teamId, userId, scopes, tokenId } = viewer.session;
    const manager = { teamId, userId, scopes, tokenId };
    const created = await createTeamToken(app.db.prisma, manager, { name, expiresAt: days ? new Date(now.getTime() + days * DAY_MS) : null }, now);
    // Shown in this response only (no redirect: the token must not be in a URL or a later page).
    const tokens = await listTeamTokens(app.db.prisma, viewer.session.teamId);
    return sendPage(reply, tokensPage(viewer, tokens, { created: { token: created.token, name: created.summary.name } }), 201);
  });

  app.get('/t/:team/tokens/:id/revoke', { schema: { hide: true, params: tokenIdParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireScope(viewer, 'team:admin');
    return sendPage(reply, revokePage(viewer, await getTeamToken(app.db.prisma, viewer.session.teamId, request.params.id)));
  });

  app.post('/t/:team/tokens/:id/revoke', { schema: { hide: true, params: tokenIdParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    requireScope(viewer, 'team:admin');
    // Revoking your own token signs you out elsewhere, not here.
    await revokeTeamToken(app.db.prisma, viewer.session.teamId, request.params.id, viewer.session.idHash);
    return reply.code(303).header('location', `${teamUrl(viewer.session.teamName, 'tokens')}?revoked=1`).send();
  });
};
