import pg from 'pg';
import type { Logger } from 'pino';
import type { TokenCache } from '../lib/auth/tokens.js';
import type { Sql } from './handles.js';

// Every server keeps successful token lookups for TOKEN_CACHE_TTL_MS. A revocation anywhere is
// sent on a PostgreSQL channel (notifyTokenRevoked, below); this listener, on a dedicated connection of
// its own (LISTEN needs a session that is not pooled), drops the token from this process's cache at
// once. When the connection breaks it reconnects with backoff, and empties the cache on every
// (re)connect: notifications sent while it was away are lost, and the cache must not outlive them.

/** The PostgreSQL channel on which a revocation tells every server's token cache. */
const TOKEN_REVOKED_CHANNEL = 'api_token_revoked';

/**
 * Tells every server sharing the database that token `id` is revoked, so their caches drop it now
 * instead of after TOKEN_CACHE_TTL_MS. Call it after the revocation has committed.
 */
export async function notifyTokenRevoked(sql: Sql, id: string): Promise<void> {
  await sql.$executeRaw`SELECT pg_notify(${TOKEN_REVOKED_CHANNEL}, ${id})`;
}

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export class TokenRevocationListener {
  private client: pg.Client | null = null;
  private stopped = false;
  private retryMs = RECONNECT_MIN_MS;
  private timer: NodeJS.Timeout | null = null;
  /** Resolves when the first LISTEN is in place (or failed: start() never throws). */
  private firstAttempt: Promise<void> | null = null;

  constructor(
    private readonly connectionString: string,
    private readonly cache: TokenCache,
    private readonly log: Logger,
  ) {}

  start(): Promise<void> {
    this.firstAttempt ??= this.connect();
    return this.firstAttempt;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ connectionString: this.connectionString, application_name: 'token-revocations' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === TOKEN_REVOKED_CHANNEL && message.payload) this.cache.forgetToken(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${TOKEN_REVOKED_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.retryMs = RECONNECT_MIN_MS;
    this.cache.clear();
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (client !== this.client && this.client !== null) return; // an old connection's late event
    this.client = null;
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    if (this.stopped || this.timer) return;
    // Until it is back, revocations from other processes are not heard: serve no cached lookup.
    this.cache.clear();
    this.log.warn({ err: error, retryInMs: this.retryMs }, 'token revocation listener disconnected; reconnecting');
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, this.retryMs);
    this.timer.unref();
    this.retryMs = Math.min(this.retryMs * 2, RECONNECT_MAX_MS);
  }

  /** Whether a LISTEN connection is in place now (tests, readiness of the cache). */
  get listening(): boolean {
    return this.client !== null;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    if (client) {
      client.removeAllListeners('end');
      client.on('error', () => undefined);
      await client.end().catch(() => undefined);
    }
  }
}
