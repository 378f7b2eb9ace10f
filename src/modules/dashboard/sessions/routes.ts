import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { forbidden } from '../../../lib/errors.js';
import { BASE, SESSION_COOKIE, sendPage, teamUrl, viewerOf } from '../context.js';
import { linkForm, linkQuery, tokenForm } from './schemas.js';
import { clientAddressKey } from '../../../plugins/rate-limits.js';
import { endSession, signInWithLink, signInWithToken, SignInError } from './service.js';
import { FAILURE_MESSAGES, loginLinkPage, signInPage } from './view.js';

/**
 * A sign-in form posted from another site is refused: browsers send Sec-Fetch-Site (or at least
 * Origin) with a POST, and neither may name a foreign origin. (There is no session yet to bind a
 * CSRF token to; this is what stops login CSRF.)
 */
function assertSameOrigin(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') {
    if (site !== 'same-origin' && site !== 'none') throw forbidden('Cross-site sign-in refused');
    // Our pages' no-referrer policy makes a browser send `Origin: null` with their own form posts: Sec-Fetch-Site decides.
    return;
  }
  const origin = request.headers.origin;
  // Without Sec-Fetch-Site, `Origin: null` (sandboxed frames, data: URLs) could come from anywhere: foreign.
  if (typeof origin === 'string') {
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== request.host) throw forbidden('Cross-site sign-in refused');
  }
}

/** Sign-in pages and the two sign-in forms (token, one-time link); public routes. */
export const signInRoutes: FastifyPluginAsyncZod<{ sessionTtlMs: number }> = async function signInRoutes(app, options) {
  const ttl = options.sessionTtlMs;
  // Failed sign-ins count against the client address like failed Bearer authentications do.
  const failureOf = app.perMinuteLimit('sign-in-failures', app.config.rateLimits.authFailuresPerMinute, clientAddressKey);

  function startSession(reply: FastifyReply, id: string) {
    void reply.setCookie(SESSION_COOKIE, id, {
      path: BASE,
      httpOnly: true,
      sameSite: 'lax',
      // https as the client sees it: request.protocol honours X-Forwarded-Proto only from proxies TRUST_PROXY trusts.
      secure: 'auto',
      signed: true,
      maxAge: Math.floor(ttl / 1000),
    });
    return reply.code(303).header('location', BASE).send();
  }

  async function failed(request: FastifyRequest, reply: FastifyReply, error: unknown) {
    if (!(error instanceof SignInError)) throw error;
    request.log.warn({ reason: error.reason }, 'dashboard sign-in failed');
    await failureOf(request);
    return sendPage(reply, signInPage(FAILURE_MESSAGES[error.reason]), error.reason === 'missing_scope' ? 403 : 401);
  }

  app.get('/login', { schema: { hide: true } }, async (request, reply) => {
    if (request.dashboard) return reply.code(303).header('location', teamUrl(request.dashboard.session.teamName)).send();
    return sendPage(reply, signInPage());
  });

  // The link's code is in the URL: these two routes log at warn only, so it never reaches a request log line.
  app.get('/login/link', { logLevel: 'warn', schema: { hide: true, querystring: linkQuery } }, async (request, reply) => {
    // A GET never consumes the link (mail scanners and link previews fetch URLs); the button does.
    return sendPage(reply, loginLinkPage(request.query.code ?? ''));
  });

  app.post('/login/link', { logLevel: 'warn', schema: { hide: true, body: linkForm } }, async (request, reply) => {
    assertSameOrigin(request);
    try {
      return startSession(reply, await signInWithLink(app.db.prisma, request.body.code, ttl));
    } catch (error) {
      return failed(request, reply, error);
    }
  });

  app.post('/login/token', { schema: { hide: true, body: tokenForm } }, async (request, reply) => {
    assertSameOrigin(request);
    try {
      return startSession(reply, await signInWithToken(app.db.prisma, request.body.token, ttl));
    } catch (error) {
      return failed(request, reply, error);
    }
  });

  app.get('/', { schema: { hide: true } }, async (request, reply) =>
    reply.code(303).header('location', request.dashboard ? teamUrl(request.dashboard.session.teamName) : `${BASE}/login`).send(),
  );
};

/** Signing out ends the session in the database, not only in this browser; a member route (session and CSRF checked). */
export const logoutRoutes: FastifyPluginAsyncZod = async function logoutRoutes(app) {
  app.post('/logout', { schema: { hide: true } }, async (request, reply) => {
    await endSession(app.db.prisma, viewerOf(request).session.idHash);
    void reply.clearCookie(SESSION_COOKIE, { path: BASE });
    return reply.code(303).header('location', `${BASE}/login`).send();
  });
};
