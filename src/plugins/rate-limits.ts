import fp from 'fastify-plugin';
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { rateLimited } from '../lib/errors.js';
import { connectRateLimitRedis } from '../lib/rate-limit-redis.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * A limit of `max` hits per key per minute. The returned function counts one hit for the
     * request and throws the 429 (rendered in the caller's dialect, with Retry-After) once the key
     * is over `max`. Callers decide what a hit is: every request of a token, or only a failure.
     * `name` keeps limits apart that share a key (a token id, an address).
     */
    perMinuteLimit(name: string, max: number, keyOf: (request: FastifyRequest) => string): (request: FastifyRequest) => Promise<void>;
  }
}

const WINDOW_MS = 60_000;
/**
 * Keys the in-process store keeps (an LRU; the plugin's default is 5,000). Past it the least recently
 * hit counter is forgotten, so a client cycling through many addresses could push a victim's failures
 * out: a few MB of memory buys a cap no realistic minute of traffic reaches.
 */
const IN_PROCESS_KEYS = 100_000;

/**
 * The key of a per-address limit: the client's address in one form per client. An IPv6 client
 * holds at least a /64 and can send every request from a new address in it, so the /64 is the
 * client; an IPv4-mapped address (a dual-stack HOST=::) is its IPv4 address, as an instance
 * listening on IPv4 sees it; one spelling of each (what X-Forwarded-For carries varies). It is
 * the plugin's own default key, which our keyGenerator would otherwise replace.
 */
export function clientAddressKey(request: FastifyRequest): string {
  return normalizeIP(request.ip);
}

/**
 * Rate limits through @fastify/rate-limit's counters: in this process's memory, or in Redis when
 * REDIS_URL is set, so that every instance counts against one limit. Its route hooks are not used
 * (`global: false`): every limit here is keyed by something known only after authentication or a
 * signature check, and some count only failures, so callers hit a limiter made with
 * `createRateLimit` at the point they know the key, and the 429 is our AppError like any other.
 *
 * Redis unreachable: the request passes unlimited (fail open) and the outage's start and end are
 * logged; a limit exists to stop runaway clients, and a Redis outage must not become an outage of
 * the API. The client fails commands at once while disconnected and gives up on a silent Redis
 * after a second (rate-limit-redis.ts), so no request waits longer than that on it.
 */
export default fp(
  async function rateLimitsPlugin(app: FastifyInstance) {
    const { rateLimits } = app.config;
    const redis = rateLimits.enabled && rateLimits.redis ? connectRateLimitRedis(rateLimits.redis.url, app.log) : null;
    await app.register(fastifyRateLimit, {
      global: false,
      timeWindow: WINDOW_MS,
      // Errors of the store reach us, to be logged (RateLimitRedis.failed) before the request passes.
      skipOnError: false,
      ...(redis ? { redis: redis.client, nameSpace: `${rateLimits.redis!.keyPrefix}rate-limit:` } : { cache: IN_PROCESS_KEYS }),
    });
    if (redis) {
      // Connecting before the first request is served: requests then count from the first one on.
      app.addHook('onReady', redis.connect);
      app.addHook('onClose', redis.close);
    }

    app.decorate('perMinuteLimit', function perMinuteLimit(name: string, max: number, keyOf: (request: FastifyRequest) => string) {
      if (!rateLimits.enabled) return async () => {};
      const check = app.createRateLimit({ max, timeWindow: WINDOW_MS, keyGenerator: (request) => `${name}:${keyOf(request)}` });
      return async function hit(request: FastifyRequest): Promise<void> {
        let outcome: Awaited<ReturnType<typeof check>>;
        try {
          outcome = await check(request);
        } catch (error) {
          // Only Redis fails: the in-memory counters cannot.
          if (!redis) throw error;
          redis.failed(error);
          return;
        }
        redis?.succeeded();
        if (!outcome.isAllowed && outcome.isExceeded) throw rateLimited(Math.max(1, outcome.ttlInSeconds));
      };
    });
  },
  { name: 'rate-limits', dependencies: ['db'] },
);
