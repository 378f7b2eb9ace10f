/**
 * Left for POST /api/v1/push only, until that route counts through app.perMinuteLimit
 * (src/plugins/rate-limits.ts, shared through Redis with REDIS_URL) like every other limit.
 *
 * Fixed-window counter per key, in process memory. Each server instance limits on
 * its own; behind a load balancer the effective limit is per instance (documented).
 * The map is dropped at every window boundary, so memory is bounded by the keys
 * seen within one window.
 */
export class FixedWindowLimiter {
  private windowStart = 0;
  private counts = new Map<string, number>();

  constructor(
    private readonly limit: number,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private roll(): void {
    const current = this.now();
    if (current - this.windowStart >= this.windowMs) {
      this.windowStart = current - (current % this.windowMs);
      this.counts.clear();
    }
  }

  /** Seconds until the window resets. */
  retryAfter(): number {
    return Math.max(1, Math.ceil((this.windowStart + this.windowMs - this.now()) / 1000));
  }

  isLimited(key: string): boolean {
    this.roll();
    return (this.counts.get(key) ?? 0) >= this.limit;
  }

  /** Counts one hit; returns true when the key was already over the limit. */
  hit(key: string): boolean {
    this.roll();
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return count > this.limit;
  }
}
