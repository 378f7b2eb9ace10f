import type { FastifyRequest } from 'fastify';
import { AppError } from '../../lib/errors.js';
import { withoutCredentials } from './push/repo-uri.js';

// One structured line per rejected write of the acai API (push.ABUSE.5, feature-states.ABUSE.5):
// request id, endpoint, reason, size and payload counts when known, and team and token id once
// authenticated. Never the bearer token or the payload (ABUSE.5-3).

const MAX_FIELD_CHARS = 200;

export interface RejectedWrite {
  /** Statuses that are logged; a validation failure always is (as a 422). */
  statuses: ReadonlySet<number>;
  message: string;
  /** What the request aimed at, read defensively from a body that may have failed validation. */
  describe: (body: unknown) => Record<string, unknown>;
}

interface PushBodyLike {
  repo_uri?: unknown;
  branch_name?: unknown;
  product_name?: unknown;
  target_impl_name?: unknown;
  parent_impl_name?: unknown;
  specs?: unknown;
  references?: { data?: unknown };
}

/** Rejected pushes: payload counts and the repo, branch, product and implementation names; credentials in a repo URI are cut out. */
export const rejectedPush: RejectedWrite = {
  statuses: new Set([403, 413, 422, 429]),
  message: 'push request rejected',
  describe(raw) {
    const body = (raw ?? undefined) as PushBodyLike | undefined;
    const specs = Array.isArray(body?.specs) ? (body.specs as { feature?: { product?: unknown } }[]) : undefined;
    const refs = body?.references?.data;
    return {
      specs_count: specs?.length,
      ref_acids_count: refs && typeof refs === 'object' ? Object.keys(refs).length : undefined,
      repo_uri: typeof body?.repo_uri === 'string' ? clip(withoutCredentials(body.repo_uri)) : undefined,
      branch_name: text(body?.branch_name),
      product_name: text(body?.product_name) ?? text(specs?.[0]?.feature?.product),
      target_impl_name: text(body?.target_impl_name),
      parent_impl_name: text(body?.parent_impl_name),
    };
  },
};

/** Rejected state writes: the number of ACIDs. */
export const rejectedStateWrite: RejectedWrite = {
  statuses: new Set([413, 422, 429]),
  message: 'feature-states request rejected',
  describe(raw) {
    const body = raw as { states?: unknown } | undefined;
    return { states_count: body && typeof body.states === 'object' && body.states !== null ? Object.keys(body.states).length : undefined };
  },
};

export function logAbuseRejection(what: RejectedWrite, request: FastifyRequest, replyStatus: number, error: unknown): void {
  const status = error instanceof AppError ? error.status : (error as { statusCode?: number }).statusCode ?? replyStatus;
  const validation = (error as { validation?: unknown }).validation !== undefined;
  if (!what.statuses.has(status) && !validation) return;
  const size = Number(request.headers['content-length']);
  request.log.warn(
    {
      event: 'abuse_rejection',
      request_id: request.id,
      endpoint: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
      reason: error instanceof Error ? error.message : 'rejected',
      status: validation ? 422 : status,
      request_bytes: Number.isFinite(size) ? size : undefined,
      ...what.describe(request.body),
      team_id: request.auth?.teamId,
      token_id: request.auth?.tokenId,
    },
    what.message,
  );
}

const clip = (value: string) => (value.length > MAX_FIELD_CHARS ? `${value.slice(0, MAX_FIELD_CHARS)}…` : value);
const text = (value: unknown) => (typeof value === 'string' ? clip(value) : undefined);
