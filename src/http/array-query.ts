import type { FastifyRequest } from 'fastify';
import { unprocessable } from '../lib/errors.js';

// Array query parameters come in three spellings: bare and repeated (`statuses=a&statuses=b`,
// what the acai CLI sends), with empty brackets (`statuses[]=a&statuses[]=b`, Rails and PHP
// style clients) and with indices (`statuses[0]=a&statuses[1]=b`, the default of the qs
// library). The reference server reads them alike, so every `name[]` and `name[<n>]` key is
// folded into `name` before validation: the schema then sees one list, and an invalid value
// is reported under `name` whatever the spelling. Any other bracketed key (`statuses[x]`,
// `statuses[][]`) is refused by name: left alone it would be ignored, and a filter the client
// meant to send would silently not apply.

const BRACKETED = /^([^[\]]+)\[([^[\]]*)\]$/;
const INDEX = /^\d{1,6}$/;
const refused = (key: string) => {
  const name = (/^[^[]*/.exec(key)?.[0] ?? '').slice(0, 64);
  return unprocessable(
    `Request validation failed: querystring.${key.slice(0, 64)} is not a form of a query parameter this API reads (use ${name}=a&${name}=b, ${name}[]=a or ${name}[0]=a)`,
  );
};

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/**
 * Folds every `name[]` and `name[<n>]` key of a parsed query string into `name`, in place: bare
 * values first, then `name[]` values in order, then indexed values by index. Throws a 422 naming
 * any other bracketed key.
 */
export function foldBracketArrays(query: Record<string, unknown>): void {
  const folded = new Map<string, { appended: unknown[]; indexed: [number, unknown[]][] }>();
  for (const key of Object.keys(query)) {
    if (!key.endsWith(']') || !key.includes('[')) continue;
    const match = BRACKETED.exec(key);
    if (!match) throw refused(key);
    const [, name, inside] = match as unknown as [string, string, string];
    if (inside !== '' && !INDEX.test(inside)) throw refused(key);
    const entry = folded.get(name) ?? { appended: [], indexed: [] };
    if (inside === '') entry.appended.push(...asList(query[key]));
    else entry.indexed.push([Number(inside), asList(query[key])]);
    folded.set(name, entry);
    delete query[key];
  }
  for (const [name, { appended, indexed }] of folded) {
    indexed.sort((a, b) => a[0] - b[0]);
    // Own properties only: `query.__proto__` would read the prototype.
    const values = [...asList(Object.hasOwn(query, name) ? query[name] : undefined), ...appended, ...indexed.flatMap(([, list]) => list)];
    // defineProperty: a key such as `__proto__[]` must become a plain own property, never a prototype.
    Object.defineProperty(query, name, { value: values, enumerable: true, writable: true, configurable: true });
  }
}

/** preValidation hook of the acai routes. */
export async function bracketArraysHook(request: FastifyRequest): Promise<void> {
  if (request.query && typeof request.query === 'object') foldBracketArrays(request.query as Record<string, unknown>);
}
