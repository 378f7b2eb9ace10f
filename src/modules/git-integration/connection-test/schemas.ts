import { z } from 'zod';
import { credentialsInput } from '../settings/schemas.js';

export const connectionTestBody = z
  .object({
    repository_url: z.string().max(2048).optional(),
    credentials: credentialsInput.optional().describe('Omit to use the saved credentials (for the saved URL) or none (for another URL); null for none'),
  })
  .strict()
  .nullish()
  .describe('Omit repository_url and credentials to validate the saved integration');

export const connectionTestResponse = z.object({
  data: z.object({
    reachable: z.boolean(),
    permissions: z.array(z.enum(['read', 'write'])),
    default_branch: z.string().nullable(),
    latency_ms: z.number().int(),
    reason: z.string().optional().describe('Why the remote is not reachable (never contains a credential)'),
  }),
});
