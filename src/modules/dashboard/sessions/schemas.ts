import { z } from 'zod';

// Form bodies arrive as strings (application/x-www-form-urlencoded); lengths are capped well
// above any valid value so that a huge field is a 400, not work.

export const linkQuery = z.object({ code: z.string().max(200).optional() });
export const linkForm = z.object({ code: z.string().max(200) });
export const tokenForm = z.object({ token: z.string().trim().max(200) });
