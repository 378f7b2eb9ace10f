import type { Config } from '../../config.js';
import { AppError } from '../../lib/errors.js';

// Requests that talk to a remote (/history when the clone lacks the branch, /test)
// run git while the client waits. A remote that hangs holds each of them for the
// network timeout, so without a bound a burst of requests becomes a burst of git
// processes. Slots bound them per process and per team; a request that finds no
// free slot is answered 429 at once instead of queueing behind the others.

export class RequestSlots {
  private total = 0;
  private readonly perTeam = new Map<string, number>();

  constructor(private readonly limits: { perProcess: number; perTeam: number; retryAfterSeconds: number }) {}

  async run<T>(teamId: string, task: () => Promise<T>): Promise<T> {
    const team = this.perTeam.get(teamId) ?? 0;
    if (this.total >= this.limits.perProcess || team >= this.limits.perTeam) {
      const retryAfter = this.limits.retryAfterSeconds;
      const scope = team >= this.limits.perTeam ? 'for this team' : 'on this server';
      throw new AppError(429, 'rate_limited', `Too many requests to the git remote are running ${scope}; retry in ${retryAfter} seconds`, { retryAfter });
    }
    this.total++;
    this.perTeam.set(teamId, team + 1);
    try {
      return await task();
    } finally {
      this.total--;
      const left = (this.perTeam.get(teamId) ?? 1) - 1;
      if (left > 0) this.perTeam.set(teamId, left);
      else this.perTeam.delete(teamId);
    }
  }
}

/** One set of slots per server (its config object): the whole process in production, one app in tests. */
const slotsByServer = new WeakMap<Config, RequestSlots>();

export function requestSlots(config: Config): RequestSlots {
  let slots = slotsByServer.get(config);
  if (!slots) {
    const { requestConcurrency, requestConcurrencyPerTeam, networkTimeoutMs } = config.gitIntegration.operations;
    // A slot is held for at most about one network timeout.
    const retryAfterSeconds = Math.max(1, Math.min(30, Math.ceil(networkTimeoutMs / 1000)));
    slots = new RequestSlots({ perProcess: requestConcurrency, perTeam: requestConcurrencyPerTeam, retryAfterSeconds });
    slotsByServer.set(config, slots);
  }
  return slots;
}
