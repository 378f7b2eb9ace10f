import { z } from 'zod';

// Environment settings of the pipelines module, merged into the server's env schema.

export const pipelinesEnv = z.object({
  /** Longest pipeline name, in characters. */
  PIPELINE_NAME_MAX_LENGTH: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Largest pipeline definition, in bytes of its compact JSON. */
  PIPELINE_DEFINITION_MAX_BYTES: z.coerce.number().int().min(2).max(64 * 1024 * 1024).default(512 * 1024),
});

export type PipelinesConfig = ReturnType<typeof toPipelinesConfig>;

export function toPipelinesConfig(env: z.infer<typeof pipelinesEnv>) {
  return {
    nameMaxLength: env.PIPELINE_NAME_MAX_LENGTH,
    definitionMaxBytes: env.PIPELINE_DEFINITION_MAX_BYTES,
  };
}
