import { randomUUID } from 'node:crypto';
import net from 'node:net';

/** The Redis server the shared rate-limit tests use (the README's prerequisites). */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379';

/** Why no Redis answers at `url`, or null when one answers PING within a second. */
export async function redisUnavailable(url = TEST_REDIS_URL): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port || 6379) });
    const done = (reason: string | null) => {
      socket.destroy();
      resolve(reason);
    };
    socket.setTimeout(1000, () => done(`no answer from ${hostname}:${port} within 1 s`));
    socket.on('error', (error) => done(`${hostname}:${port}: ${error.message}`));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => done(data.toString().startsWith('+PONG') ? null : `unexpected answer to PING: ${data.toString().trim()}`));
  });
}

/** A key prefix of one's own: test files running side by side on one Redis never share a counter. */
export function uniqueRedisPrefix(): string {
  return `spec-sync-test:${randomUUID()}:`;
}
