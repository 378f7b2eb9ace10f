import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { DASHBOARD_CSS } from './styles.js';
import { COPY_JS } from './copy-script.js';

const etag = (text: string) => `"${createHash('sha256').update(text).digest('base64url').slice(0, 16)}"`;

/** The stylesheet and the copy script, public (the sign-in page needs them) and cacheable. */
export const assetRoutes: FastifyPluginAsync = async function assetRoutes(app) {
  for (const [path, type, body] of [
    ['/assets/dashboard.css', 'text/css; charset=utf-8', DASHBOARD_CSS],
    ['/assets/copy.js', 'text/javascript; charset=utf-8', COPY_JS],
  ] as const) {
    const tag = etag(body);
    app.get(path, { schema: { hide: true } }, async (request, reply) => {
      void reply.header('cache-control', 'public, max-age=3600').header('etag', tag).type(type);
      if (request.headers['if-none-match'] === tag) return reply.code(304).send();
      return body;
    });
  }
};
