import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { loadOrCreateKeyFile } from '../../lib/crypto/key-file.js';
import { forbidden, notFound, unauthorized } from '../../lib/errors.js';
import { toAppError } from '../../http/error-handler.js';
import { BASE, SESSION_COOKIE, sendPage } from './context.js';
import { errorPage } from './layout.js';
import { assetRoutes } from './assets/routes.js';
import { logoutRoutes, signInRoutes } from './sessions/routes.js';
import { csrfMatches, csrfToken, loadSession, READ_SCOPE } from './sessions/service.js';
import { homeRoutes } from './home/routes.js';
import { matrixRoutes } from './matrix/routes.js';
import { featurePageRoutes } from './feature/routes.js';
import { requirementRoutes } from './requirements/routes.js';
import { tokenPageRoutes } from './tokens/routes.js';

// Every page is HTML made here; styles and the one script come from this server. No inline
// script or style, no external origin: the policy says exactly that.
const DASHBOARD_CSP = [
  "default-src 'none'",
  "style-src 'self'",
  "script-src 'self'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const FORM_BODY_LIMIT = 64 * 1024;

async function cookieSecret(app: FastifyInstance): Promise<string | Buffer> {
  return app.config.dashboard.cookieSecret ?? (await loadOrCreateKeyFile(join(app.config.database.dataDir, 'dashboard-cookie.key'))).key;
}

/**
 * The dashboard (`/dashboard`): server-rendered pages over the acai data, and the team's tokens.
 * Sessions: see ./README.md.
 */
const dashboardModule: FastifyPluginAsync = async function dashboardModule(app) {
  const secret = await cookieSecret(app);
  await app.register(cookie, { secret });
  await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
  app.decorateRequest('dashboard', null);

  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith(`${BASE}/assets/`)) return; // public files: no session lookup
    const signed = request.cookies[SESSION_COOKIE];
    if (!signed) return;
    const unsigned = request.unsignCookie(signed);
    if (!unsigned.valid || !unsigned.value) return;
    const session = await loadSession(app.db.prisma, unsigned.value);
    if (session) request.dashboard = { session, csrf: csrfToken(secret, session) };
  });

  app.addHook('onSend', async (request, reply) => {
    void reply.header('content-security-policy', DASHBOARD_CSP);
    // Pages show team data (and once, a new token): never stored by the browser or a proxy.
    if (!request.url.startsWith(`${BASE}/assets/`)) void reply.header('cache-control', 'no-store');
    // Time spent making the page (session, SQL, HTML), for the browser's devtools and the benchmark.
    void reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(1)}`);
  });

  app.setErrorHandler((error, request, reply) => {
    const appError = toAppError(error, 'platform');
    if (appError.status >= 500) request.log.error({ err: appError.cause ?? appError }, 'dashboard request failed');
    // A form field that failed validation is named, so that the person can fix it.
    const fields = appError.details?.map((d) => `${d.field.replace(/^(body|querystring|params)\./, '')} ${d.issue}`).join('; ');
    const message = appError.status >= 500 ? 'The server could not answer. Try again shortly.' : fields ? `${appError.message}: ${fields}` : appError.message;
    if (appError.retryAfter !== undefined) void reply.header('retry-after', String(appError.retryAfter));
    return sendPage(reply, errorPage(request.dashboard, appError.status, message), appError.status);
  });
  app.setNotFoundHandler((request, reply) => sendPage(reply, errorPage(request.dashboard, 404, 'There is no such page.'), 404));

  await app.register(assetRoutes);
  await app.register(signInRoutes, { sessionTtlMs: app.config.dashboard.sessionTtlMs });

  // Member pages: a live session, of the team in the URL, and a CSRF token bound to it on every post.
  await app.register(async function memberPages(member) {
    member.addHook('preValidation', async (request, reply) => {
      if (!request.dashboard) {
        if (request.method === 'GET') return reply.code(303).header('location', `${BASE}/login`).send();
        throw unauthorized('Your session has ended; sign in again');
      }
      if (!request.dashboard.session.scopes.has(READ_SCOPE)) throw forbidden(`The dashboard needs the ${READ_SCOPE} permission`);
      const team = (request.params as { team?: string }).team;
      // Another team's URL looks exactly like a page that does not exist.
      if (team !== undefined && team !== request.dashboard.session.teamName) throw notFound('There is no such page.');
      if (request.method !== 'GET' && request.method !== 'HEAD' && !csrfValid(request)) {
        throw forbidden('The form was not sent from this dashboard page (CSRF check failed); reload the page and try again');
      }
    });
    await member.register(logoutRoutes);
    await member.register(homeRoutes);
    await member.register(matrixRoutes);
    await member.register(featurePageRoutes);
    await member.register(requirementRoutes);
    await member.register(tokenPageRoutes);
  });

  function csrfValid(request: FastifyRequest): boolean {
    const body = request.body as Record<string, unknown> | undefined;
    return csrfMatches(secret, request.dashboard!.session, body?._csrf);
  }
};

export default dashboardModule;
