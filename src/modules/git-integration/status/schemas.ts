import { z } from 'zod';

const change = z.enum(['added', 'modified', 'deleted']);

/** `?refresh=true`: queue a refresh of the remote view and wait (at most 10 s) for it before answering. */
export const refreshFlag = z
  .enum(['true', 'false'])
  .optional()
  .transform((v) => v === 'true')
  .describe('true: fetch the remote in the background now and wait (at most 10 s) for the fresh view before answering');

export const statusQuery = z.object({ refresh: refreshFlag });

export const statusResponse = z.object({
  data: z.object({
    in_sync: z.boolean(),
    branch: z.string(),
    local_ahead_count: z.number().int().describe('Pipelines changed in the app since their last sync (new, edited, deleted)'),
    remote_ahead_count: z.number().int().describe('Commits touching path_prefix on the branch since the last synced commit, as of remote_checked_at'),
    remote_checked_at: z
      .string()
      .nullable()
      .describe('When the remote was last measured (by an operation or a background refresh); older than GIT_REMOTE_REFRESH_SECONDS queues a refresh'),
    last_successful_sync_at: z.string().nullable(),
    last_error: z.string().nullable(),
    active_operation: z
      .object({ id: z.string(), kind: z.enum(['push', 'pull']), status: z.enum(['queued', 'running']), started_at: z.string().nullable() })
      .nullable(),
    conflicts: z.array(z.object({ pipeline_id: z.string(), path: z.string(), app_change: change, git_change: change })),
  }),
});
