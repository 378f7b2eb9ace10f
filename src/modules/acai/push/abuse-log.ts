import type { FastifyRequest } from 'fastify';
import { AppError } from '../../../lib/errors.js';
import { withoutCredentials } from './repo-uri.js';

const LOGGED_STATUSES = new Set([403, 413, 422, 429]);
const MAX_FIELD_CHARS = 200;

interface PushBodyLike {
  repo_uri?: unknown;
  branch_name?: unknown;
  product_name?: unknown;
  target_impl_name?: unknown;
  parent_impl_name?: unknown;
  specs?: unknown;
  references?: { data?: unknown };
}

/**
 * One structured line per rejected push (push.ABUSE.5): request id, endpoint, reason, size and
 * payload counts when known, what the push aimed at (repo, branch, product, implementation
 * names), and team and token id once authenticated. Never the bearer token or the payload
 * (ABUSE.5-3); credentials pasted into a repo URI are cut out before the URI is logged.
 */
export function logPushRejection(request: FastifyRequest, replyStatus: number, error: unknown): void {
  const status = error instanceof AppError ? error.status : (error as { statusCode?: number }).statusCode ?? replyStatus;
  const validation = (error as { validation?: unknown }).validation !== undefined;
  if (!LOGGED_STATUSES.has(status) && !validation) return;
  const body = (request.body ?? undefined) as PushBodyLike | undefined;
  const specs = Array.isArray(body?.specs) ? (body.specs as { feature?: { product?: unknown } }[]) : undefined;
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
      specs_count: specs?.length,
      ref_acids_count: refs && typeof refs === 'object' ? Object.keys(refs).length : undefined,
      repo_uri: typeof body?.repo_uri === 'string' ? clip(withoutCredentials(body.repo_uri)) : undefined,
      branch_name: text(body?.branch_name),
      product_name: text(body?.product_name) ?? text(specs?.[0]?.feature?.product),
      target_impl_name: text(body?.target_impl_name),
      parent_impl_name: text(body?.parent_impl_name),
      team_id: request.auth?.teamId,
      token_id: request.auth?.tokenId,
    },
    'push request rejected',
  );
}

const clip = (value: string) => (value.length > MAX_FIELD_CHARS ? `${value.slice(0, MAX_FIELD_CHARS)}…` : value);
const text = (value: unknown) => (typeof value === 'string' ? clip(value) : undefined);

