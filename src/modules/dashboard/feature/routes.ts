import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { featureNotInProductError } from '../../acai/domain/inheritance.js';
import { sendPage, viewerOf } from '../context.js';
import { featureParams } from '../matrix/schemas.js';
import { readCoverage } from '../matrix/service.js';
import { featurePage } from './view.js';

export const featurePageRoutes: FastifyPluginAsyncZod = async function featurePageRoutes(app) {
  app.get('/t/:team/p/:product/f/:feature', { schema: { hide: true, params: featureParams } }, async (request, reply) => {
    const viewer = viewerOf(request);
    const { product, feature } = request.params;
    // The same single statement as the matrix, narrowed to one feature.
    const coverage = await readCoverage(app.db.prisma, viewer.session.teamId, product, feature);
    if (!coverage.features.includes(feature)) throw featureNotInProductError(feature, coverage.product.name);
    return sendPage(reply, featurePage(viewer, coverage, feature));
  });
};
