import { z } from 'zod';
import { isObject } from '../features/resolution.js';

/** Requirement statuses (feature-states.VALIDATION.3); `null` is the absence of a status. */
export const STATUS_VALUES = ['assigned', 'blocked', 'incomplete', 'completed', 'rejected', 'accepted'] as const;
export type Status = (typeof STATUS_VALUES)[number];

/** Statuses that count as done in worklist completion counts. */
export const DONE_STATUSES: ReadonlySet<string> = new Set(['completed', 'accepted']);

export const statusSchema = z.enum(STATUS_VALUES);

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

/**
 * `statuses` query values: the literal `null` selects ACIDs without a status
 * (feature-context.REQUEST.7-1). A single value arrives as a string, repeats as an array;
 * `statuses[]=...` is folded into `statuses` before validation (../array-query.ts).
 */
const STATUS_FILTERS = ['null', ...STATUS_VALUES] as const;

/** Names the refused value (cut to 64 characters), so that the CLI user sees which one it was. */
const unknownStatus = (input: unknown) => {
  const text = typeof input === 'string' ? input : JSON.stringify(input) ?? String(input);
  return `has unknown value ${JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text)}: must be one of ${STATUS_FILTERS.join(', ')}`;
};

export const statusesQuerySchema = z
  .preprocess(
    (value) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]),
    z.array(z.string().trim().pipe(z.enum(STATUS_FILTERS, { error: (issue) => unknownStatus(issue.input) }))),
  )
  .optional()
  .transform((values) => (values && values.length > 0 ? new Set<string | null>(values.map((v) => (v === 'null' ? null : v))) : undefined))
  .describe('Repeat for several, bare (`statuses=completed&statuses=null`) or with brackets (`statuses[]=completed&statuses[]=null`); `null` is no status');
