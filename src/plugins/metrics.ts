import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, Registry } from 'prom-client';
import { httpDuration, httpRequests, processRegistry, pushBytes } from '../lib/metrics.js';
import { useErrorHandler } from '../http/error-handler.js';
import type { RawSql } from '../db/handles.js';
import { queueStats, type QueueStat } from '../jobs/runner.js';

// GET /metrics in the Prometheus text format, only when METRICS_TOKEN is set, and then only with
// that bearer token. Not in the OpenAPI document: it is an operator's endpoint, not an API.

const ACAI_PUSH_ROUTE = '/api/v1/push';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant time whatever the length: both sides are compared as SHA-256 digests. */
function bearerMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

/** One value of a gauge: its labels and the figure. */
export interface GaugeSample {
  labels: Record<string, string>;
  value: number;
}

/**
 * A gauge read from the shared database at each scrape (all instances). Modules hand theirs to the
 * plugin through its options (app.ts wires them): plugins import no module.
 */
export interface DatabaseGauge {
  name: string;
  help: string;
  labelNames: readonly string[];
  read(sql: RawSql): Promise<GaugeSample[]>;
}

export interface MetricsOptions {
  databaseGauges?: readonly DatabaseGauge[];
}

/** One read per scrape for the gauges that share it (prom-client collects metrics concurrently). */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let reading: Promise<T> | null = null;
  return () => (reading ??= read().finally(() => (reading = null)));
}

function addDatabaseGauge(registry: Registry, sql: RawSql, gauge: DatabaseGauge): void {
  new Gauge({
    name: gauge.name,
    help: gauge.help,
    labelNames: gauge.labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      // A database that does not answer leaves the gauge empty.
      for (const sample of await gauge.read(sql).catch(() => [])) this.set(sample.labels, sample.value);
    },
  });
}

/** Gauges read from the database at each scrape: the pool, the job queues, and the modules' own. */
function databaseGauges(app: FastifyInstance, moduleGauges: readonly DatabaseGauge[]): Registry {
  const registry = new Registry();
  new Gauge({
    name: 'specsync_db_pool_connections',
    help: 'Connections of the request pool of this process: total open, idle, and requests waiting for one',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const { pool } = app.db;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'specsync_db_pool_max',
    help: 'Size of the request pool of this process (DB_POOL_SIZE less the job runner share)',
    registers: [registry],
    collect() {
      this.set(app.config.database.poolSize);
    },
  });
  // No pgboss schema before the first job runner started: no queue figures then.
  const queues = oncePerScrape(() => queueStats(app.db.sql).catch((): QueueStat[] => []));
  const byQueue = (row: QueueStat) => ({ queue: row.queue, state: row.state });
  const gauges: DatabaseGauge[] = [
    {
      name: 'specsync_job_queue_jobs',
      help: 'Jobs in the shared queues (all instances), by queue and state: created and retry wait, active run',
      labelNames: ['queue', 'state'],
      read: async () => (await queues()).map((row) => ({ labels: byQueue(row), value: row.jobs })),
    },
    {
      name: 'specsync_job_queue_oldest_seconds',
      help: 'Age of the oldest job in each queue and state (all instances)',
      labelNames: ['queue', 'state'],
      read: async () => (await queues()).map((row) => ({ labels: byQueue(row), value: row.oldest })),
    },
    ...moduleGauges,
  ];
  for (const gauge of gauges) addDatabaseGauge(registry, app.db.sql, gauge);
  return registry;
}

export default fp(
  async function metricsPlugin(app: FastifyInstance, options: MetricsOptions) {
    const token = app.config.metrics.token;
    if (!token) return;
    const expected = digest(token);
    const fromDatabase = databaseGauges(app, options.databaseGauges ?? []);

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      const labels = { method: request.method, route, status: String(reply.statusCode) };
      httpRequests.inc(labels);
      httpDuration.observe(labels, reply.elapsedTime / 1000);
      if (route === ACAI_PUSH_ROUTE && request.method === 'POST') {
        const bytes = Number(request.headers['content-length']);
        if (Number.isFinite(bytes)) pushBytes.observe({ status: String(reply.statusCode) }, bytes);
      }
    });

    // In a context of its own: its 401 and 429 render in the /api dialect, with Retry-After (the root has no error handler).
    await app.register(async function metricsRoute(scope) {
      useErrorHandler(scope, 'platform');
      scope.get('/metrics', { schema: { hide: true }, logLevel: 'warn' }, async (request, reply) => {
        if (!bearerMatches(request.headers.authorization, expected)) {
          // A guess at METRICS_TOKEN (an operator's choice, maybe weaker than an API token) is a failed
          // authentication like any other: counted per client address, a 429 beyond AUTH_FAILURES_PER_MINUTE.
          await app.countAuthFailure(request);
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer')
            .send({ error: { code: 'unauthorized', message: 'GET /metrics needs the METRICS_TOKEN bearer token', details: [] } });
        }
        const registry = Registry.merge([processRegistry, fromDatabase]);
        return reply.type(registry.contentType).send(await registry.metrics());
      });
    });
  },
  { name: 'metrics', dependencies: ['db', 'auth'] },
);
