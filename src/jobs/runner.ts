import { PgBoss, type QueuePolicy, type Db as IDatabase } from 'pg-boss';
import type { Logger } from 'pino';
import { jobDuration } from '../lib/metrics.js';
import type { RawSql } from '../db/handles.js';

// A small typed layer over pg-boss: modules define their queues and handlers,
// the server starts and stops the runner. Jobs live in Postgres (schema `pgboss`),
// so every server instance sharing a database shares the work safely.

export interface JobContext {
  jobId: string;
  /** 0 on the first attempt. */
  retryCount: number;
  log: Logger;
  signal: AbortSignal;
}

export interface QueueDefinition<T extends object> {
  name: string;
  handler(data: T, context: JobContext): Promise<void>;
  /** `key_strict_fifo` gives one-at-a-time, in-order processing per `singletonKey`. */
  policy?: QueuePolicy;
  retryLimit?: number;
  retryDelaySeconds?: number;
  expireInSeconds?: number;
  /**
   * Workers refresh a heartbeat this often (halved); a job whose heartbeat stops
   * (its process died) is retried at the next monitor pass instead of waiting out
   * `expireInSeconds`. At least 10.
   */
  heartbeatSeconds?: number;
  /** Parallel workers in this process. */
  concurrency?: number;
  pollingIntervalSeconds?: number;
}

export interface EnqueueOptions {
  singletonKey?: string;
  /** Higher runs first among jobs ready to run (pg-boss orders by priority, then creation). */
  priority?: number;
  startAfterSeconds?: number;
  /** Run the insert on this executor, e.g. the caller's transaction, so the job commits with it. */
  db?: IDatabase;
}

export interface JobRunnerOptions {
  /** Connections of the runner's own pool. */
  max?: number;
  /** How often expired jobs and missed heartbeats are looked for (pg-boss supervise/monitor passes). */
  monitorIntervalSeconds?: number;
  /** How long `stop()` waits for running jobs (the server passes SHUTDOWN_GRACE_MS). */
  stopTimeoutMs?: number;
}

/** Jobs of one queue in one state, all instances: how many, and the age of the oldest in seconds. */
export interface QueueStat {
  queue: string;
  state: string;
  jobs: number;
  oldest: number;
}

/**
 * The jobs waiting (`created`, `retry`) and running (`active`) in every queue, read from pg-boss's
 * table (shared by every instance; the metrics' queue gauges). Runs without a runner in this
 * process (JOBS=false); rejects while no runner has ever created the pgboss schema.
 */
export async function queueStats(sql: RawSql): Promise<QueueStat[]> {
  return sql.$queryRaw<QueueStat[]>`
    SELECT name AS queue, state::text AS state, count(*)::int AS jobs,
           coalesce(extract(epoch FROM now() - min(created_on)), 0)::float8 AS oldest
      FROM pgboss.job WHERE state IN ('created', 'retry', 'active') GROUP BY name, state`;
}

// pg-boss's LISTEN/NOTIFY listener (`useListenNotify`) is left off: when its connection is
// terminated it drops its error handler before the socket's last error arrives, and that
// unhandled 'error' event ends the process (see test/faults/database-restart.test.ts). Jobs
// created by this process wake its workers at once (`wake`); other instances poll every second.

export class JobRunner {
  private readonly boss: PgBoss;
  private readonly definitions = new Map<string, QueueDefinition<object>>();
  private readonly workerIds = new Map<string, string>();
  private started = false;
  private readonly stopTimeoutMs: number;

  constructor(
    connectionString: string,
    private readonly logger: Logger,
    options: JobRunnerOptions = {},
  ) {
    const monitorSeconds = options.monitorIntervalSeconds ?? 60;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
    this.boss = new PgBoss({
      connectionString,
      max: options.max ?? 4,
      application_name: 'jobs',
      monitorIntervalSeconds: monitorSeconds,
      superviseIntervalSeconds: monitorSeconds,
    });
    this.boss.on('error', (error) => this.logger.warn({ err: error }, 'job runner error'));
  }

  define<T extends object>(definition: QueueDefinition<T>): void {
    if (this.started) throw new Error(`queue ${definition.name} defined after the runner started`);
    this.definitions.set(definition.name, definition as unknown as QueueDefinition<object>);
  }

  async start(): Promise<void> {
    await this.boss.start();
    for (const definition of this.definitions.values()) {
      const settings = {
        retryLimit: definition.retryLimit ?? 2,
        retryDelay: definition.retryDelaySeconds ?? 5,
        expireInSeconds: definition.expireInSeconds ?? 15 * 60,
        heartbeatSeconds: definition.heartbeatSeconds ?? null,
      };
      if (await this.boss.getQueue(definition.name)) {
        // An existing queue keeps the settings it was created with unless told: apply today's config.
        await this.boss.updateQueue(definition.name, settings);
      } else {
        const { heartbeatSeconds, ...rest } = settings;
        await this.boss.createQueue(definition.name, { ...rest, policy: definition.policy ?? 'standard', ...(heartbeatSeconds ? { heartbeatSeconds } : {}) });
      }
      const workerId = await this.boss.work<object>(
        definition.name,
        {
          localConcurrency: definition.concurrency ?? 1,
          pollingIntervalSeconds: definition.pollingIntervalSeconds ?? 1,
          batchSize: 1,
        },
        async (jobs) => {
          for (const job of jobs) {
            const log = this.logger.child({ queue: definition.name, jobId: job.id, retryCount: job.retryCount });
            log.debug('job started');
            const timer = jobDuration.startTimer({ queue: definition.name });
            try {
              await definition.handler(job.data, { jobId: job.id, retryCount: job.retryCount, log, signal: job.signal });
              timer({ outcome: 'completed' });
            } catch (error) {
              timer({ outcome: 'failed' });
              throw error;
            }
            log.debug('job finished');
          }
        },
      );
      this.workerIds.set(definition.name, workerId);
    }
    this.started = true;
  }

  async enqueue<T extends object>(queue: string, data: T, options: EnqueueOptions = {}): Promise<string | null> {
    return this.boss.send(queue, data, {
      singletonKey: options.singletonKey,
      // pg-boss refuses a `priority` key that is present but undefined.
      ...(options.priority !== undefined ? { priority: options.priority } : {}),
      startAfter: options.startAfterSeconds,
      db: options.db,
    });
  }

  /**
   * Makes this process's worker on `queue` fetch now instead of at its next poll. Call it
   * after the transaction that enqueued a job has committed.
   */
  wake(queue: string): void {
    const workerId = this.workerIds.get(queue);
    if (workerId) this.boss.notifyWorker(workerId);
  }

  async stop(): Promise<void> {
    if (!this.started) {
      await this.boss.stop({ graceful: false }).catch(() => undefined);
      return;
    }
    this.started = false;
    await this.boss.stop({ graceful: true, timeout: this.stopTimeoutMs });
  }
}
