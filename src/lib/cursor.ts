import { invalidRequest } from './errors.js';
import { isPrefixedId } from './ids.js';

// Keyset pagination by id. The cursor is opaque to clients (base64url of a small
// JSON object) so its contents can change without breaking them.

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

/** The id to continue after; 400 on anything this server did not produce. */
export function decodeCursor(cursor: string, idPrefix: string): string {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof value.after === 'string' && isPrefixedId(idPrefix, value.after)) return value.after;
  } catch {
    // fall through
  }
  throw invalidRequest('Invalid cursor', [{ field: 'querystring.cursor', issue: 'is not a cursor returned by this API' }]);
}
