import { z } from 'zod';
import type { WorkspaceConfig } from '../env.js';
import { boundedJsonObject } from '../../../lib/zod-text.js';
import { atLeastOneField, jsonObject, listOf, pageQuery, text } from '../schemas.js';

const DEVICE_STATUSES = ['online', 'offline'] as const;

export function deviceRequestSchemas(limits: WorkspaceConfig) {
  const fields = {
    platform: text(64).nullable().optional(),
    hostname: text(255).nullable().optional(),
    appVersion: text(64).nullable().optional(),
    daemonVersion: text(64).nullable().optional(),
    capabilities: boundedJsonObject(limits.metadataMaxBytes).nullable().optional().describe('Free-form capabilities object; null clears it'),
  };
  return {
    createDevice: z
      .object({ name: text(200), ...fields, status: z.enum(DEVICE_STATUSES).optional().describe('Defaults to online') })
      .strict(),
    updateDevice: atLeastOneField(
      z
        .object({
          name: text(200).optional(),
          ...fields,
          status: z.enum(DEVICE_STATUSES).optional(),
          lastSeenAt: z.iso
            .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
            .nullable()
            .optional()
            .describe('When the daemon was last seen; a time ahead of the server clock is recorded as now. Wins over the `lastSeenAt` that `status: online` sets.'),
        })
        .strict(),
    ),
    heartbeat: z
      .object({ appVersion: fields.appVersion, daemonVersion: fields.daemonVersion, capabilities: fields.capabilities })
      .strict()
      .nullish()
      .describe('Optional: versions and capabilities the daemon reports with its heartbeat'),
  };
}

export const deviceParams = z.object({ id: z.string().describe('Device id (`dev_...`)') });

export const deviceListQuery = z.object({ status: z.enum(DEVICE_STATUSES).optional(), ...pageQuery });

const deviceBody = z
  .object({
    id: z.string(),
    userId: z.string().nullable().describe('The user whose token registered the device (null only for devices stored before it was recorded)'),
    name: z.string(),
    platform: z.string().nullable(),
    hostname: z.string().nullable(),
    appVersion: z.string().nullable(),
    daemonVersion: z.string().nullable(),
    status: z.enum(DEVICE_STATUSES),
    capabilities: jsonObject,
    lastSeenAt: z.string().nullable().describe('ISO 8601 timestamp of the last heartbeat'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('Device');

export const deviceResponse = z.object({ device: deviceBody });
export const deviceListResponse = listOf(deviceBody);
