import type { RequestHandler } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Store } from 'express-rate-limit';
import type { Clock } from '../cases/caseEngine.js';
import type { RateLimitStore } from '../store/store.js';

/**
 * Counts requests in fixed windows of the service's clock, so that the limit follows the same time as
 * everything else (tests move it by hand), in the store's rate-limit area: on PostgreSQL every instance
 * counts in one table, so a client is limited once however the load balancer spreads its requests.
 */
class ClockWindowStore implements Store {
  readonly localKeys = false;

  constructor(
    private readonly counts: RateLimitStore,
    private readonly name: string,
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  private window() {
    const start = Math.floor(this.clock().getTime() / this.windowMs) * this.windowMs;
    return { start: new Date(start).toISOString(), reset: new Date(start + this.windowMs) };
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { start, reset } = this.window();
    return { totalHits: await this.counts.countRequest(`${this.name}:${key}`, start), resetTime: reset };
  }

  async decrement(key: string): Promise<void> {
    await this.counts.uncountRequest(`${this.name}:${key}`, this.window().start);
  }

  async resetKey(key: string): Promise<void> {
    await this.counts.resetRequests(`${this.name}:${key}`);
  }
}

/** At most `limit` requests a minute from one address to the limit called `name`, with the standard RateLimit headers; `onLimit` answers the rest. */
export function perMinuteLimit(deps: { store: RateLimitStore; clock: Clock }, name: string, limit: number, onLimit: RequestHandler): RequestHandler {
  const windowMs = 60_000;
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new ClockWindowStore(deps.store, name, deps.clock, windowMs),
    handler: onLimit,
  });
}
