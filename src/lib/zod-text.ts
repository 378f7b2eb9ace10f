import { z } from 'zod';
import { jsonInputIssue } from './json-input.js';
import { hasBidiControl, hasControlCharacter, hasLoneSurrogate } from './text.js';

// Input that Postgres cannot store fails in the query, as a 500. These refinements refuse it
// at the edge instead, with the same messages everywhere: text columns cannot hold NUL, jsonb
// refuses NUL and unpaired UTF-16 surrogates, and very deep JSON overflows Prisma's serialiser.

/** No NUL character (a text column cannot hold one). */
export const withoutNul = (schema: z.ZodString) => schema.refine((v) => !v.includes('\u0000'), { error: 'must not contain NUL characters' });

/** Storable as text and as a jsonb string: no NUL and no unpaired surrogate. */
export const storable = (schema: z.ZodString) =>
  schema.refine((v) => !v.includes('\u0000') && jsonInputIssue(v) === null, { error: 'must not contain NUL characters or unpaired surrogates' });

/** Printable text (names, ids, signatures): no control character, NUL included, and no unpaired surrogate. */
export const printable = (schema: z.ZodString) =>
  schema
    .refine((v) => !hasControlCharacter(v), 'must not contain control characters')
    .refine((v) => !hasLoneSurrogate(v), 'must not contain unpaired UTF-16 surrogates');

/** No bidirectional control character: text shown in lists and file views that reordering could make read as other text. */
export const withoutBidi = (schema: z.ZodString) =>
  schema.refine((v) => !hasBidiControl(v), 'must not contain bidirectional control characters');

/** Any JSON object that jsonb can store and whose compact serialisation is at most `maxBytes`. */
export const boundedJsonObject = (maxBytes: number) =>
  z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    // First: JSON.stringify itself overflows the stack on very deep input.
    const issue = jsonInputIssue(value);
    if (issue) return void ctx.addIssue({ code: 'custom', message: issue });
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) > maxBytes) {
      ctx.addIssue({ code: 'custom', message: `must be at most ${maxBytes} bytes of JSON` });
    } else if (json.includes('\\u0000')) {
      ctx.addIssue({ code: 'custom', message: 'must not contain NUL characters' });
    }
  });
