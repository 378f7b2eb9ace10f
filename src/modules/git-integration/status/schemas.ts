import { z } from 'zod';

const change = z.enum(['added', 'modified', 'deleted']);

export const statusResponse = z.object({
  data: z.object({
    in_sync: z.boolean(),
    branch: z.string(),
    local_ahead_count: z.number().int().describe('Pipelines changed in the app since their last sync (new, edited, deleted)'),
    remote_ahead_count: z.number().int().describe('Commits touching path_prefix on the branch since the last synced commit, as of the last operation'),
    remote_checked_at: z.string().nullable(),
    last_successful_sync_at: z.string().nullable(),
    last_error: z.string().nullable(),
    active_operation: z
      .object({ id: z.string(), kind: z.enum(['push', 'pull']), status: z.enum(['queued', 'running']), started_at: z.string().nullable() })
      .nullable(),
    conflicts: z.array(z.object({ pipeline_id: z.string(), path: z.string(), app_change: change, git_change: change })),
  }),
});
