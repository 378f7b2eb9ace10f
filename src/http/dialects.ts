import { STATUS_CODES } from 'node:http';
import { z } from 'zod';
import type { AppError } from '../lib/errors.js';

// How each family of clients expects an error to look. The AppError is the same;
// only its rendering differs. ERROR_BODIES is what renderError writes, as the response
// schemas routes declare: the serializer validates error bodies too, so the two must
// agree exactly (a drift would turn every error into a 500).

export type Dialect = 'acai' | 'workspace' | 'platform';

/** acai clients get 422 for every validation failure; the other two get 400. */
export function validationStatus(dialect: Dialect): number {
  return dialect === 'acai' ? 422 : 400;
}

function statusName(status: number): string {
  return (STATUS_CODES[status] ?? 'Error')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

export function renderError(dialect: Dialect, error: AppError): object {
  switch (dialect) {
    case 'acai':
      // The acai CLI shows `errors.detail` to its user, so field issues are folded into it.
      return {
        errors: {
          detail: error.details?.length
            ? `${error.message}: ${error.details.map((d) => (d.field ? `${d.field} ${d.issue}` : d.issue)).join('; ')}`
            : error.message,
          status: statusName(error.status),
        },
      };
    case 'workspace':
      return error.details?.length
        ? { error: error.message, code: error.code, details: error.details }
        : { error: error.message, code: error.code };
    case 'platform':
      return { error: { code: error.code, message: error.message, details: error.details ?? [] } };
  }
}

export const ERROR_BODIES = {
  acai: z.object({ errors: z.object({ detail: z.string(), status: z.string().optional() }) }),
  workspace: z
    .object({
      error: z.string(),
      code: z.string(),
      details: z.array(z.object({ field: z.string(), issue: z.string() })).optional(),
    })
    .describe('Error'),
  platform: z
    .object({
      error: z.object({
        code: z.string(),
        message: z.string(),
        details: z.array(z.object({ field: z.string(), issue: z.string() })),
      }),
    })
    .describe('Error'),
};

/** A route's error responses in its dialect: `errorResponses('platform', [400, 401])` is `{400: body, 401: body}`. */
export function errorResponses<D extends Dialect, S extends number>(dialect: D, statuses: readonly S[]): Record<S, (typeof ERROR_BODIES)[D]> {
  return Object.fromEntries(statuses.map((status) => [status, ERROR_BODIES[dialect]])) as Record<S, (typeof ERROR_BODIES)[D]>;
}
