import { z } from 'zod';
import { withoutNul } from '../../../lib/zod-text.js';
import { atLeastOneField, listOf, pageQuery, text } from '../schemas.js';

const SYNC_MODES = ['off', 'manual', 'watch'] as const;
const EXECUTION_MODES = ['legacy_remote', 'bridge_local'] as const;

const optionalFields = {
  projectId: text(200).nullable().optional().describe('Project the binding belongs to; null for none'),
  name: text(200).nullable().optional(),
  syncRoot: text(4096).nullable().optional().describe('Root of the synced tree; when absent or null it is `localPath`'),
  ignorePatterns: z.array(text(1024)).max(1000).nullable().optional().describe('null is the same as []'),
  syncMode: z.enum(SYNC_MODES).optional().describe('Defaults to manual'),
  executionMode: z.enum(EXECUTION_MODES).optional().describe('Defaults to legacy_remote'),
  lastPushedSnapshotId: text(200).nullable().optional(),
  lastPulledSnapshotId: text(200).nullable().optional(),
};

export const createBindingBody = z
  .object({
    deviceId: text(64).describe('A device of the same team (`dev_...`)'),
    environmentId: text(200).describe('The cloud computer the folder syncs with'),
    localPath: text(4096).describe('Absolute path of the folder on the device'),
    ...optionalFields,
  })
  .strict();

export const updateBindingBody = atLeastOneField(
  z
    .object({
      deviceId: text(64).optional(),
      environmentId: text(200).optional(),
      localPath: text(4096).optional(),
      ...optionalFields,
    })
    .strict(),
);

export type BindingFields = z.infer<typeof updateBindingBody>;

export const bindingParams = z.object({ bindingId: z.string().describe('Workspace binding id (`wb_...`)') });

// Filters go to Postgres as text.
const filter = (max: number) => withoutNul(z.string().max(max));

export const bindingListQuery = z.object({
  deviceId: filter(64).optional(),
  environmentId: filter(200).optional(),
  projectId: filter(200).optional().describe('`none` lists the bindings without a project'),
  ...pageQuery,
});

const bindingBody = z
  .object({
    id: z.string(),
    userId: z.string().nullable().describe('The user whose token created the binding (null only for bindings stored before it was recorded)'),
    deviceId: z.string(),
    environmentId: z.string(),
    projectId: z.string().nullable(),
    localPath: z.string(),
    name: z.string().nullable(),
    syncRoot: z.string().describe('The root given at create or update, otherwise `localPath`'),
    ignorePatterns: z.array(z.string()),
    syncMode: z.enum(SYNC_MODES),
    executionMode: z.enum(EXECUTION_MODES),
    lastPushedSnapshotId: z.string().nullable(),
    lastPulledSnapshotId: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('WorkspaceBinding');

export const bindingResponse = z.object({ binding: bindingBody });
export const bindingListResponse = listOf(bindingBody);
