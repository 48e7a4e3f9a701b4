/**
 * Pure retry/lease arithmetic, kept apart from SQL so it can be unit tested exhaustively.
 */
import type { RetryPolicy } from './job-catalog.js';

/**
 * Full-jitter exponential backoff (AWS architecture blog, "Exponential Backoff and Jitter"): a uniform delay in
 * [0, min(maxMs, baseMs · 2^(attempt-1))]. Full jitter spreads a thundering herd of failures best.
 * `attempt` is the attempt that just failed (1-based); `random` returns [0, 1).
 */
export function computeBackoffMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  random: () => number = Math.random,
): number {
  const exp = Math.max(0, attempt - 1);
  // 2^exp is kept finite (2^1024 is Infinity, and 0 · Infinity is NaN when baseMs is 0); min() keeps the cap exact.
  const ceiling = Math.min(policy.maxMs, policy.baseMs * Math.pow(2, Math.min(exp, 52)));
  return Math.floor(random() * (ceiling + 1));
}

/** The delay before the next attempt: a handler's Retry-After (a vendor's explicit instruction) wins over the backoff. */
export function computeRetryDelayMs(
  attempt: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number {
  return retryAfterMs !== null
    ? Math.max(0, Math.ceil(retryAfterMs))
    : computeBackoffMs(attempt, policy, random);
}

/** The end of a lease taken or extended at `nowMs`. */
export function computeLeaseDeadline(nowMs: number, leaseMs: number): Date {
  return new Date(nowMs + leaseMs);
}

/** A lease whose deadline is at or before now may be taken by another worker. */
export function isLeaseExpired(lockedUntil: Date | null, nowMs: number): boolean {
  return lockedUntil === null || lockedUntil.getTime() <= nowMs;
}

/**
 * A worker is healthy while its last heartbeat is younger than two intervals: one missed beat (GC pause, slow
 * query) is tolerated, two are not.
 */
export function isHeartbeatFresh(heartbeatAt: Date | null, nowMs: number, heartbeatMs: number): boolean {
  return heartbeatAt !== null && nowMs - heartbeatAt.getTime() < 2 * heartbeatMs;
}

/** Error stacks are kept per attempt but trimmed: a few frames are what helps, and rows must stay small. */
export const MAX_STACK_CHARS = 2_048;

export function trimStack(stack: string | undefined | null, max = MAX_STACK_CHARS): string | null {
  if (!stack) return null;
  return stack.length <= max ? stack : stack.slice(0, max - 1) + '…';
}
