import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';
import { authOf, requireScopes } from '../../../plugins/auth.js';
import { AppError, forbidden } from '../../../lib/errors.js';
import type { Scope } from '../../../lib/auth/scopes.js';
import { errorResponses } from '../../../http/dialects.js';
import { acaiPushBody, pushResponse } from './schemas.js';
import { checkCaps } from './caps.js';
import { planPush } from './plan.js';
import { push } from './service.js';
import { rawReplay } from './raw-replay.js';
import { logAbuseRejection, rejectedPush } from '../abuse-log.js';

const PUSH_SCOPES: readonly Scope[] = ['specs:write', 'refs:write'];

/** POST /push: the write path of `acai push` (specs, refs, branch and implementation in one transaction). */
export const pushRoutes: FastifyPluginAsyncZod = async function pushRoutes(app) {
  const settings = app.config.acaiPush;
  const pushOf = app.perMinuteLimit('pushes', settings.requestsPerMinute, (request) => authOf(request).tokenId);
  // An identical body is answered from its replay before it is parsed (raw-replay.ts); this
  // plugin's JSON parser serves only this route.
  const raw = rawReplay(app, settings.caps);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer) => raw.parse(request, body));

  app.addHook('onError', async (request, reply, error) => logAbuseRejection(rejectedPush, request, reply.statusCode, error));

  app.post(
    '/push',
    {
      bodyLimit: settings.maxBodyBytes,
      // Every push needs specs:write or refs:write; which of specs:write / refs:write / impls:write
      // apply beyond that depends on the body (push.AUTH.2-4).
      config: { scopes: [] },
      // Rate limiting runs before the body is parsed (push.ABUSE.4).
      onRequest: pushOf,
      // The CLI always sends JSON (push.ENDPOINT.2); anything else would only fail validation with a puzzling detail.
      preParsing: async (request) => {
        const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
        if (mediaType !== 'application/json') {
          throw new AppError(415, 'unsupported_media_type', `Content-Type must be application/json, got '${mediaType.slice(0, 100) || 'none'}'`);
        }
      },
      preValidation: raw.answer,
      schema: {
        tags: ['acai'],
        summary: 'Push specs and code references of one branch',
        body: acaiPushBody,
        response: { 200: pushResponse, ...errorResponses('acai', [401, 403, 413, 415, 422, 429]) },
      },
    },
    async (request) => {
      const auth = authOf(request);
      const body = request.body;
      requireScopes(auth, [...(body.specs?.length ? (['specs:write'] as const) : []), ...(body.references ? (['refs:write'] as const) : [])]);
      // Even a push with no specs or refs creates a branch and moves its last_seen_commit:
      // a read-only token may not push at all, whatever the body holds.
      if (!PUSH_SCOPES.some((scope) => auth.scopes.has(scope))) {
        throw forbidden(`API token is missing required scope(s): ${PUSH_SCOPES.join(' or ')}`);
      }
      checkCaps(body, settings.caps);
      const plan = planPush(body);
      const access = { mayWriteImpls: auth.scopes.has('impls:write'), requireImplsWrite: () => requireScopes(auth, ['impls:write']) };
      return { data: await push(app.db, auth.teamId, plan, access, raw.missOf(request)) };
    },
  );
};

