import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../sdk/http-types.js';
import { createHubSpotHttpPolicy, msUntilUtcMidnight } from './http-policy.js';

const NOW = Date.UTC(2026, 2, 1, 18, 0, 0);
const policy = createHubSpotHttpPolicy({ nowMs: () => NOW });

function res(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  return {
    status,
    body,
    headers: new Headers({ 'content-type': 'application/json', ...headers }),
    durationMs: 1,
  };
}
const err = (category: string) => ({ status: 'error', message: 'm', correlationId: 'cid-1', category });

describe('HubSpot HTTP policy', () => {
  it('passes successes', () => {
    expect(policy.classify(res(200, { id: '1' }))).toBeUndefined();
    expect(policy.classify(res(204, ''))).toBeUndefined();
  });

  it.each([
    [401, 'EXPIRED_AUTHENTICATION', 'auth_expired'],
    [401, 'INVALID_AUTHENTICATION', 'auth_expired'],
    [403, 'MISSING_SCOPES', 'disconnected'],
    [404, 'OBJECT_NOT_FOUND', 'not_found'],
    [400, 'VALIDATION_ERROR', 'invalid_request'],
    [409, 'CONFLICT', 'invalid_request'],
    [500, 'INTERNAL_ERROR', 'retryable'],
    [502, 'INTERNAL_ERROR', 'retryable'],
  ] as const)('%i %s → %s', (status, category, kind) => {
    const e = policy.classify(res(status, err(category)));
    expect(e).toMatchObject({ kind, vendorCode: category, httpStatus: status, correlationId: 'cid-1' });
  });

  it('429 rolling → rate_limited after Retry-After or the interval', () => {
    const body = { ...err('RATE_LIMITS'), policyName: 'TEN_SECONDLY_ROLLING' };
    expect(policy.classify(res(429, body, { 'retry-after': '3' }))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 3000,
      vendorCode: 'TEN_SECONDLY_ROLLING',
    });
    expect(
      policy.classify(res(429, body, { 'x-hubspot-ratelimit-interval-milliseconds': '10000' })),
    ).toMatchObject({
      retryAfterMs: 10_000,
    });
  });

  it('429 DAILY → disconnected until midnight', () => {
    const e = policy.classify(res(429, { ...err('RATE_LIMITS'), policyName: 'DAILY' }));
    expect(e).toMatchObject({ kind: 'disconnected', vendorCode: 'DAILY', retryAfterMs: 6 * 3600 * 1000 });
    expect(msUntilUtcMidnight(NOW)).toBe(6 * 3600 * 1000);
  });

  it('OAuth token errors → auth_expired with the token status as code', () => {
    const e = policy.classify(
      res(400, { status: 'BAD_REFRESH_TOKEN', message: 'missing or unknown refresh token' }),
    );
    expect(e).toMatchObject({ kind: 'auth_expired', vendorCode: 'BAD_REFRESH_TOKEN' });
  });

  it('reads the rate-limit headers', () => {
    const h = new Headers({
      'x-hubspot-ratelimit-remaining': '42',
      'x-hubspot-ratelimit-interval-milliseconds': '10000',
      'x-hubspot-ratelimit-daily-remaining': '1000',
    });
    expect(policy.readRateLimit?.(h)).toEqual({ remaining: 42, resetMs: 10_000 });
    expect(policy.readRateLimit?.(new Headers({ 'x-hubspot-ratelimit-daily-remaining': '0' }))).toEqual({
      remaining: 0,
      resetMs: 6 * 3600 * 1000,
    });
    expect(policy.readRateLimit?.(new Headers())).toBeUndefined();
  });
});
