import type { FastifyRequest } from 'fastify';

// Array query parameters come in two spellings: bare and repeated (`statuses=a&statuses=b`,
// what the acai CLI sends) and with brackets (`statuses[]=a&statuses[]=b`, what qs, Rails
// and PHP style clients send). The reference server reads both alike, so every
// `name[]` key is folded into `name` before validation: the schema then sees one list,
// and an invalid value is reported under `name` in either spelling.

const BRACKETED = /^(.+)\[\]$/;

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Folds every `name[]` key of a parsed query string into `name` (bare values first), in place. */
export function foldBracketArrays(query: Record<string, unknown>): void {
  for (const key of Object.keys(query)) {
    const name = BRACKETED.exec(key)?.[1];
    if (name === undefined) continue;
    // Own properties only: `query.__proto__` would read the prototype.
    const values = [...asList(Object.hasOwn(query, name) ? query[name] : undefined), ...asList(query[key])];
    delete query[key];
    // defineProperty: a key such as `__proto__[]` must become a plain own property, never a prototype.
    Object.defineProperty(query, name, { value: values, enumerable: true, writable: true, configurable: true });
  }
}

/** preValidation hook of the acai routes. */
export async function bracketArraysHook(request: FastifyRequest): Promise<void> {
  if (request.query && typeof request.query === 'object') foldBracketArrays(request.query as Record<string, unknown>);
}
