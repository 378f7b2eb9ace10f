import { z } from 'zod';
import { hasControlCharacter, hasLoneSurrogate } from '../../lib/text.js';
import { jsonInputIssue } from '../../lib/json-input.js';

// Schemas shared by the workspace routes (`/v1`, workspace error dialect).

/** Mirrors renderError('workspace', ...) in src/http/dialects.ts: the serializer validates error bodies too. */
export const workspaceErrorBody = z
  .object({
    error: z.string(),
    code: z.string(),
    details: z.array(z.object({ field: z.string(), issue: z.string() })).optional(),
  })
  .describe('Error');

export function workspaceErrors<S extends number>(...statuses: S[]): Record<S, typeof workspaceErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, workspaceErrorBody])) as Record<S, typeof workspaceErrorBody>;
}

/** A single-line, printable string such as a name, an external id or a signature. */
export const text = (max: number) =>
  z
    .string()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasControlCharacter(v), 'must not contain control characters')
    .refine((v) => !hasLoneSurrogate(v), 'must not contain unpaired UTF-16 surrogates');

/** A JSON object whose compact serialisation is at most `maxBytes` (Postgres jsonb cannot hold NUL either). */
export const boundedObject = (maxBytes: number) =>
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

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** `{object: "list", data, total_count}`: the list envelope the workspace SDKs read. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal('list'), data: z.array(item), total_count: z.number().int() });

export const jsonObject = z.record(z.string(), z.unknown());

export const noContent = z.null().describe('No content');
