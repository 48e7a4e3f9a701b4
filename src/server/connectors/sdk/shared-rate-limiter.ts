/**
 * The per-connection rate limiter whose budget lives in a shared store (the database on PostgreSQL), so every process
 * talking to a connection draws from one budget (ADR 0010). Same contract as `createRateLimiter` (ADR 0006): it
 * WAITS rather than exceed the vendor's window, concurrency and daily quota, and throws `rate_limited` for waits
 * longer than `maxWaitMs`.
 *
 * The store keeps a ring of `requests` window slots and `concurrency` lease slots per connection:
 * - a request takes a window slot whose `free_at` passed; it is held while in flight and frees `windowMs` after the
 *   response COMPLETED, so a rolling window on the vendor's side never sees more than `requests`, across processes;
 * - a request also takes a concurrency slot while in flight;
 * - held slots carry a lease (`leaseMs`, renewed every `leaseMs / 3` while requests are in flight): the slots of a
 *   process that died free by themselves — window slots `windowMs` after the lease, since the request may have
 *   reached the vendor just before the process died.
 * Vendor signals are written to the store so every process honours them: `pause` (Retry-After), `block` (a
 * vendor-reported quota exhaustion) and, when the remaining budget runs low, `adopt` (rate-limit headers).
 *
 * Inside a process acquisitions queue FIFO behind one head that talks to the store: one statement per acquisition,
 * and a waiting process makes one query per wake-up however many jobs wait. Releases are batched off the request's
 * path; a late release only holds a slot longer.
 *
 * This file has no SQL: connectors never import the database (DESIGN §5). The connections module implements
 * `SharedRateStore` (`modules/connections/rate-limit.repo.ts`).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { CONNECTOR_ERROR_KINDS, ConnectorError } from './connector-error.js';
import type { ConnectorErrorInit } from './connector-error.js';
import type { RateLimitPolicy } from './connector.js';
import { dailyQuotaError, quotaDayOf } from './rate-limiter.js';
import type { RateLimiter, RateLimiterOptions, RatePermit } from './rate-limiter.js';
import type { RateBudget } from './runtime-types.js';

/** The slots one granted request holds. */
export interface SharedSlots {
  window: number;
  /** null when the policy has no concurrency cap. */
  concurrency: number | null;
}

/** What one acquisition statement answered: the slots taken, or why none were and for how long. */
export interface SharedAcquireOutcome {
  granted: SharedSlots | null;
  /** Milliseconds until a vendor pause (Retry-After) ends; 0 when not paused. */
  pausedMs: number;
  /** Milliseconds until a vendor-reported block ends, with the error it reported; 0 when not blocked. */
  blockedMs: number;
  blockedError: ConnectorErrorInit | null;
  /** The daily quota of the given day is spent. */
  dailyExhausted: boolean;
  /** Calls counted in the given day (this one included when granted). */
  dailyUsed: number;
  /** Milliseconds until the vendor's reported budget resets, when it reported none left; otherwise 0. */
  vendorWaitMs: number;
  /** The vendor's remaining budget as the store knows it (null: unknown or expired). */
  vendorRemaining: number | null;
  /** Milliseconds until the earliest released window slot frees; null when every busy slot is in flight. */
  nextFreeMs: number | null;
  /** Window slots free after this acquisition. */
  windowFree: number;
}

/** The shared budget of ONE connection; all durations are measured on the store's clock. */
export interface SharedRateStore {
  /** Creates the connection's rows or resizes them to `policy`; idempotent, safe from several processes. */
  ensure(policy: RateLimitPolicy): Promise<void>;
  /**
   * One statement: takes a window slot (held `windowHoldMs`) and a concurrency slot (held `leaseMs`) for `holder`
   * unless paused, blocked, over the quota of `day` or out of vendor budget. null when the connection has no rows.
   */
  acquire(a: {
    holder: string;
    day: number;
    windowHoldMs: number;
    leaseMs: number;
  }): Promise<SharedAcquireOutcome | null>;
  /** Frees slots of `holder`: window slots for `windowHoldMs` from now, concurrency slots at once. */
  release(a: {
    holder: string;
    windowSlots: readonly number[];
    concurrencySlots: readonly number[];
    windowHoldMs: number;
  }): Promise<void>;
  /** Extends every slot `holder` holds: window slots to now + `windowHoldMs`, concurrency slots to now + `leaseMs`. */
  renew(a: { holder: string; windowHoldMs: number; leaseMs: number }): Promise<void>;
  pause(ms: number): Promise<void>;
  block(ms: number, error: ConnectorErrorInit): Promise<void>;
  adopt(remaining: number, resetMs: number): Promise<void>;
}

export interface SharedRateLimiterOptions extends RateLimiterOptions {
  store: SharedRateStore;
  /** How long held slots survive without renewal, i.e. after their process died (default 30 s). */
  leaseMs?: number;
  /** Re-check interval while every slot is held by requests in flight, possibly in other processes (default 50 ms). */
  pollMs?: number;
  /** This limiter's identity in the store (default: a random UUID; one per process and connection). */
  holder?: string;
  /** Told about store failures that are not thrown to a caller (release, renewal, signal writes). */
  onStoreError?: (error: unknown, operation: string) => void;
}

/** The vendor-budget writes: only when at most this share of the window is left (the slot ring does the rest). */
const VENDOR_LOW_WATER = 0.1;
/** After the store failed, callers are told to come back this much later. */
const STORE_RETRY_MS = 1_000;

export function createSharedRateLimiter(opts: SharedRateLimiterOptions): RateLimiter {
  const now = opts.now ?? (() => performance.now());
  const { policy, clock, store } = opts;
  const maxWaitMs = opts.maxWaitMs ?? 60_000;
  const leaseMs = opts.leaseMs ?? 30_000;
  const pollMs = opts.pollMs ?? 50;
  const holder = opts.holder ?? randomUUID();
  const resetHour = policy.dailyResetUtcHour ?? 0;
  const windowHoldMs = policy.windowMs + (opts.safetyMarginMs ?? 20);
  const vendorLowWater = Math.max(1, Math.ceil(policy.requests * VENDOR_LOW_WATER));
  const storeError = (e: unknown, op: string): void => opts.onStoreError?.(e, op);

  let ensured: Promise<void> | undefined;
  // Local mirrors of the shared state: they save queries and feed `budget()`.
  let pausedUntil = 0;
  let blocked: { until: number; error: ConnectorError } | undefined;
  let inFlight = 0;
  let waitedTotal = 0;
  let windowFree = policy.requests;
  let dailyDay = quotaDayOf(clock.nowMs(), resetHour);
  let dailyUsed = 0;
  let vendorRemaining: number | undefined;
  let vendorUntil = 0;

  // FIFO of acquisitions: only the head talks to the store.
  let busy = false;
  const turns: (() => void)[] = [];
  const wakers = new Set<() => void>();

  // Released slots not yet written, and the writer draining them.
  let releaseW: number[] = [];
  let releaseC: number[] = [];
  let flushing = false;
  let renewTimer: NodeJS.Timeout | undefined;

  let adoptPending: { remaining: number; resetMs: number } | undefined;
  let adopting = false;

  function ensure(): Promise<void> {
    ensured ??= store.ensure(policy).catch((e: unknown) => {
      ensured = undefined;
      throw e;
    });
    return ensured;
  }

  function takeTurn(signal: AbortSignal | undefined): Promise<void> {
    if (!busy) {
      busy = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const enter = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        const i = turns.indexOf(enter);
        if (i >= 0) turns.splice(i, 1);
        reject(abortReason(signal));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      turns.push(enter);
    });
  }

  function passTurn(): void {
    const next = turns.shift();
    if (next) next();
    else busy = false;
  }

  function waitFor(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        wakers.delete(done);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        clearTimeout(timer);
        wakers.delete(done);
        reject(abortReason(signal));
      };
      const timer = setTimeout(done, ms);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      wakers.add(done);
    });
  }

  function wake(): void {
    for (const w of [...wakers]) w();
  }

  function throwIfBlocked(t: number): void {
    if (!blocked) return;
    if (blocked.until <= t) {
      blocked = undefined;
      return;
    }
    throw new ConnectorError({ ...blocked.error.toJSON(), retryAfterMs: Math.ceil(blocked.until - t) });
  }

  async function acquireOnce(day: number): Promise<SharedAcquireOutcome> {
    try {
      await ensure();
      const args = { holder, day, windowHoldMs: leaseMs + windowHoldMs, leaseMs };
      let out = await store.acquire(args);
      if (out === null) {
        // The rows are gone (another process resized them away, or a restore): create them again once.
        ensured = undefined;
        await ensure();
        out = await store.acquire(args);
      }
      if (out === null) throw new Error('the connection has no rate-limit rows');
      return out;
    } catch (e) {
      storeError(e, 'acquire');
      // Nothing was sent: the caller (the ledger) may retry safely, and the breaker does not count it.
      throw new ConnectorError({
        kind: 'rate_limited',
        vendorCode: 'RATE_LIMITER_UNAVAILABLE',
        message: `shared rate limiter unavailable: ${e instanceof Error ? e.message : String(e)}`,
        retryAfterMs: STORE_RETRY_MS,
      });
    }
  }

  /** How long to wait after a refusal (or 'poll' when only a release, maybe elsewhere, can help); throws refusals. */
  function delayAfter(out: SharedAcquireOutcome, t: number, wall: number): number | 'poll' {
    if (out.blockedMs > 0) {
      blocked = { until: t + out.blockedMs, error: errorFromJson(out.blockedError) };
      throwIfBlocked(t);
    }
    if (out.dailyExhausted) throw dailyQuotaError(policy, wall);
    if (out.pausedMs > 0) pausedUntil = Math.max(pausedUntil, t + out.pausedMs);
    const signalled = Math.max(out.pausedMs, out.vendorWaitMs);
    if (signalled > 0) return signalled;
    // A free window slot was there, so concurrency refused: a release frees it.
    if (out.windowFree > 0) return 'poll';
    return out.nextFreeMs ?? 'poll';
  }

  function startRenewal(): void {
    if (renewTimer) return;
    renewTimer = setInterval(
      () => {
        store
          .renew({ holder, windowHoldMs: leaseMs + windowHoldMs, leaseMs })
          .catch((e: unknown) => storeError(e, 'renew'));
      },
      Math.max(10, Math.floor(leaseMs / 3)),
    );
    renewTimer.unref();
  }

  function stopRenewalIfIdle(): void {
    if (inFlight > 0 || flushing || !renewTimer) return;
    clearInterval(renewTimer);
    renewTimer = undefined;
  }

  async function flushReleases(): Promise<void> {
    if (flushing) return;
    flushing = true;
    try {
      while (releaseW.length > 0 || releaseC.length > 0) {
        const windowSlots = releaseW;
        const concurrencySlots = releaseC;
        releaseW = [];
        releaseC = [];
        try {
          await store.release({ holder, windowSlots, concurrencySlots, windowHoldMs });
        } catch (e) {
          // The slots free when their lease runs out.
          storeError(e, 'release');
        }
        wake();
      }
    } finally {
      flushing = false;
      stopRenewalIfIdle();
    }
  }

  function permitFor(slots: SharedSlots): RatePermit {
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        inFlight -= 1;
        releaseW.push(slots.window);
        if (slots.concurrency !== null) releaseC.push(slots.concurrency);
        void flushReleases();
      },
    };
  }

  async function flushAdopt(): Promise<void> {
    if (adopting) return;
    adopting = true;
    try {
      while (adoptPending) {
        const { remaining, resetMs } = adoptPending;
        adoptPending = undefined;
        await store.adopt(remaining, resetMs).catch((e: unknown) => storeError(e, 'adopt'));
      }
    } finally {
      adopting = false;
    }
  }

  return {
    async acquire(signal) {
      const started = now();
      await takeTurn(signal);
      try {
        for (;;) {
          signal?.throwIfAborted();
          const t = now();
          throwIfBlocked(t);
          let delay: number | 'poll' = pausedUntil > t ? Math.ceil(pausedUntil - t) : 0;
          if (delay === 0) {
            const wall = clock.nowMs();
            const day = quotaDayOf(wall, resetHour);
            const out = await acquireOnce(day);
            const at = now();
            dailyDay = day;
            dailyUsed = out.dailyUsed;
            if (out.vendorRemaining === null) vendorRemaining = undefined;
            else vendorRemaining = out.vendorRemaining;
            if (out.granted) {
              windowFree = out.windowFree;
              inFlight += 1;
              startRenewal();
              const waited = at - started;
              if (waited >= 1) {
                waitedTotal += waited;
                opts.onWait?.(waited);
              }
              return permitFor(out.granted);
            }
            windowFree = out.windowFree;
            delay = delayAfter(out, at, wall);
          }
          if (delay !== 'poll' && delay > maxWaitMs) {
            throw new ConnectorError({
              kind: 'rate_limited',
              message: `rate limit: next request possible in ${Math.ceil(delay)} ms`,
              retryAfterMs: Math.ceil(delay),
            });
          }
          await waitFor(delay === 'poll' ? pollMs : Math.max(1, Math.ceil(delay)), signal);
        }
      } finally {
        passTurn();
      }
    },
    pause(ms) {
      if (ms <= 0) return;
      pausedUntil = Math.max(pausedUntil, now() + ms);
      void store.pause(ms).catch((e: unknown) => storeError(e, 'pause'));
    },
    adopt(budget) {
      if (budget.remaining === undefined) return;
      const t = now();
      const resetMs = budget.resetMs ?? policy.windowMs;
      const fresh = vendorRemaining === undefined || vendorUntil <= t;
      vendorRemaining = fresh
        ? budget.remaining
        : Math.min(vendorRemaining ?? budget.remaining, budget.remaining);
      vendorUntil = t + resetMs;
      if (budget.remaining > vendorLowWater) return;
      adoptPending = {
        remaining: Math.min(adoptPending?.remaining ?? budget.remaining, budget.remaining),
        resetMs,
      };
      void flushAdopt();
    },
    block(ms, error) {
      blocked = { until: now() + ms, error };
      void store.block(ms, error.toJSON()).catch((e: unknown) => storeError(e, 'block'));
    },
    budget() {
      const t = now();
      const day = quotaDayOf(clock.nowMs(), resetHour);
      const out: RateBudget = {
        windowLimit: policy.requests,
        windowMs: policy.windowMs,
        windowRemaining: Math.max(0, Math.min(policy.requests, windowFree)),
        inFlight,
        waitedMs: Math.round(waitedTotal),
      };
      if (policy.concurrency !== undefined) out.concurrency = policy.concurrency;
      if (policy.daily !== undefined) {
        out.dailyLimit = policy.daily;
        out.dailyRemaining = Math.max(0, policy.daily - (day === dailyDay ? dailyUsed : 0));
      }
      if (vendorRemaining !== undefined && vendorUntil > t)
        out.vendorRemaining = Math.max(0, vendorRemaining);
      const until = Math.max(pausedUntil, blocked?.until ?? 0);
      if (until > t) out.pausedUntil = new Date(clock.nowMs() + (until - t));
      return out;
    },
  };
}

function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : new Error('aborted');
}

/** The stored error of a vendor-reported block (JSON from the store: a parsed boundary). */
function errorFromJson(json: ConnectorErrorInit | null): ConnectorError {
  const kind = CONNECTOR_ERROR_KINDS.find((k) => k === json?.kind) ?? 'disconnected';
  return new ConnectorError({
    kind,
    message: typeof json?.message === 'string' ? json.message : 'the vendor blocked this connection',
    ...(typeof json?.vendorCode === 'string' ? { vendorCode: json.vendorCode } : {}),
    ...(typeof json?.httpStatus === 'number' ? { httpStatus: json.httpStatus } : {}),
  });
}
