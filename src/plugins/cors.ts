import fp from 'fastify-plugin';
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

// Browser clients (the pipeline UI) on the origins in CORS_ALLOWED_ORIGINS. Without
// any, nothing is registered and no response carries CORS headers. Bearer tokens,
// never cookies: credentials stay off.
export default fp(
  async function corsPlugin(app: FastifyInstance) {
    const { allowedOrigins } = app.config.cors;
    if (allowedOrigins.length === 0) return;
    await app.register(cors, {
      origin: allowedOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id'],
      exposedHeaders: ['x-request-id', 'retry-after'],
      credentials: false,
      maxAge: 600,
    });
  },
  { name: 'cors', dependencies: ['db'] },
);
