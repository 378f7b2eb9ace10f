import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

// Metrics of the process as a whole (Node's own, and the job runner's, which exists without an HTTP
// app). The HTTP app adds its own registry (src/plugins/metrics.ts) and serves both at GET /metrics.

export const processRegistry = new Registry();
collectDefaultMetrics({ register: processRegistry });

/** Seconds from a worker taking a job to its handler returning (`completed`) or throwing (`failed`). */
export const jobDuration = new Histogram({
  name: 'specsync_job_duration_seconds',
  help: 'Background jobs run by this process (git push and pull operations run on the git-operations queue), by queue and outcome',
  labelNames: ['queue', 'outcome'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900],
  registers: [processRegistry],
});

/** Bytes of each acai push body received (`POST /api/v1/push`), answered or refused. */
export const pushBytes = new Histogram({
  name: 'specsync_acai_push_bytes',
  help: 'Body size of acai pushes received, by status',
  labelNames: ['status'] as const,
  buckets: [1_000, 10_000, 100_000, 1_000_000, 5_000_000, 10_000_000, 33_554_432],
  registers: [processRegistry],
});

/** Requests answered, by route template, method and status. */
export const httpRequests = new Counter({
  name: 'specsync_http_requests_total',
  help: 'HTTP requests answered, by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [processRegistry],
});

export const httpDuration = new Histogram({
  name: 'specsync_http_request_duration_seconds',
  help: 'Time from receiving a request to its response being sent, by method, route template and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [processRegistry],
});
