import { notFound, type FieldIssue } from '../../lib/errors.js';
import { isPrefixedId } from '../../lib/ids.js';

// Ids of the workspace resources, and the 404 an id that does not exist (for this team) gets.

export const ID_PREFIX = { device: 'dev', binding: 'wb', push: 'wps', pull: 'wpl' } as const;

/** `details` says why, when the device id came in a body (a binding's deviceId). */
export const deviceNotFound = (details?: FieldIssue[]) => notFound('Device not found', details);
export const bindingNotFound = () => notFound('Workspace binding not found');

/** A malformed id cannot exist: answer 404 without a query. */
export function checkId(prefix: string, id: string, missing: () => Error): void {
  if (!isPrefixedId(prefix, id)) throw missing();
}
