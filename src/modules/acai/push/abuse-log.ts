import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../lib/errors.js';

const ABUSE_STATUSES = new Set([413, 422, 429]);

/**
 * One structured line per rejected push (push.ABUSE.5): request id, endpoint, reason, size and
 * payload counts when known, team and token id once authenticated. Never the token or the payload.
 */
export function logPushRejection(request: FastifyRequest, replyStatus: number, error: unknown): void {
  const status = error instanceof AppError ? error.status : (error as { statusCode?: number }).statusCode ?? replyStatus;
  const validation = (error as { validation?: unknown }).validation !== undefined;
  if (!ABUSE_STATUSES.has(status) && !validation) return;
  const body = request.body as { specs?: unknown; references?: { data?: unknown } } | undefined;
  const refs = body?.references?.data;
  const size = Number(request.headers['content-length']);
  request.log.warn(
    {
      event: 'abuse_rejection',
      request_id: request.id,
      endpoint: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      reason: error instanceof Error ? error.message : 'rejected',
      status: validation ? 422 : status,
      request_bytes: Number.isFinite(size) ? size : undefined,
      specs_count: Array.isArray(body?.specs) ? body.specs.length : undefined,
      ref_acids_count: refs && typeof refs === 'object' ? Object.keys(refs).length : undefined,
      team_id: request.auth?.teamId,
      token_id: request.auth?.tokenId,
    },
    'push request rejected',
  );
}
