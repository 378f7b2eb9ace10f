/** A plain JSON object (not null, not an array): how stored jsonb documents are read defensively. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
