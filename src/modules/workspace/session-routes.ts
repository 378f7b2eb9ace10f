import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { authOf } from '../../plugins/auth.js';
import { workspaceErrors } from './schemas.js';
import { pullSessionBody, pushSessionBody, sessionListQuery, sessionRequestSchemas } from './session-schemas.js';
import * as sessions from './sessions.js';
import type { SessionRow } from './session-store.js';

const tags = ['workspace sessions'];
const read = { scopes: ['workspace:read'] } as const;
const write = { scopes: ['workspace:write'] } as const;

interface Flavour {
  kind: sessions.SessionKind;
  /** URL segment: `push-sessions` or `pull-sessions`. */
  segment: string;
  /** Response key: `pushSession` or `pullSession`. */
  key: string;
  body: z.ZodType;
  toBody(row: SessionRow): unknown;
}

/** Prepare, list, get and cancel: identical for push and pull sessions apart from names. */
function registerLifecycle(app: FastifyInstance, flavour: Flavour) {
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const limits = app.config.workspace;
  const { prepare } = sessionRequestSchemas(limits);
  const { kind, segment, key } = flavour;
  const single = z.object({ [key]: flavour.body });
  const wrap = (row: SessionRow) => ({ [key]: flavour.toBody(row) });
  const base = `/workspace-bindings/:bindingId/${segment}`;
  const listParams = z.object({ bindingId: z.string().describe('Workspace binding ID') });
  const params = listParams.extend({ [`${key}Id`]: z.string().describe(`${kind.label} ID`) });
  const sessionId = (p: Record<string, string>) => p[`${key}Id`]!;
  const prepared = single.extend({ created: z.boolean() });
  const bodyLimit = Math.max(app.config.http.bodyLimit, limits.planMaxBytes + limits.metadataMaxBytes + limits.signatureMaxLength * 6 + 4096);

  typed.post(
    base,
    {
      config: write,
      bodyLimit,
      schema: {
        tags,
        summary: `Prepare a workspace ${segment.replace('-sessions', '')} session (idempotent per plan signature)`,
        params: listParams,
        body: prepare,
        response: { 200: prepared.describe('Existing prepared session reused'), 201: prepared.describe('Session prepared'), ...workspaceErrors(400, 401, 403, 404, 413, 429) },
      },
    },
    async (request, reply) => {
      const { teamId, userId } = authOf(request);
      const result = await sessions.prepareSession(app.db.prisma, kind, { teamId, userId }, request.params.bindingId, request.body);
      return reply.code(result.created ? 201 : 200).send({ ...wrap(result.session), created: result.created });
    },
  );

  typed.get(
    base,
    {
      config: read,
      schema: { tags, params: listParams, querystring: sessionListQuery, response: { 200: z.object({ object: z.literal('list'), data: z.array(flavour.body), total_count: z.number().int() }), ...workspaceErrors(400, 401, 403, 404, 429) } },
    },
    async (request) => {
      const page = await sessions.listSessions(app.db.prisma, kind, authOf(request).teamId, request.params.bindingId, request.query);
      return { object: 'list' as const, data: page.rows.map(flavour.toBody), total_count: page.total };
    },
  );

  typed.get(
    `${base}/:${key}Id`,
    { config: read, schema: { tags, params, response: { 200: single, ...workspaceErrors(401, 403, 404, 429) } } },
    async (request) => {
      const p = request.params as Record<string, string>;
      return wrap(await sessions.getSession(app.db.prisma, kind, authOf(request).teamId, p.bindingId!, sessionId(p)));
    },
  );

  typed.post(
    `${base}/:${key}Id/cancel`,
    { config: write, schema: { tags, summary: `Cancel a prepared ${kind.label.toLowerCase()}`, params, response: { 200: single, ...workspaceErrors(401, 403, 404, 409, 429) } } },
    async (request) => {
      const p = request.params as Record<string, string>;
      return wrap(await sessions.cancelSession(app.db.prisma, kind, authOf(request).teamId, p.bindingId!, sessionId(p)));
    },
  );
}

const sessionRoutes: FastifyPluginAsyncZod = async (app) => {
  registerLifecycle(app, { kind: sessions.PUSH, segment: 'push-sessions', key: 'pushSession', body: pushSessionBody, toBody: sessions.toPushSessionBody });
  registerLifecycle(app, { kind: sessions.PULL, segment: 'pull-sessions', key: 'pullSession', body: pullSessionBody, toBody: sessions.toPullSessionBody });

  const limits = app.config.workspace;
  const { applyPreview, applyResult } = sessionRequestSchemas(limits);
  const params = z.object({ bindingId: z.string().describe('Workspace binding ID'), pullSessionId: z.string().describe('Pull session ID') });
  const response = { 200: z.object({ pullSession: pullSessionBody, updated: z.boolean() }), ...workspaceErrors(400, 401, 403, 404, 409, 413, 429) };
  const bodyLimit = Math.max(app.config.http.bodyLimit, limits.applyMaxBytes + limits.metadataMaxBytes + limits.signatureMaxLength * 6 + 4096);
  const base = '/workspace-bindings/:bindingId/pull-sessions/:pullSessionId';

  app.post(`${base}/apply-preview`, { config: write, bodyLimit, schema: { tags, params, body: applyPreview, response } }, async (request) => {
    const { previewSignature: signature, preview: payload, metadata } = request.body;
    const { bindingId, pullSessionId } = request.params;
    const out = await sessions.applyToPull(app.db.prisma, authOf(request).teamId, bindingId, pullSessionId, 'preview', { signature, payload, metadata });
    return { pullSession: sessions.toPullSessionBody(out.session), updated: out.updated };
  });

  app.post(`${base}/apply-result`, { config: write, bodyLimit, schema: { tags, params, body: applyResult, response } }, async (request) => {
    const { resultSignature: signature, result: payload, metadata } = request.body;
    const { bindingId, pullSessionId } = request.params;
    const out = await sessions.applyToPull(app.db.prisma, authOf(request).teamId, bindingId, pullSessionId, 'result', { signature, payload, metadata });
    return { pullSession: sessions.toPullSessionBody(out.session), updated: out.updated };
  });
};

export default sessionRoutes;
