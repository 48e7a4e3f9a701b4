import { describe, expect, it } from 'vitest';
import {
  canMove,
  decideAfterFailure,
  decideAfterLostWorker,
  statusAfterResolve,
  type RetryPolicy,
} from './deliveries.machine.js';

const policy: RetryPolicy = { maxAttempts: 3, baseMs: 100, maxMs: 10_000 };
const decide = (kind: Parameters<typeof decideAfterFailure>[0]['kind'], extra: object = {}) =>
  decideAfterFailure(
    { kind, notSent: false, ...extra },
    { action: 'publishContent', vendorAttempts: 1, policy, random: () => 0.5, ...extra },
  );

describe('delivery state machine', () => {
  it('allows only the documented edges', () => {
    expect(canMove('pending', 'in_flight')).toBe(true);
    expect(canMove('in_flight', 'unknown')).toBe(true);
    expect(canMove('unknown', 'reconciled')).toBe(true);
    expect(canMove('failed', 'pending')).toBe(true);
    expect(canMove('succeeded', 'pending')).toBe(false);
    expect(canMove('unknown', 'in_flight')).toBe(false);
    expect(canMove('reconciled', 'failed')).toBe(false);
  });

  it('never retries a lost response of a non-idempotent action blindly', () => {
    expect(decide('unknown_outcome')).toEqual({ kind: 'unknown' });
    expect(
      decideAfterFailure(
        { kind: 'unknown_outcome', notSent: false },
        { action: 'unpublishContent', vendorAttempts: 1, policy, random: () => 0.5 },
      ).kind,
    ).toBe('retry');
    expect(decideAfterLostWorker('createCampaign')).toBe('unknown');
    expect(decideAfterLostWorker('unpublishContent')).toBe('retry');
  });

  it('retries with Retry-After or backoff until the attempts are exhausted, then fails', () => {
    expect(decide('rate_limited', { retryAfterMs: 7000 })).toEqual({ kind: 'retry', delayMs: 7000 });
    expect(decide('retryable')).toEqual({ kind: 'retry', delayMs: 75 });
    expect(decide('retryable', { vendorAttempts: 3 })).toMatchObject({ kind: 'failed' });
    expect(decide('invalid_request')).toMatchObject({ kind: 'failed' });
    expect(decide('not_found')).toMatchObject({ kind: 'failed' });
    expect(decide('auth_expired')).toEqual({ kind: 'needs_reauth' });
    expect(decide('disconnected', { retryAfterMs: 5000 })).toEqual({ kind: 'wait', delayMs: 5000 });
  });

  it('waits without using an attempt when the call was never sent', () => {
    expect(decide('retryable', { notSent: true, retryAfterMs: 300, vendorAttempts: 3 })).toEqual({
      kind: 'wait',
      delayMs: 1000,
    });
  });

  it('maps human decisions', () => {
    expect(statusAfterResolve('succeeded')).toBe('reconciled');
    expect(statusAfterResolve('retry')).toBe('pending');
    expect(statusAfterResolve('failed')).toBe('failed');
  });
});
