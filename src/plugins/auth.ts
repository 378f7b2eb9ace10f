import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../lib/errors.js';
import { TokenCache, hasTokenShape, type AuthContext } from '../lib/auth/tokens.js';
import { verifyToken } from '../db/tokens.js';
import type { Scope } from '../lib/auth/scopes.js';
import type { Logger } from 'pino';
import { TokenRevocationListener } from '../db/token-revocations.js';
import { clientAddressKey } from './rate-limits.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** onRequest hook: Bearer token -> request.auth, then the route's `config.scopes`. */
    authenticate(request: FastifyRequest): Promise<void>;
    /**
     * Counts one failed authentication (a Bearer token, a webhook signature) against the client's
     * address; throws the 429 once the address is over AUTH_FAILURES_PER_MINUTE (shared by every
     * instance when REDIS_URL is set).
     */
    countAuthFailure(request: FastifyRequest): Promise<void>;
  }
  interface FastifyRequest {
    auth: AuthContext | null;
  }
  interface FastifyContextConfig {
    /** Scopes the token must hold for this route (all of them). */
    scopes?: readonly Scope[];
  }
}

const REJECTIONS = {
  unknown: 'Invalid API token',
  revoked: 'API token has been revoked',
  expired: 'API token has expired',
} as const;

const BEARER = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i;

/** Throws 403 unless the token holds every scope; for checks that depend on the request body. */
export function requireScopes(auth: AuthContext, scopes: readonly Scope[]): void {
  const missing = scopes.filter((scope) => !auth.scopes.has(scope));
  if (missing.length > 0) throw forbidden(`API token is missing required scope(s): ${missing.join(', ')}`);
}

/** The authenticated caller of a route that ran `authenticate`. */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw unauthorized();
  return request.auth;
}

export default fp(
  async function authPlugin(app: FastifyInstance) {
    const { rateLimits } = app.config;
    const failureOf = app.perMinuteLimit('auth-failures', rateLimits.authFailuresPerMinute, clientAddressKey);
    const requestOf = app.perMinuteLimit('token-requests', rateLimits.perTokenPerMinute, (request) => authOf(request).tokenId);
    const tokenCache = new TokenCache(app.config.auth.tokenCacheTtlMs);
    // Revocations from any process reach this cache at once on PostgreSQL (token-revocations.ts). The
    // embedded database belongs to one process; there the TTL bounds a revocation's delay. Started
    // once serving, not at registration: building the app must not touch the database (npm run openapi).
    let revocations: TokenRevocationListener | null = null;
    app.addHook('onListen', async () => {
      if (app.config.auth.tokenCacheTtlMs <= 0 || app.db.embedded) return;
      revocations = new TokenRevocationListener(app.db.url, tokenCache, app.log.child({ component: 'token-revocations' }) as Logger);
      await revocations.start();
    });
    app.addHook('onClose', async () => revocations?.stop());

    app.decorateRequest('auth', null);
    app.decorate('countAuthFailure', failureOf);
    app.decorate('authenticate', async function authenticate(request: FastifyRequest) {
      // The token is checked first: a valid token is never refused because other requests
      // from its address (behind a proxy: everyone's, unless TRUST_PROXY says otherwise)
      // failed. Only failures count, and over the limit a failure is a 429 that no longer
      // says why (unknown, revoked, expired). Guessing stays hopeless: tokens are 256
      // random bits, and a request without a token's shape costs no database read.
      const match = BEARER.exec(request.headers.authorization ?? '');
      const raw = match?.[1];
      const check = raw && hasTokenShape(raw) ? await verifyToken(app.db.prisma, raw, new Date(), tokenCache) : undefined;
      if (!check?.ok) {
        const reason = check ? check.reason : raw ? 'unknown' : 'missing';
        request.log.warn({ reason }, 'authentication failed');
        await app.countAuthFailure(request);
        throw unauthorized(raw ? REJECTIONS[check?.reason ?? 'unknown'] : 'Missing Authorization header with a Bearer token');
      }
      request.auth = check.auth;
      await requestOf(request);
      const required = request.routeOptions.config.scopes;
      if (required) requireScopes(check.auth, required);
    });
  },
  { name: 'auth', dependencies: ['db', 'rate-limits'] },
);
