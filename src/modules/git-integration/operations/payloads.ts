import { z } from 'zod';
import { pullBody, pushBody } from './schemas.js';

// What a push or pull job reads back from git_operations.request: the route's own body
// schema (defaults already applied when it was stored), the branch resolved at submission,
// and a payload version so the stored format can change while older rows still wait in the
// queue. Rows stored before the version existed are version 1.

const PAYLOAD_VERSION = 1;

const stored = {
  // Resolved from the saved default branch when the request had none; checked when that was saved.
  branch: z.string().min(1),
  payload_version: z.literal(PAYLOAD_VERSION).default(PAYLOAD_VERSION),
};

export const pushPayload = pushBody.extend(stored);
export const pullPayload = pullBody.extend(stored);

export type PushPayload = z.infer<typeof pushPayload>;
export type PullPayload = z.infer<typeof pullPayload>;
export type OperationRequest = z.infer<typeof pushBody> | z.infer<typeof pullBody>;

/** The stored form of a validated request body. */
export function toStoredPayload<T extends object>(body: T, branch: string): T & { branch: string; payload_version: number } {
  return { ...body, branch, payload_version: PAYLOAD_VERSION };
}

/** The request as GET /operations shows it: what the client sent, with the branch resolved (the version is internal). */
export function publicRequest(stored: Record<string, unknown>): Record<string, unknown> {
  const { payload_version: _version, ...request } = stored;
  return request;
}
