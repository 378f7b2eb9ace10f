import { z } from 'zod';
import { printable } from '../../lib/zod-text.js';

// Schemas shared by the workspace routes (`/v1`, workspace error dialect: src/http/dialects.ts).

/** A single-line, printable string such as a name, an external id or a signature. */
export const text = (max: number) => printable(z.string().min(1, 'must not be empty').max(max, `must be at most ${max} characters`));

/** A PATCH body: sets at least one field. */
export const atLeastOneField = <T extends z.ZodType<object>>(body: T): T =>
  body.refine((value) => Object.keys(value).length > 0, { message: 'must contain at least one field' });

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
};

/** `{object: "list", data, total_count}`: the list envelope the workspace SDKs read. */
export const listOf = <T extends z.ZodType>(item: T) =>
  z.object({ object: z.literal('list'), data: z.array(item), total_count: z.number().int() });

export const jsonObject = z.record(z.string(), z.unknown());

export const noContent = z.null().describe('No content');
