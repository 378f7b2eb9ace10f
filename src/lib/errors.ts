// The one error type of the server. Services throw it; each API module renders
// it in its own clients' dialect at the edge (see src/http/dialects.ts).

export type ErrorCode =
  | 'invalid_request'
  | 'unprocessable'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export interface FieldIssue {
  field: string;
  issue: string;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: FieldIssue[] | undefined;
  /** Seconds a client should wait before retrying (429, 503). */
  readonly retryAfter: number | undefined;

  constructor(
    status: number,
    code: ErrorCode,
    message: string,
    options: { details?: FieldIssue[]; retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.details = options.details;
    this.retryAfter = options.retryAfter;
  }
}

export const invalidRequest = (message: string, details?: FieldIssue[]) =>
  new AppError(400, 'invalid_request', message, { details });
/** A request that is well-formed JSON but semantically unacceptable (acai renders all validation as 422). */
export const unprocessable = (message: string, details?: FieldIssue[]) =>
  new AppError(422, 'unprocessable', message, { details });
export const unauthorized = (message = 'Missing or invalid API token') =>
  new AppError(401, 'unauthorized', message);
export const forbidden = (message: string) => new AppError(403, 'forbidden', message);
export const notFound = (message = 'Not found', details?: FieldIssue[]) => new AppError(404, 'not_found', message, { details });
export const conflict = (message: string, details?: FieldIssue[]) =>
  new AppError(409, 'conflict', message, { details });
export const payloadTooLarge = (message: string) => new AppError(413, 'payload_too_large', message);
export const rateLimited = (retryAfter: number) =>
  new AppError(429, 'rate_limited', `Rate limit exceeded, retry in ${retryAfter} seconds`, { retryAfter });
export const unavailable = (message = 'Service temporarily unavailable') =>
  new AppError(503, 'unavailable', message, { retryAfter: 5 });
