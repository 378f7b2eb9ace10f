import { z } from 'zod';
import { STATUS_VALUES } from '../../acai/domain/state.js';

/** The status form: an empty status clears it; an empty comment is no comment. */
export const stateForm = z.object({
  _csrf: z.string().max(200).optional(),
  acid: z.string().min(1).max(512),
  status: z.union([z.literal(''), z.enum(STATUS_VALUES)]).transform((v) => (v === '' ? null : v)),
  comment: z
    .string()
    .max(100_000)
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? undefined : v)),
});
