import { z } from 'zod';
import { pageMeta } from '../../../http/platform-schemas.js';
import { branchName } from '../branch-name.js';

export const pushBody = z
  .object({
    branch: branchName.optional().describe('Defaults to the configured default branch; created from it when missing on the remote'),
    message: z.string().trim().min(1).max(5000).default('Update pipelines from Planasonix'),
    pipeline_ids: z
      .array(z.string().min(1).max(64))
      .min(1)
      .max(10_000)
      .optional()
      .describe('Pipelines to write (deleted ones have their file removed). Omitted: every pipeline of the team, and the files of synced pipelines deleted since'),
    create_pull_request: z.boolean().default(false),
    pr_title: z.string().trim().min(1).max(256).optional(),
    pr_body: z.string().max(65_536).optional(),
  })
  .strict()
  .describe(
    'Each pipeline becomes `<path_prefix><pipeline id>.json`: `{"definition", "id", "name"}` with sorted keys, 2-space indent and a trailing newline. ' +
      '`version` is not written (a save without change makes no diff). Nothing to commit is a success without commit; a moved remote is fetched and the commit rebuilt, never forced.',
  );

export const pullBody = z
  .object({
    branch: branchName.optional().describe('Defaults to the configured default branch'),
    strategy: z.enum(['merge', 'theirs', 'ours']).default('merge'),
    dry_run: z.boolean().default(false),
  })
  .strict()
  .describe(
    'Three-way merge of the files at the branch head against the last synced versions: changed only in git is applied, only in the app is kept, ' +
      'on both sides is a conflict (status `conflict`, nothing applied for it) unless strategy is `theirs` or `ours`. dry_run records the result without changing pipelines.',
  );

const status = z.enum(['queued', 'running', 'succeeded', 'failed', 'conflict']);

export const acceptedResponse = z.object({
  data: z.object({ operation_id: z.string(), status, branch: z.string() }),
});

const operationBody = z.object({
  id: z.string(),
  kind: z.enum(['push', 'pull']),
  status,
  branch: z.string(),
  request: z.record(z.string(), z.unknown()),
  result: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe(
      'commit sha, pull request, changes, conflicts, skipped files... A pull lists at most GIT_MAX_REPORTED_SKIPS skipped files (`skipped`, by path) and counts them all (`skipped_total`, `skipped_by_reason`)',
    ),
  error: z.string().nullable(),
  attempts: z.number().int(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

export const operationResponse = z.object({ data: operationBody });
/** A list entry: everything but `result`, which can be long (GET /operations/{id} has it). */
const operationSummary = operationBody.omit({ result: true });
export const operationListResponse = z.object({ data: z.array(operationSummary), meta: pageMeta });

export const operationParams = z.object({ id: z.string().min(1).max(64) });
export const operationListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
  kind: z.enum(['push', 'pull']).optional(),
  status: status.optional(),
});
