import { STATUS_CODES } from 'node:http';
import type { AppError } from '../lib/errors.js';

// How each family of clients expects an error to look. The AppError is the same;
// only its rendering differs.

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
