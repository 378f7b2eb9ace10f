import { isObject } from '../../../lib/is-object.js';

/** Requirement statuses (feature-states.VALIDATION.3); `null` is the absence of a status. */
export const STATUS_VALUES = ['assigned', 'blocked', 'incomplete', 'completed', 'rejected', 'accepted'] as const;
export type Status = (typeof STATUS_VALUES)[number];

/** Statuses that count as done in worklist completion counts. */
export const DONE_STATUSES: ReadonlySet<string> = new Set(['completed', 'accepted']);

/** A resolved requirement state as the API shows it. */
export interface StateView {
  status: string | null;
  comment?: string;
  updated_at?: string;
}

/** Reads one stored state entry; anything missing or malformed reads as no status. */
export function readState(stored: unknown): StateView {
  if (!isObject(stored)) return { status: null };
  const view: StateView = { status: typeof stored.status === 'string' ? stored.status : null };
  if (typeof stored.comment === 'string') view.comment = stored.comment;
  if (typeof stored.updated_at === 'string') view.updated_at = stored.updated_at;
  return view;
}
