/**
 * The per-connection rate limiter. It WAITS rather than let the vendor's documented limit be exceeded:
 * - window: at most `requests` starts per `windowMs`. A slot's time is the moment its response COMPLETED (in-flight
 *   slots count as "now"), which is never earlier than the moment the vendor counted it, so a rolling window on the
 *   vendor's side is never overrun whatever the network latency;
 * - concurrency: at most `concurrency` requests in flight;
 * - daily quota: counted per UTC day (reset at `dailyResetUtcHour`); when exhausted, `acquire` throws `disconnected`
 *   with `retryAfterMs` until the reset — waiting hours in a job would be wrong;
 * - vendor feedback: `adopt()` takes the vendor's remaining budget from its headers, `pause()` honours Retry-After.
 * A wait longer than `maxWaitMs` is not waited in-process: `acquire` throws `rate_limited` with `retryAfterMs` so the
 * caller (the ledger) reschedules the work instead of holding a worker.
 *
 * Window times are monotonic (`performance.now()`), not the injected clock: the limiter guards real wall time on the
 * wire. The injected clock only decides the daily quota's day.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../platform/clock.js';
import { ConnectorError } from './connector-error.js';
import type { RateLimitPolicy } from './connector.js';
import type { RateBudget } from './runtime-types.js';

export interface RateLimiterOptions {
  policy: RateLimitPolicy;
  clock: Clock;
  /** Monotonic milliseconds (default `performance.now`). */
  now?: () => number;
  /** Longest wait done in-process; longer ones throw `rate_limited` (default 60 s). */
  maxWaitMs?: number;
  /** Extra time added to each window slot for timer granularity (default 20 ms). */
  safetyMarginMs?: number;
  /** Called with the milliseconds a granted request waited, when it waited. */
  onWait?: (ms: number) => void;
}

/** A granted request; call `release()` once it completed (success or failure). */
export interface RatePermit {
  release(): void;
}

export interface RateLimiter {
  acquire(signal?: AbortSignal): Promise<RatePermit>;
  /** Holds every new request for `ms` (a vendor's Retry-After). */
  pause(ms: number): void;
  /** Adopts the vendor's own view of the budget (remaining requests, ms until it resets). */
  adopt(budget: { remaining?: number; resetMs?: number }): void;
  /** Refuses every request until `untilMs` from now with `error` (e.g. a vendor-reported daily quota exhaustion). */
  block(ms: number, error: ConnectorError): void;
  budget(): RateBudget;
}

interface Slot {
  /** Completion time; Infinity while in flight. */
  t: number;
}

const DAY_MS = 86_400_000;

/** The daily quota's day number at wall time `ms`, for a quota that resets at `resetHour`:00 UTC. */
export function quotaDayOf(ms: number, resetHour: number): number {
  return Math.floor((ms - resetHour * 3_600_000) / DAY_MS);
}

/** Milliseconds from wall time `ms` until the daily quota resets at `resetHour`:00 UTC. */
export function msUntilQuotaReset(ms: number, resetHour: number): number {
  return (quotaDayOf(ms, resetHour) + 1) * DAY_MS + resetHour * 3_600_000 - ms;
}

/** The `disconnected` error of an exhausted daily quota. */
export function dailyQuotaError(policy: RateLimitPolicy, wallMs: number): ConnectorError {
  const resetHour = policy.dailyResetUtcHour ?? 0;
  return new ConnectorError({
    kind: 'disconnected',
    message: `daily request quota of ${policy.daily} exhausted; resets at ${resetHour}:00 UTC`,
    vendorCode: 'DAILY_QUOTA_EXHAUSTED',
    retryAfterMs: msUntilQuotaReset(wallMs, resetHour),
  });
}

export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const now = opts.now ?? (() => performance.now());
  const { policy, clock } = opts;
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const margin = opts.safetyMarginMs ?? 20;
  const resetHour = policy.dailyResetUtcHour ?? 0;
  const dayOf = (ms: number): number => quotaDayOf(ms, resetHour);
  let slots: Slot[] = [];
  let inFlight = 0;
  let pausedUntil = 0;
  let vendorRemaining: number | undefined;
  let vendorResetAt = 0;
  let blocked: { until: number; error: ConnectorError } | undefined;
  let dailyDay = dayOf(clock.nowMs());
  let dailyUsed = 0;
  let waitedTotal = 0;
  const wakers = new Set<() => void>();

  function prune(t: number): void {
    const cutoff = t - policy.windowMs - margin;
    if (slots.length > 0 && slots.some((s) => s.t <= cutoff)) slots = slots.filter((s) => s.t > cutoff);
  }
  function wake(): void {
    for (const w of [...wakers]) w();
  }

  /** 0: may start now; a number: ms to wait; 'release': wait for an in-flight request to finish. */
  function delayFor(t: number): number | 'release' {
    let wait = 0;
    if (pausedUntil > t) wait = Math.max(wait, pausedUntil - t);
    if (vendorRemaining !== undefined && vendorResetAt > t && vendorRemaining <= 0) {
      wait = Math.max(wait, vendorResetAt - t);
    }
    prune(t);
    let releaseNeeded = false;
    if (policy.concurrency !== undefined && inFlight >= policy.concurrency) releaseNeeded = true;
    if (slots.length >= policy.requests) {
      const closed = slots.filter((s) => s.t !== Infinity);
      // Enough slots must leave the window for one more to fit.
      const excess = slots.length - policy.requests;
      const sorted = closed.map((s) => s.t).sort((a, b) => a - b);
      const freeing = sorted[excess];
      if (freeing === undefined) releaseNeeded = true;
      else wait = Math.max(wait, freeing + policy.windowMs + margin - t);
    }
    if (wait > 0) return Math.ceil(wait);
    return releaseNeeded ? 'release' : 0;
  }

  function checkRefusals(t: number): void {
    if (blocked) {
      if (blocked.until > t) {
        throw new ConnectorError({ ...blocked.error.toJSON(), retryAfterMs: Math.ceil(blocked.until - t) });
      }
      blocked = undefined;
    }
    if (policy.daily !== undefined) {
      const wall = clock.nowMs();
      const day = dayOf(wall);
      if (day !== dailyDay) {
        dailyDay = day;
        dailyUsed = 0;
      }
      if (dailyUsed >= policy.daily) throw dailyQuotaError(policy, wall);
    }
  }

  function waitFor(ms: number | 'release', signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (timer) clearTimeout(timer);
        wakers.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        if (timer) clearTimeout(timer);
        wakers.delete(done);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      wakers.add(done);
      if (ms !== 'release') timer = setTimeout(done, ms);
    });
  }

  return {
    async acquire(signal) {
      const started = now();
      for (;;) {
        const t = now();
        checkRefusals(t);
        const delay = delayFor(t);
        if (delay === 0) break;
        if (delay !== 'release' && delay > maxWaitMs) {
          throw new ConnectorError({
            kind: 'rate_limited',
            message: `rate limit: next request possible in ${delay} ms`,
            retryAfterMs: delay,
          });
        }
        await waitFor(delay, signal);
      }
      const slot: Slot = { t: Infinity };
      slots.push(slot);
      inFlight += 1;
      if (policy.daily !== undefined) dailyUsed += 1;
      if (vendorRemaining !== undefined) vendorRemaining -= 1;
      const waited = now() - started;
      if (waited >= 1) {
        waitedTotal += waited;
        opts.onWait?.(waited);
      }
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          slot.t = now();
          inFlight -= 1;
          wake();
        },
      };
    },
    pause(ms) {
      if (ms > 0) pausedUntil = Math.max(pausedUntil, now() + ms);
    },
    adopt(budget) {
      if (budget.remaining === undefined) return;
      const t = now();
      // Responses arrive out of order; never let a stale, larger "remaining" override a smaller current one.
      const fresh = vendorRemaining === undefined || vendorResetAt <= t;
      vendorRemaining = fresh
        ? budget.remaining
        : Math.min(vendorRemaining ?? budget.remaining, budget.remaining);
      vendorResetAt = t + (budget.resetMs ?? policy.windowMs);
      wake();
    },
    block(ms, error) {
      blocked = { until: now() + ms, error };
    },
    budget() {
      const t = now();
      prune(t);
      const until = Math.max(pausedUntil, blocked?.until ?? 0);
      const out: RateBudget = {
        windowLimit: policy.requests,
        windowMs: policy.windowMs,
        windowRemaining: Math.max(0, policy.requests - slots.length),
        inFlight,
        waitedMs: Math.round(waitedTotal),
      };
      if (policy.concurrency !== undefined) out.concurrency = policy.concurrency;
      if (policy.daily !== undefined) {
        if (dayOf(clock.nowMs()) !== dailyDay) {
          dailyDay = dayOf(clock.nowMs());
          dailyUsed = 0;
        }
        out.dailyLimit = policy.daily;
        out.dailyRemaining = Math.max(0, policy.daily - dailyUsed);
      }
      if (vendorRemaining !== undefined && vendorResetAt > t)
        out.vendorRemaining = Math.max(0, vendorRemaining);
      if (until > t) out.pausedUntil = new Date(clock.nowMs() + (until - t));
      return out;
    },
  };
}
