import { z } from 'zod';

// Environment settings of PATCH /api/v1/feature-states (feature-states.ABUSE.3, ABUSE.4-2),
// merged into the server's env schema.

const positive = (max: number) => z.coerce.number().int().min(1).max(max);

export const featureStatesEnv = z.object({
  /** Largest request body, in bytes (413 above it). */
  ACAI_FEATURE_STATES_MAX_BODY_BYTES: positive(64 * 1024 * 1024).default(1_000_000),
  /** Most ACIDs in one request (422 above it). */
  ACAI_FEATURE_STATES_MAX_ACIDS: positive(100_000).default(500),
  /** Longest state comment, in characters (422 above it). */
  ACAI_FEATURE_STATES_MAX_COMMENT_LENGTH: positive(1_000_000).default(2000),
  /** State writes per token per minute (429 above it; off when RATE_LIMITS is off). */
  ACAI_FEATURE_STATES_WRITES_PER_MINUTE: positive(1_000_000).default(60),
});

export type FeatureStatesConfig = ReturnType<typeof toFeatureStatesConfig>;

export function toFeatureStatesConfig(env: z.infer<typeof featureStatesEnv>) {
  return {
    maxBodyBytes: env.ACAI_FEATURE_STATES_MAX_BODY_BYTES,
    maxAcids: env.ACAI_FEATURE_STATES_MAX_ACIDS,
    maxCommentLength: env.ACAI_FEATURE_STATES_MAX_COMMENT_LENGTH,
    writesPerMinute: env.ACAI_FEATURE_STATES_WRITES_PER_MINUTE,
  };
}
