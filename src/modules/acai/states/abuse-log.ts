import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../lib/errors.js';

const ABUSE_STATUSES = new Set([413, 422, 429]);

/**
 * One structured line per rejected state write (feature-states.ABUSE.5): request id, endpoint,
 * reason, size and entry count, and the team and token id once authenticated. Never the
 * bearer token or the payload.
 */
export function logAbuseRejection(request: FastifyRequest, replyStatus: number, error: unknown): void {
  const status = error instanceof AppError ? error.status : (error as { statusCode?: number }).statusCode ?? replyStatus;
  const validation = (error as { validation?: unknown }).validation !== undefined;
  if (!ABUSE_STATUSES.has(status) && !validation) return;
  const body = request.body as { states?: unknown } | undefined;
  const states = body && typeof body.states === 'object' && body.states !== null ? Object.keys(body.states).length : undefined;
  const size = Number(request.headers['content-length']);
  request.log.warn(
    {
      event: 'abuse_rejection',
      request_id: request.id,
      endpoint: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      reason: error instanceof Error ? error.message : 'rejected',
      status: validation ? 422 : status,
      request_bytes: Number.isFinite(size) ? size : undefined,
      states_count: states,
      team_id: request.auth?.teamId,
      token_id: request.auth?.tokenId,
    },
    'feature-states request rejected',
  );
}
