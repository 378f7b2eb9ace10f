import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendPage, viewerOf } from '../context.js';
import { teamParams } from '../matrix/schemas.js';
import { readTeamHome } from './service.js';
import { homePage } from './view.js';

export const homeRoutes: FastifyPluginAsyncZod = async function homeRoutes(app) {
  app.get('/t/:team', { schema: { hide: true, params: teamParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    return sendPage(reply, homePage(viewer, await readTeamHome(app.db.prisma, viewer.session.teamId)));
  });
};
