import { z } from 'zod';
import type { WorkspaceConfig } from './config.js';
import { boundedObject, jsonObject, listOf, pageQuery, text } from './schemas.js';

export const DEVICE_STATUSES = ['online', 'offline'] as const;

export function deviceRequestSchemas(limits: WorkspaceConfig) {
  const fields = {
    platform: text(64).nullable().optional(),
    hostname: text(255).nullable().optional(),
    appVersion: text(64).nullable().optional(),
    daemonVersion: text(64).nullable().optional(),
    capabilities: boundedObject(limits.metadataMaxBytes).optional().describe('Free-form capabilities object'),
  };
  return {
    createDevice: z
      .object({ name: text(200), ...fields, status: z.enum(DEVICE_STATUSES).optional().describe('Defaults to online') })
      .strict(),
    updateDevice: z
      .object({ name: text(200).optional(), ...fields, status: z.enum(DEVICE_STATUSES).optional() })
      .strict()
      .refine((body) => Object.keys(body).length > 0, { message: 'must contain at least one field' }),
    heartbeat: z
      .object({ appVersion: fields.appVersion, daemonVersion: fields.daemonVersion, capabilities: fields.capabilities })
      .strict()
      .nullish()
      .describe('Optional: versions and capabilities the daemon reports with its heartbeat'),
  };
}

export const deviceParams = z.object({ id: z.string().describe('Device id (`dev_...`)') });

export const deviceListQuery = z.object({ status: z.enum(DEVICE_STATUSES).optional(), ...pageQuery });

export const deviceBody = z
  .object({
    id: z.string(),
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
