import { z } from 'zod';

/**
 * The one spelling of an on/off environment variable: `true`/`false` or `1`/`0` (`on`/`off` are
 * read too, for setups written before this was settled). Any other value, an empty one included,
 * is refused by name at start.
 */
export const envFlag = z
  .enum(['true', 'false', '1', '0', 'on', 'off'], { message: 'must be true or false (or 1 / 0)' })
  .transform((v) => v === 'true' || v === '1' || v === 'on');
