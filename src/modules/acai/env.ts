import { z } from 'zod';

// Environment settings of the acai module, merged into the server's env schema:
// POST /api/v1/push (push.ABUSE.3, ABUSE.4-2) and PATCH /api/v1/feature-states (feature-states.ABUSE.3, ABUSE.4-2).

const positive = (max: number) => z.coerce.number().int().min(1).max(max);

export const pushEnv = z.object({
  /** Largest request body, in bytes (413 above it, push.ABUSE.1). */
  ACAI_PUSH_MAX_BODY_BYTES: positive(1024 * 1024 * 1024).default(32 * 1024 * 1024),
  ACAI_PUSH_MAX_SPECS: positive(100_000).default(100),
  /** Ref entries (one path of one ACID) in one push. */
  ACAI_PUSH_MAX_REFS: positive(10_000_000).default(10_000),
  ACAI_PUSH_MAX_REQUIREMENTS_PER_SPEC: positive(1_000_000).default(200),
  /** `meta.raw_content`, in UTF-8 bytes. */
  ACAI_PUSH_MAX_RAW_CONTENT_BYTES: positive(64 * 1024 * 1024).default(100 * 1024),
  ACAI_PUSH_MAX_REQUIREMENT_CHARS: positive(10_000_000).default(2000),
  ACAI_PUSH_MAX_DESCRIPTION_CHARS: positive(10_000_000).default(5000),
  ACAI_PUSH_MAX_PATH_CHARS: positive(1_000_000).default(1024),
  ACAI_PUSH_MAX_REPO_URI_CHARS: positive(1_000_000).default(2048),
  /** Pushes per token per minute (429 above it; off when RATE_LIMITS is off). */
  ACAI_PUSH_REQUESTS_PER_MINUTE: positive(1_000_000).default(60),
});

export type PushConfig = ReturnType<typeof toPushConfig>;
export type PushCaps = PushConfig['caps'];

export function toPushConfig(env: z.infer<typeof pushEnv>) {
  return {
    maxBodyBytes: env.ACAI_PUSH_MAX_BODY_BYTES,
    requestsPerMinute: env.ACAI_PUSH_REQUESTS_PER_MINUTE,
    caps: {
      maxSpecs: env.ACAI_PUSH_MAX_SPECS,
      maxRefs: env.ACAI_PUSH_MAX_REFS,
      maxRequirementsPerSpec: env.ACAI_PUSH_MAX_REQUIREMENTS_PER_SPEC,
      maxRawContentBytes: env.ACAI_PUSH_MAX_RAW_CONTENT_BYTES,
      maxRequirementChars: env.ACAI_PUSH_MAX_REQUIREMENT_CHARS,
      maxDescriptionChars: env.ACAI_PUSH_MAX_DESCRIPTION_CHARS,
      maxPathChars: env.ACAI_PUSH_MAX_PATH_CHARS,
      maxRepoUriChars: env.ACAI_PUSH_MAX_REPO_URI_CHARS,
    },
  };
}

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

export function toFeatureStatesConfig(env: z.infer<typeof featureStatesEnv>) {
  return {
    maxBodyBytes: env.ACAI_FEATURE_STATES_MAX_BODY_BYTES,
    maxAcids: env.ACAI_FEATURE_STATES_MAX_ACIDS,
    maxCommentLength: env.ACAI_FEATURE_STATES_MAX_COMMENT_LENGTH,
    writesPerMinute: env.ACAI_FEATURE_STATES_WRITES_PER_MINUTE,
  };
}
