import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { GIT_OPERATIONS_QUEUE } from '../../src/modules/git-integration/operations/queue.js';

const METRICS_TOKEN = 'metrics-token-for-tests-0123456789';

describe('GET /metrics', () => {
  describe('without METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp();
    });
    afterAll(async () => t?.close());

    it('does not exist', async () => {
      expect((await t.http().get('/metrics')).status).toBe(404);
      expect((await t.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(404);
    });
  });

  describe('with METRICS_TOKEN', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { METRICS_TOKEN }, jobs: true });
    });
    afterAll(async () => t?.close());

    const scrape = () => t.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`);

    it('needs that bearer token: 401 without it, with another one, or with an API token', async () => {
      const apiToken = await t.token({ team: 'metrics', user: 'ops' });
      for (const authorization of [undefined, `Bearer ${METRICS_TOKEN}x`, `Bearer ${METRICS_TOKEN.slice(0, -1)}`, `Bearer ${apiToken}`, METRICS_TOKEN]) {
        const request = t.http().get('/metrics');
        const res = await (authorization ? request.set('authorization', authorization) : request);
        expect(res.status, authorization).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.text).not.toContain('specsync_');
      }
    });

    it('counts wrong tokens as failed authentications of the address: 429 with Retry-After beyond AUTH_FAILURES_PER_MINUTE, the right one still answers', async () => {
      const limited = await createTestApp({ env: { METRICS_TOKEN, RATE_LIMITS: 'on', AUTH_FAILURES_PER_MINUTE: '3' }, database: t.database });
      try {
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await limited.http().get('/metrics').set('authorization', `Bearer guess-${i}-${METRICS_TOKEN}`)).status);
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
        const refused = await limited.http().get('/metrics').set('authorization', 'Bearer another-guess-000000');
        expect(refused.status).toBe(429);
        expect(refused.body.error.code).toBe('rate_limited');
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        expect(refused.text).not.toContain('specsync_');
        expect((await limited.http().get('/metrics').set('authorization', `Bearer ${METRICS_TOKEN}`)).status).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('counts requests and their durations by route template and status', async () => {
      const apiToken = await t.token({ team: 'metrics', user: 'counted' });
      for (let i = 0; i < 3; i++) expect((await t.http().get('/_health')).status).toBe(200);
      await t.http().get('/api/pipelines/does-not-exist').set('authorization', `Bearer ${apiToken}`);
      const res = await scrape();
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const health = /^specsync_http_requests_total\{method="GET",route="\/_health",status="200"\} (\d+)$/m.exec(res.text);
      expect(Number(health?.[1])).toBeGreaterThanOrEqual(3);
      expect(res.text).toMatch(/^specsync_http_requests_total\{method="GET",route="\/api\/pipelines\/:id",status="404"\} \d+$/m);
      expect(res.text).toMatch(/^specsync_http_request_duration_seconds_count\{method="GET",route="\/_health",status="200"\} \d+$/m);
    });

    it('reports acai push sizes, the request pool, job queues by depth and age, git operations and job durations', async () => {
      const apiToken = await t.token({ team: 'metrics', user: 'pusher' });
      const push = await t.http().post('/api/v1/push').set('authorization', `Bearer ${apiToken}`).send({ not: 'a push' });
      expect(push.status).toBe(422);
      // A job far in the future waits in the queue for the whole test.
      await t.jobs!.enqueue(GIT_OPERATIONS_QUEUE, { operationId: 'none' }, { startAfterSeconds: 3600, singletonKey: 'metrics-test' });
      await new Promise((resolve) => setTimeout(resolve, 1100));

      const text = (await scrape()).text;
      expect(text).toMatch(/^specsync_acai_push_bytes_count\{status="422"\} [1-9]\d*$/m);
      expect(text).toMatch(/^specsync_db_pool_connections\{state="total"\} \d+$/m);
      expect(text).toMatch(/^specsync_db_pool_connections\{state="waiting"\} 0$/m);
      expect(text).toMatch(new RegExp(`^specsync_db_pool_max ${t.config.database.poolSize}$`, 'm'));
      expect(text).toMatch(new RegExp(`^specsync_job_queue_jobs\\{queue="${GIT_OPERATIONS_QUEUE}",state="created"\\} 1$`, 'm'));
      const age = new RegExp(`^specsync_job_queue_oldest_seconds\\{queue="${GIT_OPERATIONS_QUEUE}",state="created"\\} ([\\d.e+-]+)$`, 'm').exec(text);
      expect(Number(age?.[1])).toBeGreaterThanOrEqual(1);
      expect(text).toContain('# TYPE specsync_git_operations gauge');
      expect(text).toContain('# TYPE specsync_job_duration_seconds histogram');
      expect(text).toContain('# TYPE process_cpu_seconds_total counter');
    });
  });
});
