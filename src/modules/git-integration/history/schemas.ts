import { z } from 'zod';
import { branchName } from '../branch-name.js';
import { refreshFlag } from '../status/schemas.js';

export const historyQuery = z.object({
  branch: branchName.optional().describe('Defaults to the configured default branch'),
  path: z.string().min(1).max(1024).optional().describe('A file or directory inside path_prefix (defaults to the whole prefix)'),
  limit: z.coerce.number().int().min(1).max(200).default(30),
  refresh: refreshFlag,
});

export const historyResponse = z.object({
  data: z.array(
    z.object({
      sha: z.string(),
      message: z.string(),
      author: z.string().describe('Name <email>'),
      committed_at: z.string(),
      pipeline_ids_touched: z.array(z.string()),
    }),
  ),
});
