import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge, Registry } from 'prom-client';
import { httpDuration, httpRequests, processRegistry, pushBytes } from '../lib/metrics.js';
import { useErrorHandler } from '../http/error-handler.js';

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

/** Gauges read from the database at each scrape: the pool, the job queues, git operations. */
function databaseGauges(app: FastifyInstance): Registry {
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
  // One read per scrape for the three gauges below (prom-client collects metrics concurrently: each
  // one's collect awaits the same read); a database that does not answer leaves them empty.
  let reading: Promise<void> | null = null;
  const readOnce = (): Promise<void> => (reading ??= readQueuesAndOperations().finally(() => (reading = null)));
  const readQueuesAndOperations = async (): Promise<void> => {
    queueJobs.reset();
    queueAge.reset();
    gitOperations.reset();
    const queues = await app.db.pool
      .query<{ queue: string; state: string; jobs: number; oldest: number }>(
        `SELECT name AS queue, state::text AS state, count(*)::int AS jobs,
                coalesce(extract(epoch FROM now() - min(created_on)), 0)::float8 AS oldest
           FROM pgboss.job WHERE state IN ('created', 'retry', 'active') GROUP BY name, state`,
      )
      .then((r) => r.rows, () => []); // no pgboss schema before the first job runner started
    for (const row of queues) {
      queueJobs.set({ queue: row.queue, state: row.state }, row.jobs);
      queueAge.set({ queue: row.queue, state: row.state }, row.oldest);
    }
    const operations = await app.db.pool
      .query<{ kind: string; status: string; n: number }>(`SELECT kind::text, status::text, count(*)::int AS n FROM git_operations GROUP BY 1, 2`)
      .then((r) => r.rows, () => []);
    for (const row of operations) gitOperations.set({ kind: row.kind, status: row.status }, row.n);
  };
  const queueJobs: Gauge<'queue' | 'state'> = new Gauge({
    name: 'specsync_job_queue_jobs',
    help: 'Jobs in the shared queues (all instances), by queue and state: created and retry wait, active run',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    collect: readOnce,
  });
  const queueAge = new Gauge({
    name: 'specsync_job_queue_oldest_seconds',
    help: 'Age of the oldest job in each queue and state (all instances)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    collect: readOnce,
  });
  const gitOperations = new Gauge({
    name: 'specsync_git_operations',
    help: 'Git operations recorded in the database (all instances), by kind and status',
    labelNames: ['kind', 'status'] as const,
    registers: [registry],
    collect: readOnce,
  });
  return registry;
}

export default fp(
  async function metricsPlugin(app: FastifyInstance) {
    const token = app.config.metrics.token;
    if (!token) return;
    const expected = digest(token);
    const fromDatabase = databaseGauges(app);

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
