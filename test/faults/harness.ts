import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { createToken } from '../../src/db/tokens.js';
import { syntheticPushBody } from '../../scripts/lib/acai-push-body.js';
import { privatePostgresUnavailable } from '../helpers/private-postgres.js';

// Shared by the fault-injection tests: they run the server as a real process
// (so it can be SIGKILLed) against a PostgreSQL server of their own (so it can be
// stopped and restarted without disturbing the other test files).

const unavailable = privatePostgresUnavailable();
if (unavailable) console.warn(`fault-injection tests skipped: ${unavailable}`);
/** `describe.skipIf(faultTestsUnavailable)`: the tests need the PostgreSQL server binaries. */
export const faultTestsUnavailable = unavailable !== null;

/** The env of a server process in a fault test. */
export function faultServerEnv(databaseUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'fault-data-')),
    RATE_LIMITS: 'off',
    LOG_LEVEL: 'warn',
    GIT_ALLOWED_PROTOCOLS: 'https,ssh,http,file',
    GIT_ALLOW_PRIVATE_HOSTS: 'true',
    GIT_CREDENTIALS_KEY: randomBytes(32).toString('base64'),
    ...extra,
  };
}

/** Creates a token for a new team directly in the (already migrated) database. */
export async function mintToken(databaseUrl: string, team: string): Promise<string> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, DB_POOL_SIZE: '1', JOBS: 'false', DATA_DIR: tmpdir() });
  const db = await openDatabase(config, { logger: pino({ level: 'silent' }), migrate: false });
  try {
    return `Bearer ${(await createToken(db.prisma, { team, user: 'fault' })).token}`;
  } finally {
    await db.close();
  }
}

export interface CallResult {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are checked loosely per dialect
  body: any;
  ms: number;
}

/** One request; a network failure (no response at all) is status 0. */
export async function call(baseUrl: string, auth: string, method: string, path: string, body?: unknown): Promise<CallResult> {
  const started = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: kept as text, and the dialect check will fail on it
    }
    return { status: res.status, body: parsed, ms: Date.now() - started };
  } catch {
    return { status: 0, body: null, ms: Date.now() - started };
  }
}

/** An acai push of `specs` features with `requirements` each and `refs` references spread over them. */
export const acaiPushBody = (opts: { repo: string; branch: string; specs: number; requirements: number; refs: number }) =>
  syntheticPushBody({ ...opts, product: 'faults' });

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` returns true or the deadline passes; returns whether it did. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return true;
    await sleep(intervalMs);
  }
  return false;
}
