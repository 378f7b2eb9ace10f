import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sendPage, viewerOf } from '../context.js';
import { productParams } from './schemas.js';
import { readCoverage } from './service.js';
import { matrixPage } from './view.js';

export const matrixRoutes: FastifyPluginAsyncZod = async function matrixRoutes(app) {
  app.get('/t/:team/p/:product', { schema: { hide: true, params: productParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const coverage = await readCoverage(app.db.prisma, viewer.session.teamId, request.params.product);
    return sendPage(reply, matrixPage(viewer, coverage));
  });
};
