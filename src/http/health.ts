import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const healthBody = z.object({ status: z.literal('ok') });
const readyBody = z.object({ status: z.enum(['ready', 'unavailable']), database: z.enum(['up', 'down']) });

/** Liveness (the process answers) and readiness (the database answers). No auth. */
export const healthRoutes: FastifyPluginAsyncZod = async function healthRoutes(app) {
  app.get(
    '/_health',
    { schema: { tags: ['operations'], security: [], response: { 200: healthBody } }, logLevel: 'warn' },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/_ready',
    { schema: { tags: ['operations'], security: [], response: { 200: readyBody, 503: readyBody } }, logLevel: 'warn' },
    async (_request, reply) => {
      const up = await app.db.ping();
      return reply
        .code(up ? 200 : 503)
        .send({ status: up ? ('ready' as const) : ('unavailable' as const), database: up ? ('up' as const) : ('down' as const) });
    },
  );
};
