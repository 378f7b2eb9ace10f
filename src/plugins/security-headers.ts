import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

// API responses are JSON read by programs: the strictest policy (nothing may load, nothing
// may frame them). The docs UI is HTML with its own scripts, styles and data: images.
const API_CSP = {
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
};

const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "script-src 'self'",
  // swagger-ui sets style attributes from its bundle.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const isDocs = (url: string) => url === '/docs' || url.startsWith('/docs/') || url.startsWith('/docs?');

export default fp(
  async function securityHeaders(app: FastifyInstance) {
    await app.register(helmet, { global: true, contentSecurityPolicy: API_CSP });
    app.addHook('onSend', async (request, reply) => {
      if (isDocs(request.url)) void reply.header('content-security-policy', DOCS_CSP);
    });
  },
  { name: 'security-headers' },
);
