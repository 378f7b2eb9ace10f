import { z } from 'zod';

// Environment settings of the workspace module, merged into the server's env schema
// (src/config.ts) and read once at start.

const bytes = (max: number) => z.coerce.number().int().min(2).max(max);

export const workspaceEnv = z.object({
  /** Largest `plan` of a push or pull session, in bytes of its compact JSON. */
  WORKSPACE_PLAN_MAX_BYTES: bytes(64 * 1024 * 1024).default(1024 * 1024),
  /** Largest `preview` or `result` recorded on a pull session, in bytes of compact JSON. */
  WORKSPACE_APPLY_MAX_BYTES: bytes(64 * 1024 * 1024).default(1024 * 1024),
  /** Largest `metadata` object anywhere in the module (sessions, device capabilities). */
  WORKSPACE_METADATA_MAX_BYTES: bytes(16 * 1024 * 1024).default(16 * 1024),
  /** Longest plan, preview or result signature, in characters. */
  WORKSPACE_SIGNATURE_MAX_LENGTH: z.coerce.number().int().min(8).max(4096).default(256),
  /** A device that has not sent a heartbeat for this long is reported offline. */
  WORKSPACE_DEVICE_OFFLINE_AFTER_SECONDS: z.coerce.number().int().min(1).max(30 * 24 * 3600).default(120),
});

export type WorkspaceConfig = ReturnType<typeof toWorkspaceConfig>;

export function toWorkspaceConfig(env: z.infer<typeof workspaceEnv>) {
  return {
    planMaxBytes: env.WORKSPACE_PLAN_MAX_BYTES,
    applyMaxBytes: env.WORKSPACE_APPLY_MAX_BYTES,
    metadataMaxBytes: env.WORKSPACE_METADATA_MAX_BYTES,
    signatureMaxLength: env.WORKSPACE_SIGNATURE_MAX_LENGTH,
    deviceOfflineAfterMs: env.WORKSPACE_DEVICE_OFFLINE_AFTER_SECONDS * 1000,
  };
}
