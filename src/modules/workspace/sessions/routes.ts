import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../../plugins/auth.js';
import { compiledSuccessSerializer } from '../../../http/compiled-serializer.js';
import { errorResponses } from '../../../http/dialects.js';
import { listOf } from '../schemas.js';
import { pullSessionBody, pushSessionBody, sessionListQuery, sessionRequestSchemas } from './schemas.js';
import * as sessions from './service.js';
import type { SessionRow } from './store.js';

const tags = ['workspace sessions'];
const read = { scopes: ['workspace:read'] } as const;
const write = { scopes: ['workspace:write'] } as const;
// Daemons retry prepares and poll sessions: their responses are written by compiled serialisers.
const serializerCompiler = compiledSuccessSerializer;

type App = Parameters<FastifyPluginAsyncZod>[0];

/** Room for the largest allowed payload plus metadata and signature, so oversize is reported per field (400) first. */
function bodyLimitFor(app: App, payloadMaxBytes: number): number {
  const limits = app.config.workspace;
  return Math.max(app.config.http.bodyLimit, payloadMaxBytes + limits.metadataMaxBytes + limits.signatureMaxLength * 6 + 4096);
}

interface Flavour {
  kind: sessions.SessionKind;
  /** URL segment: `push-sessions` or `pull-sessions`. */
  segment: string;
  /** Response key: `pushSession` or `pullSession`; the id parameter is `${key}Id`. */
  key: string;
  body: z.ZodType;
  toBody(row: SessionRow): unknown;
}

/** Prepare, list, get and cancel: identical for push and pull sessions apart from names. */
function registerLifecycle(app: App, flavour: Flavour) {
  const { kind, segment, key } = flavour;
  const { prepare } = sessionRequestSchemas(app.config.workspace);
  const single = z.object({ [key]: flavour.body });
  const prepared = single.extend({ created: z.boolean() });
  const wrap = (row: SessionRow) => ({ [key]: flavour.toBody(row) });
  const base = `/workspace-bindings/:bindingId/${segment}`;
  const bindingParams = z.object({ bindingId: z.string().describe('Workspace binding ID') });
  const params = bindingParams.extend({ [`${key}Id`]: z.string().describe(`${kind.label} ID`) });
  const ids = (request: { params: unknown }) => {
    const p = request.params as Record<string, string>;
    return [p.bindingId!, p[`${key}Id`]!] as const;
  };

  app.post(
    base,
    {
      config: write,
      serializerCompiler,
      bodyLimit: bodyLimitFor(app, app.config.workspace.planMaxBytes),
      schema: {
        tags,
        summary: `Prepare a ${kind.label.toLowerCase()} (idempotent per plan signature)`,
        params: bindingParams,
        body: prepare,
        response: {
          200: prepared.describe('Existing prepared session reused'),
          201: prepared.describe('Session prepared'),
          ...errorResponses('workspace', [400, 401, 403, 404, 413, 429]),
        },
      },
    },
    async (request, reply) => {
      const { teamId, userId } = authOf(request);
      const result = await sessions.prepareSession(app.db, kind, { teamId, userId }, request.params.bindingId, request.body);
      return reply.code(result.created ? 201 : 200).send({ ...wrap(result.session), created: result.created });
    },
  );

  app.get(
    base,
    {
      config: read,
      serializerCompiler,
      schema: {
        tags,
        params: bindingParams,
        querystring: sessionListQuery,
        response: { 200: listOf(flavour.body), ...errorResponses('workspace', [400, 401, 403, 404, 429]) },
      },
    },
    async (request) => {
      const page = await sessions.listSessions(app.db.prisma, kind, authOf(request).teamId, request.params.bindingId, request.query);
      return { object: 'list' as const, data: page.rows.map(flavour.toBody), total_count: page.total };
    },
  );

  app.get(
    `${base}/:${key}Id`,
    { config: read, serializerCompiler, schema: { tags, params, response: { 200: single, ...errorResponses('workspace', [401, 403, 404, 429]) } } },
    async (request) => wrap(await sessions.getSession(app.db.prisma, kind, authOf(request).teamId, ...ids(request))),
  );

  app.post(
    `${base}/:${key}Id/cancel`,
    {
      config: write,
      serializerCompiler,
      schema: {
        tags,
        summary: `Cancel a prepared ${kind.label.toLowerCase()}`,
        params,
        response: { 200: single, ...errorResponses('workspace', [401, 403, 404, 409, 429]) },
      },
    },
    async (request) => wrap(await sessions.cancelSession(app.db.prisma, kind, authOf(request).teamId, ...ids(request))),
  );
}

/** apply-preview and apply-result of a pull session (see README.md). */
function registerPullApply(app: App) {
  const { applyPreview, applyResult } = sessionRequestSchemas(app.config.workspace);
  const base = '/workspace-bindings/:bindingId/pull-sessions/:pullSessionId';
  const options = <B extends typeof applyPreview | typeof applyResult>(body: B) => ({
    config: write,
    serializerCompiler,
    bodyLimit: bodyLimitFor(app, app.config.workspace.applyMaxBytes),
    schema: {
      tags,
      params: z.object({ bindingId: z.string().describe('Workspace binding ID'), pullSessionId: z.string().describe('Pull session ID') }),
      body,
      response: {
        200: z.object({ pullSession: pullSessionBody, updated: z.boolean() }),
        ...errorResponses('workspace', [400, 401, 403, 404, 409, 413, 429]),
      },
    },
  });
  const respond = (out: { session: SessionRow; updated: boolean }) => ({
    pullSession: sessions.toPullSessionBody(out.session),
    updated: out.updated,
  });

  app.post(`${base}/apply-preview`, options(applyPreview), async (request) => {
    const { previewSignature: signature, preview: payload, metadata } = request.body;
    const { bindingId, pullSessionId } = request.params;
    const teamId = authOf(request).teamId;
    return respond(await sessions.applyToPull(app.db.prisma, teamId, bindingId, pullSessionId, 'preview', { signature, payload, metadata }));
  });

  app.post(`${base}/apply-result`, options(applyResult), async (request) => {
    const { resultSignature: signature, result: payload, metadata } = request.body;
    const { bindingId, pullSessionId } = request.params;
    const teamId = authOf(request).teamId;
    return respond(await sessions.applyToPull(app.db.prisma, teamId, bindingId, pullSessionId, 'result', { signature, payload, metadata }));
  });
}

/** `/workspace-bindings/{bindingId}/push-sessions` and `.../pull-sessions`. */
export const sessionRoutes: FastifyPluginAsyncZod = async function sessionRoutes(app) {
  registerLifecycle(app, {
    kind: sessions.PUSH,
    segment: 'push-sessions',
    key: 'pushSession',
    body: pushSessionBody,
    toBody: sessions.toPushSessionBody,
  });
  registerLifecycle(app, {
    kind: sessions.PULL,
    segment: 'pull-sessions',
    key: 'pullSession',
    body: pullSessionBody,
    toBody: sessions.toPullSessionBody,
  });
  registerPullApply(app);
};
