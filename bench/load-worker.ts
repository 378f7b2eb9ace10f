// Runs one autocannon load in its own process (so the load generator never shares a
// CPU event loop with the server or the orchestrator) and prints its result as JSON.
// Input: one JSON argument (LoadSpec). A body containing __SHA__ gets a fresh
// 40-hex value per request, so repeated pushes are real (non-identical) pushes, and
// __N__ a number below `spread` (one of several branches, say).
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  durationSeconds: number;
  spread?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const varies = /__SHA__|__N__/.test(spec.body ?? '');
const vary = (body: string) =>
  body.replaceAll('__SHA__', () => randomBytes(20).toString('hex')).replaceAll('__N__', () => String(Math.floor(Math.random() * (spec.spread ?? 1))));

const result = await autocannon({
  url: spec.url,
  connections: spec.connections,
  duration: spec.durationSeconds,
  requests: [
    {
      method: spec.method,
      headers: spec.headers,
      ...(spec.body === undefined ? {} : { body: spec.body }),
      ...(varies ? { setupRequest: (req: { body?: string }) => ({ ...req, body: vary(spec.body!) }) } : {}),
    },
  ],
});

const statuses: Record<string, number> = {};
for (const [k, v] of Object.entries(result as unknown as Record<string, unknown>)) {
  if (/^\d xx$/.test(k)) statuses[k] = v as number;
}
process.stdout.write(
  JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statuses,
    seconds: result.duration,
  }),
);
