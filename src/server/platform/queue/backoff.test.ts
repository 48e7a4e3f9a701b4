import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  computeBackoffMs,
  computeLeaseDeadline,
  computeRetryDelayMs,
  isHeartbeatFresh,
  isLeaseExpired,
  trimStack,
} from './backoff.js';

const policy = { baseMs: 1_000, maxMs: 60_000 };

describe('computeBackoffMs (full jitter)', () => {
  it('spans [0, base·2^(attempt-1)] at the extremes of the random source', () => {
    expect(computeBackoffMs(1, policy, () => 0)).toBe(0);
    expect(computeBackoffMs(1, policy, () => 0.999999)).toBe(1_000);
    expect(computeBackoffMs(3, policy, () => 0.999999)).toBe(4_000);
    expect(computeBackoffMs(3, policy, () => 0.5)).toBe(2_000);
  });

  it('is capped at maxMs however many attempts, without overflowing', () => {
    expect(computeBackoffMs(7, policy, () => 0.999999)).toBe(60_000);
    expect(computeBackoffMs(5_000, policy, () => 0.999999)).toBe(60_000);
    expect(computeBackoffMs(5_000, { baseMs: 0, maxMs: 0 }, () => 0.5)).toBe(0);
  });

  it('always stays within [0, min(maxMs, base·2^(attempt-1))] (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, extra, r) => {
          const p = { baseMs, maxMs: baseMs + extra };
          const d = computeBackoffMs(attempt, p, () => r);
          const ceiling = baseMs === 0 ? 0 : Math.min(p.maxMs, baseMs * 2 ** (attempt - 1));
          return Number.isInteger(d) && d >= 0 && d <= ceiling;
        },
      ),
    );
  });

  it('grows the expected delay with each attempt until the cap', () => {
    const mean = (attempt: number) => computeBackoffMs(attempt, policy, () => 0.5);
    expect(mean(2)).toBeGreaterThan(mean(1));
    expect(mean(6)).toBeGreaterThan(mean(5));
    expect(mean(8)).toBe(mean(9));
  });
});

describe('computeRetryDelayMs', () => {
  it('uses Retry-After verbatim (rounded up) instead of the backoff', () => {
    expect(computeRetryDelayMs(1, policy, 90_000.2, () => 0)).toBe(90_001);
    expect(computeRetryDelayMs(9, policy, 0, () => 0.99)).toBe(0);
  });
  it('falls back to the backoff without Retry-After', () => {
    expect(computeRetryDelayMs(2, policy, null, () => 0.999999)).toBe(2_000);
  });
});

describe('lease math', () => {
  it('a lease taken at t lasts exactly leaseMs and is expired at its deadline', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    const deadline = computeLeaseDeadline(t, 30_000);
    expect(deadline.toISOString()).toBe('2026-01-01T00:00:30.000Z');
    expect(isLeaseExpired(deadline, t + 29_999)).toBe(false);
    expect(isLeaseExpired(deadline, t + 30_000)).toBe(true);
    expect(isLeaseExpired(null, t)).toBe(true);
  });

  it('a heartbeat is fresh below two intervals and stale at two', () => {
    const at = new Date('2026-01-01T00:00:00Z');
    expect(isHeartbeatFresh(at, at.getTime() + 9_999, 5_000)).toBe(true);
    expect(isHeartbeatFresh(at, at.getTime() + 10_000, 5_000)).toBe(false);
    expect(isHeartbeatFresh(null, at.getTime(), 5_000)).toBe(false);
  });
});

describe('trimStack', () => {
  it('keeps short stacks and trims long ones to the limit', () => {
    expect(trimStack('short')).toBe('short');
    expect(trimStack(undefined)).toBeNull();
    const long = 'x'.repeat(10_000);
    expect(trimStack(long)!.length).toBe(2_048);
  });
});
