import type { RequestHandler } from 'express';
import { rateLimit, type ClientRateLimitInfo, type Store } from 'express-rate-limit';
import type { Clock } from '../cases/caseEngine.js';

/**
 * Counts requests in fixed windows of the service's clock, in memory, so that
 * the limit follows the same time as everything else (tests move it by hand).
 * Only the current window's counts are kept.
 */
class ClockWindowStore implements Store {
  readonly localKeys = true;
  private window = Number.NaN;
  private readonly hits = new Map<string, number>();

  constructor(
    private readonly clock: Clock,
    private readonly windowMs: number,
  ) {}

  private current(): number {
    const window = Math.floor(this.clock().getTime() / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.hits.clear();
    }
    return window;
  }

  increment(key: string): ClientRateLimitInfo {
    const window = this.current();
    const totalHits = (this.hits.get(key) ?? 0) + 1;
    this.hits.set(key, totalHits);
    return { totalHits, resetTime: new Date((window + 1) * this.windowMs) };
  }

  decrement(key: string): void {
    this.current();
    const hits = this.hits.get(key);
    if (hits) this.hits.set(key, hits - 1);
  }

  resetKey(key: string): void {
    this.hits.delete(key);
  }
}

/** At most `limit` requests a minute from one address, with the standard RateLimit headers; `onLimit` answers the rest. */
export function perMinuteLimit(clock: Clock, limit: number, onLimit: RequestHandler): RequestHandler {
  const windowMs = 60_000;
  return rateLimit({
    windowMs,
    limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    store: new ClockWindowStore(clock, windowMs),
    handler: onLimit,
  });
}
