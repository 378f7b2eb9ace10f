import { isObject } from '../../../lib/is-object.js';

/** One requirement of a stored spec, as the API shows it. */
export interface RequirementView {
  requirement: string;
  note?: string;
  deprecated: boolean;
  replaced_by: string[];
}

/**
 * Reads one entry of `specs.requirements`. Push stores the request's shape
 * (`requirement`, `deprecated`, `note`, `replaced_by`); the data model's names
 * (`definition`, `is_deprecated`) are accepted too, so either writer reads the same.
 */
export function readRequirement(stored: unknown): RequirementView {
  if (typeof stored === 'string') return { requirement: stored, deprecated: false, replaced_by: [] };
  if (!isObject(stored)) return { requirement: '', deprecated: false, replaced_by: [] };
  const text = stored.requirement ?? stored.definition;
  const view: RequirementView = {
    requirement: typeof text === 'string' ? text : '',
    deprecated: (stored.deprecated ?? stored.is_deprecated) === true,
    replaced_by: Array.isArray(stored.replaced_by) ? stored.replaced_by.filter((r): r is string => typeof r === 'string') : [],
  };
  if (typeof stored.note === 'string') view.note = stored.note;
  return view;
}
