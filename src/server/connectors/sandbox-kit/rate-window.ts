/**
 * Rate-limit bookkeeping for sandboxes. `RateWindowTracker` enforces a rolling window (HubSpot's 100 requests per
 * rolling 10 s per token, Marketo's 100 calls per 20 s) and counts VIOLATIONS: requests that arrived beyond the
 * documented limit. A well-behaved client never causes one, so contract tests assert `violations() === 0`.
 * `ConcurrencyTracker` does the same for in-flight limits (Marketo: 10 concurrent calls).
 */
import type { Clock } from '../../platform/clock.js';
import { systemClock } from '../../platform/clock.js';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests left in the current window after this one. */
  remaining: number;
  windowMs: number;
  /** When `allowed` is false: how long until the oldest counted request leaves the window. */
  retryAfterMs: number;
}

export interface RateWindowOptions {
  limit: number;
  windowMs: number;
  clock?: Clock;
}

export class RateWindowTracker {
  readonly limit: number;
  readonly windowMs: number;
  private readonly clock: Clock;
  private readonly hits = new Map<string, number[]>();
  private readonly violationsByKey = new Map<string, number>();

  constructor(opts: RateWindowOptions) {
    this.limit = opts.limit;
    this.windowMs = opts.windowMs;
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Counts one request for `key`. Rejected requests are violations and do not enter the window (the vendor rejected
   * them, so they consume no budget here).
   */
  hit(key: string): RateDecision {
    const now = this.clock.nowMs();
    const times = this.prune(key, now);
    if (times.length >= this.limit) {
      this.violationsByKey.set(key, (this.violationsByKey.get(key) ?? 0) + 1);
      const oldest = times[0] ?? now;
      return {
        allowed: false,
        limit: this.limit,
        remaining: 0,
        windowMs: this.windowMs,
        retryAfterMs: Math.max(0, oldest + this.windowMs - now),
      };
    }
    times.push(now);
    return {
      allowed: true,
      limit: this.limit,
      remaining: this.limit - times.length,
      windowMs: this.windowMs,
      retryAfterMs: 0,
    };
  }

  /** Requests left for `key` right now, without counting one. */
  remaining(key: string): number {
    return Math.max(0, this.limit - this.prune(key, this.clock.nowMs()).length);
  }

  /** Requests beyond the limit, for one key or in total. */
  violations(key?: string): number {
    if (key !== undefined) return this.violationsByKey.get(key) ?? 0;
    let total = 0;
    for (const n of this.violationsByKey.values()) total += n;
    return total;
  }

  reset(): void {
    this.hits.clear();
    this.violationsByKey.clear();
  }

  private prune(key: string, now: number): number[] {
    let times = this.hits.get(key);
    if (!times) {
      times = [];
      this.hits.set(key, times);
    }
    const cutoff = now - this.windowMs;
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) <= cutoff) drop += 1;
    if (drop > 0) times.splice(0, drop);
    return times;
  }
}

export class ConcurrencyTracker {
  private readonly inFlight = new Map<string, number>();
  private violationCount = 0;
  private peakSeen = 0;

  constructor(readonly max: number) {}

  /** Marks a request in flight; `allowed: false` (a violation) when it exceeds `max`. Always pair with `leave`. */
  enter(key: string): { allowed: boolean; inFlight: number } {
    const n = (this.inFlight.get(key) ?? 0) + 1;
    this.inFlight.set(key, n);
    this.peakSeen = Math.max(this.peakSeen, n);
    if (n > this.max) {
      this.violationCount += 1;
      return { allowed: false, inFlight: n };
    }
    return { allowed: true, inFlight: n };
  }

  leave(key: string): void {
    const n = (this.inFlight.get(key) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(key);
    else this.inFlight.set(key, n);
  }

  violations(): number {
    return this.violationCount;
  }

  peak(): number {
    return this.peakSeen;
  }
}
