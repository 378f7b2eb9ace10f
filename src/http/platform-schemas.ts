import { z } from 'zod';

// Response schemas shared by the modules of the `/api` surface (platform dialect).
// They mirror renderError('platform', ...) in ./dialects.ts exactly: the serializer
// validates error bodies too, so a drift would turn every error into a 500.

export const platformErrorBody = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ field: z.string(), issue: z.string() })),
    }),
  })
  .describe('Error');

/** `{ 400: platformErrorBody, 401: ..., ... }` for a route's response schema. */
export function platformErrors<S extends number>(...statuses: S[]): Record<S, typeof platformErrorBody> {
  return Object.fromEntries(statuses.map((status) => [status, platformErrorBody])) as Record<S, typeof platformErrorBody>;
}

/** `meta` of a cursor-paginated list: `cursor` opens the next page, null on the last one. */
export const pageMeta = z.object({
  page: z.object({ limit: z.number().int(), cursor: z.string().nullable() }),
});
