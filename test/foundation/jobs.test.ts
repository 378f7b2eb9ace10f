import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { JobRunner } from '../../src/jobs/runner.js';
import { processRegistry } from '../../src/lib/metrics.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';

describe('job runner', () => {
  let database: TestDatabase;
  let runner: JobRunner;
  const seen: Array<{ value: number; retryCount: number }> = [];
  let failOnce = true;

  beforeAll(async () => {
    database = await createTestDatabase();
    runner = new JobRunner(database.url, pino({ level: 'silent' }));
    runner.define<{ value: number }>({
      name: 'test-double',
      pollingIntervalSeconds: 0.5,
      retryDelaySeconds: 1,
      handler: async (data, context) => {
        if (data.value === 7 && failOnce) {
          failOnce = false;
          throw new Error('transient failure');
        }
        seen.push({ value: data.value * 2, retryCount: context.retryCount });
      },
    });
    await runner.start();
  });
  afterAll(async () => {
    await runner?.stop();
    await database?.close();
  });

  async function waitFor(predicate: () => boolean, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for the job');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('processes an enqueued job', async () => {
    const id = await runner.enqueue('test-double', { value: 21 });
    expect(id).toBeTruthy();
    await waitFor(() => seen.some((s) => s.value === 42));
  });

  it('retries a job whose handler failed', async () => {
    await runner.enqueue('test-double', { value: 7 });
    await waitFor(() => seen.some((s) => s.value === 14));
    expect(seen.find((s) => s.value === 14)!.retryCount).toBe(1);
  });

  it('records how long each job ran, by queue and outcome (the GET /metrics job durations)', async () => {
    const text = await processRegistry.getSingleMetricAsString('specsync_job_duration_seconds');
    expect(text).toMatch(/^specsync_job_duration_seconds_count\{queue="test-double",outcome="completed"\} [1-9]\d*$/m);
    expect(text).toMatch(/^specsync_job_duration_seconds_count\{queue="test-double",outcome="failed"\} 1$/m);
  });

  it('refuses to define a queue after start', () => {
    expect(() => runner.define({ name: 'late', handler: async () => undefined })).toThrow(/after the runner started/);
  });
});

describe('job runner stop', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database?.close());

  it('waits for a running job no longer than stopTimeoutMs (the server passes SHUTDOWN_GRACE_MS), not a fixed 10 s', async () => {
    const runner = new JobRunner(database.url, pino({ level: 'silent' }), { stopTimeoutMs: 1_000 });
    let running = false;
    runner.define<object>({
      name: 'test-slow',
      pollingIntervalSeconds: 0.5,
      handler: async () => {
        running = true;
        await new Promise((resolve) => setTimeout(resolve, 30_000).unref());
      },
    });
    await runner.start();
    await runner.enqueue('test-slow', {});
    const deadline = Date.now() + 20_000;
    while (!running && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(running).toBe(true);
    const started = Date.now();
    await runner.stop();
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(900);
    expect(took).toBeLessThan(8_000); // the fixed stop it replaces waited 10 s
  }, 60_000);
});
