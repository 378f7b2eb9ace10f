import { z } from 'zod';
import { pageMeta } from '../../../http/platform-schemas.js';
import type { PipelinesConfig } from '../env.js';
import { boundedJsonObject, printable, withoutBidi } from '../../../lib/zod-text.js';

// Request schemas depend on the configured size bounds, so they are built per app.
// `pipelineContentSchema` is also what a pull applies to every pipeline file read from git
// (git-integration/pipeline-files.ts): a pipeline is valid or not whichever way it arrives.

export function pipelineContentSchema(limits: PipelinesConfig) {
  // A name is shown in lists and file views; reordering characters can make it read as another one.
  const name = withoutBidi(
    printable(z.string().trim().min(1, 'must not be empty').max(limits.nameMaxLength, `must be at most ${limits.nameMaxLength} characters`)),
  );

  const definition = boundedJsonObject(limits.definitionMaxBytes).describe('The pipeline definition: any JSON object');

  return { name, definition };
}

export function requestSchemas(limits: PipelinesConfig) {
  const { name, definition } = pipelineContentSchema(limits);
  return {
    createBody: z.object({ name, definition }).strict(),
    updateBody: z
      .object({
        name: name.optional(),
        definition: definition.optional(),
        expected_version: z.number().int().min(1).optional().describe('Reject with 409 unless the pipeline is at this version'),
      })
      .strict()
      .refine((body) => body.name !== undefined || body.definition !== undefined, {
        message: 'must contain name or definition',
      }),
  };
}

export const pipelineParams = z.object({ id: z.string().describe('Pipeline id (`pl_...`)') });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(512).optional(),
});

const pipelineBody = z
  .object({
    id: z.string(),
    name: z.string(),
    definition: z.record(z.string(), z.unknown()),
    version: z.number().int(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .describe('Pipeline');

export const pipelineResponse = z.object({ data: pipelineBody });
export const pipelineListResponse = z.object({ data: z.array(pipelineBody), meta: pageMeta });
