import { z } from 'zod';
import { pageMeta } from '../../../http/platform-schemas.js';
import type { PipelinesConfig } from '../env.js';
import { hasBidiControl, hasControlCharacter, hasLoneSurrogate } from '../../../lib/text.js';
import { jsonInputIssue } from '../../../lib/json-input.js';

// Request schemas depend on the configured size bounds, so they are built per app.
// `pipelineContentSchema` is also what a pull applies to every pipeline file read from git
// (git-integration/pipeline-files.ts): a pipeline is valid or not whichever way it arrives.

export function pipelineContentSchema(limits: PipelinesConfig) {
  const name = z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(limits.nameMaxLength, `must be at most ${limits.nameMaxLength} characters`)
    // Postgres text cannot hold NUL; other control characters make no sense in a name.
    .refine((v) => !hasControlCharacter(v), 'must not contain control characters')
    .refine((v) => !hasLoneSurrogate(v), 'must not contain unpaired UTF-16 surrogates')
    // A name is shown in lists and file views; reordering characters can make it read as another one.
    .refine((v) => !hasBidiControl(v), 'must not contain bidirectional control characters');

  const definition = z
    .record(z.string(), z.unknown())
    .describe('The pipeline definition: any JSON object')
    .superRefine((value, ctx) => {
      // First: JSON.stringify itself overflows the stack on very deep input.
      const issue = jsonInputIssue(value);
      if (issue) return void ctx.addIssue({ code: 'custom', message: issue });
      const json = JSON.stringify(value);
      if (Buffer.byteLength(json) > limits.definitionMaxBytes) {
        ctx.addIssue({ code: 'custom', message: `must be at most ${limits.definitionMaxBytes} bytes of JSON` });
      } else if (json.includes('\\u0000')) {
        ctx.addIssue({ code: 'custom', message: 'must not contain NUL characters' });
      }
    });

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

export const pipelineBody = z
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
