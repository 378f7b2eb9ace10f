import { Redis } from 'ioredis';
import type { FastifyBaseLogger } from 'fastify';

/** How long a start waits for Redis, and how long one counter update may take, before a request passes unlimited. */
const TIMEOUT_MS = 1000;

export interface RateLimitRedis {
  client: Redis;
  /** Connects, waiting at most TIMEOUT_MS; never throws (the server starts without Redis and keeps trying). */
  connect(): Promise<void>;
  /** A counter update succeeded: logs the end of an outage. */
  succeeded(): void;
  /** A counter update failed (the request passed unlimited): logs the start of an outage; a silent connection is replaced. */
  failed(error: unknown): void;
  close(): Promise<void>;
}

/**
 * The Redis client of the shared rate-limit counters, set up to fail fast rather than queue: while
 * disconnected a command fails at once (no offline queue, no retries) and the limit is skipped for
 * that request; a Redis that stops answering costs a request at most TIMEOUT_MS, after which the
 * connection is dropped and made again (a timed-out command says nothing about the next one, and a
 * half-open TCP connection would otherwise never recover). It reconnects in the background, at
 * most every 2 s. Outages are logged when they begin and end, judged by the counter updates
 * themselves, not on every reconnection attempt. The URL (it may hold a password) is never logged.
 */
export function connectRateLimitRedis(url: string, log: FastifyBaseLogger): RateLimitRedis {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Ready as soon as connected: a server that accepts connections but never answers is then found
    // out by the command timeout below, instead of holding the client in a ready check forever.
    enableReadyCheck: false,
    connectTimeout: TIMEOUT_MS,
    commandTimeout: TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
  });
  // The connection's own errors say why Redis is out (ECONNREFUSED, WRONGPASS, ENOTFOUND); the
  // last one is logged with the outage. Only its code and message: ioredis attaches the failed
  // command to the error, and an AUTH or HELLO command carries the password.
  let lastConnectionError: { code?: string; message: string } | null = null;
  client.on('error', (error: Error & { code?: string }) => {
    lastConnectionError = { code: error.code, message: error.message };
  });
  client.on('ready', () => (lastConnectionError = null));
  let up = true;

  function failed(error: unknown): void {
    if (error instanceof Error && error.message === 'Command timed out' && client.status === 'ready') client.disconnect(true);
    if (!up) return;
    up = false;
    const reason = error instanceof Error ? error.message : String(error);
    log.warn({ reason, connectionError: lastConnectionError }, 'rate-limit Redis unreachable: requests pass without rate limits until it answers');
  }

  return {
    client,
    async connect() {
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, TIMEOUT_MS).unref());
      await Promise.race([client.connect().catch(failed), timeout]);
    },
    succeeded() {
      if (up) return;
      up = true;
      log.info('rate-limit Redis answers again: limits are shared again');
    },
    failed,
    async close() {
      // disconnect, not quit: it cannot wait on a Redis that stopped answering.
      client.disconnect();
    },
  };
}
