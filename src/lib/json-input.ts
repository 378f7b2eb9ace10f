import { hasLoneSurrogate } from './text.js';

/**
 * Free-form JSON accepted from clients is stored as Postgres jsonb through Prisma. Two
 * things valid in JavaScript fail there with a 500 unless rejected at the edge:
 * a lone UTF-16 surrogate (jsonb refuses the escape) and very deep nesting (Prisma's
 * serialiser recurses once per level and overflows the stack). No real document nests this deep.
 */
export const MAX_JSON_DEPTH = 64;

/** Why `value` cannot be stored as jsonb, or null. Iterative, so any input is safe to check. */
export function jsonInputIssue(value: unknown, maxDepth = MAX_JSON_DEPTH): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'string') {
      if (hasLoneSurrogate(node)) return 'must not contain unpaired UTF-16 surrogates';
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth >= maxDepth) return `must not nest deeper than ${maxDepth} levels`;
    for (const [key, child] of Object.entries(node)) {
      if (hasLoneSurrogate(key)) return 'must not contain unpaired UTF-16 surrogates';
      stack.push([child, depth + 1]);
    }
  }
  return null;
}

/**
 * True when the JSON text `text` opens more than `maxDepth` nested arrays/objects. A linear
 * scan of the raw text, so a hostile document is refused before JSON.parse builds it.
 * Brackets inside strings are skipped; the text need not be valid JSON.
 */
export function jsonTextNestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}
