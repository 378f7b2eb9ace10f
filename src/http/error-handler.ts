import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, invalidRequest, notFound, payloadTooLarge, unavailable, type FieldIssue } from '../lib/errors.js';
import { isDatabaseUnavailable, isRetryableConflict } from '../db/errors.js';
import { renderError, validationStatus, type Dialect } from './dialects.js';

interface ValidationIssueLike {
  instancePath?: string;
  message?: string;
  params?: { issue?: { path?: PropertyKey[]; message?: string } };
}

function validationDetails(error: FastifyError): FieldIssue[] {
  const context = (error as { validationContext?: string }).validationContext ?? 'body';
  return (error.validation as ValidationIssueLike[] | undefined ?? []).map((item) => {
    const path = item.params?.issue?.path?.map(String).join('.') ?? item.instancePath?.replace(/^\//, '').replaceAll('/', '.') ?? '';
    return { field: path ? `${context}.${path}` : context, issue: item.params?.issue?.message ?? item.message ?? 'is invalid' };
  });
}

/** Maps anything thrown inside a request to the one internal error model. */
export function toAppError(error: unknown, dialect: Dialect): AppError {
  if (error instanceof AppError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError?.validation) {
    return new AppError(validationStatus(dialect), dialect === 'acai' ? 'unprocessable' : 'invalid_request', 'Request validation failed', {
      details: validationDetails(fastifyError),
    });
  }
  switch (fastifyError?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge('Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', 'Unsupported content type; send application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('Request body is empty but Content-Type is application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest('Malformed JSON in request body');
  }
  if (error instanceof SyntaxError && fastifyError.statusCode === 400) return invalidRequest('Malformed JSON in request body');
  if (isDatabaseUnavailable(error)) return unavailable('Database is unavailable, retry shortly');
  if (isRetryableConflict(error)) return new AppError(503, 'unavailable', 'Concurrent update, retry the request', { retryAfter: 1 });
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    // Fastify's own client errors (e.g. bad URL encoding): keep the status, hide internals.
    return new AppError(fastifyError.statusCode, fastifyError.statusCode === 404 ? 'not_found' : 'invalid_request', 'Bad request');
  }
  return new AppError(500, 'internal', 'Internal server error', { cause: error });
}

export function sendError(dialect: Dialect, error: AppError, request: FastifyRequest, reply: FastifyReply) {
  if (error.status >= 500) {
    request.log.error({ err: error.cause ?? error, code: error.code }, 'request failed');
  } else {
    request.log.info({ status: error.status, code: error.code, reason: error.message }, 'request rejected');
  }
  if (error.retryAfter !== undefined) void reply.header('retry-after', String(error.retryAfter));
  return reply.code(error.status).type('application/json; charset=utf-8').send(renderError(dialect, error));
}

/** Installs the error handler of one encapsulated context: errors of its routes render in `dialect`. */
export function useErrorHandler(app: FastifyInstance, dialect: Dialect): void {
  app.setErrorHandler((error, request, reply) => sendError(dialect, toAppError(error, dialect), request, reply));
}

/**
 * Installs the error and not-found handlers of one API surface (one encapsulated context).
 * `dialect` may depend on the URL: the root context answers unknown paths for the root
 * aliases of a surface (a prefix-less context cannot have a not-found handler of its own).
 */
export function useErrorDialect(app: FastifyInstance, dialect: Dialect, notFoundDialect: (url: string) => Dialect = () => dialect): void {
  useErrorHandler(app, dialect);
  app.setNotFoundHandler((request, reply) =>
    sendError(notFoundDialect(request.url), notFound(`No route ${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
}
