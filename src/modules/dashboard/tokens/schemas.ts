import { z } from 'zod';
import { tokenName } from '../../tokens/manage/schemas.js';
import { MAX_TOKEN_LIFETIME_DAYS } from '../../tokens/manage/service.js';

export const MAX_EXPIRY_DAYS = MAX_TOKEN_LIFETIME_DAYS;

/** The create form: a name, and optionally a lifetime in whole days (empty: never expires). */
export const createTokenForm = z.object({
  _csrf: z.string().max(200).optional(),
  name: tokenName,
  expires_in_days: z
    .string()
    .trim()
    .max(10)
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const days = /^\d+$/.test(v) ? Number(v) : NaN;
      if (!(days >= 1 && days <= MAX_EXPIRY_DAYS)) {
        ctx.addIssue({ code: 'custom', message: `must be a whole number of days from 1 to ${MAX_EXPIRY_DAYS}` });
        return z.NEVER;
      }
      return days;
    }),
});

export const tokenIdParams = z.object({ team: z.string().min(1).max(255), id: z.string().max(64) });
