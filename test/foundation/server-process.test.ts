import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.js';

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the server to receive the request');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the server process', () => {
  let database: TestDatabase;
  let server: ServerProcess;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startServerProcess({ DATABASE_URL: database.url, SHUTDOWN_GRACE_MS: '10000' });
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    await database?.close();
  });

  it('serves health, readiness, the OpenAPI document and the docs page', async () => {
    expect((await fetch(`${server.baseUrl}/_health`)).status).toBe(200);
    expect(await (await fetch(`${server.baseUrl}/_ready`)).json()).toEqual({ status: 'ready', database: 'up' });
    const doc = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as { openapi: string; paths: object };
    expect(doc.openapi).toMatch(/^3\./);
    const acaiDoc = (await (await fetch(`${server.baseUrl}/api/v1/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(acaiDoc.paths)).toEqual(Object.keys(doc.paths));
    const docs = await fetch(`${server.baseUrl}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it('on SIGTERM finishes the request in flight, then exits 0', async () => {
    // A request whose body is still arriving when the signal comes.
    const body = JSON.stringify({ name: 'slow' });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const request = http.request(
        `${server.baseUrl}/api/pipelines`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      request.on('error', reject);
      request.write(body.slice(0, 5));
      // Signal only once the server has routed the request: a request that arrives after the signal is
      // refused with a 503 by design, and on a loaded machine 300 ms is not always enough to get there.
      void waitFor(() => /"url":"\/api\/pipelines"/.test(server.output()), 30_000).then(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => request.end(body.slice(5)), 500);
      }, reject);
    });
    const result = await response;
    expect(result.status).toBe(401); // answered in full (no token), not cut off
    expect(JSON.parse(result.text).error.code).toBe('unauthorized');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/shutting down/);
    // new connections are refused once it is gone
    await expect(fetch(`${server.baseUrl}/_health`)).rejects.toThrow();
  });
});
