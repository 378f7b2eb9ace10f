import { z } from 'zod';

// Response schemas shared by the modules of the `/api` surface (platform dialect).
// The error body of the dialect is ERROR_BODIES.platform in ./dialects.ts.

/** `meta` of a cursor-paginated list: `cursor` opens the next page, null on the last one. */
export const pageMeta = z.object({
  page: z.object({ limit: z.number().int(), cursor: z.string().nullable() }),
});
