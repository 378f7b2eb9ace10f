import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { TestApp } from '../../helpers/app.js';

// Shared by the git-integration operation tests: the app's env for real local
// remotes, and small request helpers.

export const CREDENTIALS_KEY = randomBytes(32).toString('base64');

export function gitTestEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    GIT_ALLOWED_PROTOCOLS: 'https,ssh,http,file',
    GIT_ALLOW_PRIVATE_HOSTS: 'true',
    DATA_DIR: mkdtempSync(join(tmpdir(), 'git-int-data-')),
    GIT_CREDENTIALS_KEY: CREDENTIALS_KEY,
    GIT_NETWORK_TIMEOUT_MS: '15000',
    // Background refreshes only where a test asks for them: they fetch, and other tests count fetches.
    GIT_REMOTE_REFRESH_SECONDS: '86400',
    ...extra,
  };
}

/** An operation as GET /operations/{id} returns it; `result` is loosely typed for assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test assertions walk arbitrary result JSON
export type Operation = { id: string; status: string; error: string | null; attempts: number; result: any };

const TERMINAL = ['succeeded', 'failed', 'conflict'];

/** Polls an operation until it is finished. */
export async function waitForOperation(t: TestApp, auth: string, id: string, timeoutMs = 25_000): Promise<Operation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.http().get(`/api/git-integration/operations/${id}`).set('authorization', auth);
    expect(res.status).toBe(200);
    if (TERMINAL.includes(res.body.data.status)) return res.body.data;
    if (Date.now() > deadline) throw new Error(`operation ${id} still ${res.body.data.status}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
