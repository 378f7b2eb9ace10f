import { z } from 'zod';
import type { WorkspaceConfig } from '../env.js';
import { boundedJsonObject } from '../../../lib/zod-text.js';
import { jsonObject, pageQuery, text } from '../schemas.js';

const SESSION_STATUSES = ['prepared', 'superseded', 'cancelled'] as const;

export function sessionRequestSchemas(limits: WorkspaceConfig) {
  const signature = text(limits.signatureMaxLength);
  const metadata = boundedJsonObject(limits.metadataMaxBytes).nullable().optional().describe('Free-form metadata object; null is the same as none.');
  const applied = boundedJsonObject(limits.applyMaxBytes);
  return {
    prepare: z.object({
      planSignature: signature.describe('Client-computed signature of the plan (`sig_<hex>`); the same plan gives the same signature'),
      plan: boundedJsonObject(limits.planMaxBytes),
      metadata,
    }),
    applyPreview: z.object({ previewSignature: signature, preview: applied, metadata }),
    applyResult: z.object({ resultSignature: signature, result: applied, metadata }),
  };
}

export const sessionListQuery = z.object({ status: z.enum(SESSION_STATUSES).optional(), ...pageQuery });

export const pushSessionBody = z
  .object({
    id: z.string().describe('Unique identifier.'),
    workspaceBindingId: z.string(),
    userId: z.string().describe('User ID.'),
    deviceId: z.string(),
    environmentId: z.string().describe('Computer ID.'),
    projectId: z.string().nullable().describe('Project ID.'),
    status: z.enum(SESSION_STATUSES).describe('Current lifecycle status.'),
    planSignature: z.string(),
    plan: jsonObject,
    metadata: jsonObject.nullable().describe('Free-form metadata object.'),
    createdAt: z.string().describe('ISO 8601 timestamp.'),
    updatedAt: z.string().describe('ISO 8601 timestamp.'),
  })
  .describe('WorkspacePushSession');

export const pullSessionBody = pushSessionBody
  .extend({
    previewSignature: z.string().nullable(),
    preview: jsonObject.nullable(),
    previewMetadata: jsonObject.nullable(),
    previewAppliedAt: z.string().nullable(),
    resultSignature: z.string().nullable(),
    result: jsonObject.nullable(),
    resultMetadata: jsonObject.nullable(),
    resultAppliedAt: z.string().nullable(),
  })
  .describe('WorkspacePullSession');
