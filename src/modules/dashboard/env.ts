import { z } from 'zod';
import { parseDuration } from '../../lib/duration.js';

// Environment settings of the dashboard, merged into the server's env schema.

const duration = (fallback: string, max: number) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms > max) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 30m, 12h or 7d' });
        return z.NEVER;
      }
      return ms;
    });

export const dashboardEnv = z.object({
  /**
   * Signs the session cookie; set the same value on every instance. Unset: a key generated
   * once in DATA_DIR/dashboard-cookie.key.
   */
  DASHBOARD_COOKIE_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  /** How long a dashboard session lasts after sign-in. */
  DASHBOARD_SESSION_TTL: duration('12h', 30 * 86_400_000),
});

export function toDashboardConfig(env: z.infer<typeof dashboardEnv>) {
  return { cookieSecret: env.DASHBOARD_COOKIE_SECRET, sessionTtlMs: env.DASHBOARD_SESSION_TTL };
}
