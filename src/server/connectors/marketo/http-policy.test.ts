import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../sdk/http-types.js';
import { createMarketoHttpPolicy, msUntilDailyReset } from './http-policy.js';

const policy = createMarketoHttpPolicy({ rateWindowMs: 20_000 });

function res(body: unknown, status = 200, headers: Record<string, string> = {}): HttpResponse {
  return { status, body, headers: new Headers(headers), durationMs: 1 };
}
const failure = (code: string, headers: Record<string, string> = {}) =>
  res(
    { requestId: 'a#b', success: false, errors: [{ code, message: 'anything at all' }], warnings: [] },
    200,
    headers,
  );

describe('Marketo http policy', () => {
  it('treats success envelopes and plain 2xx bodies as success', () => {
    expect(policy.classify(res({ success: true, result: [] }))).toBeUndefined();
    expect(policy.classify(res({ access_token: 't', expires_in: 3600 }))).toBeUndefined();
  });

  it.each([
    ['600', 'auth_expired'],
    ['601', 'auth_expired'],
    ['602', 'auth_expired'],
    ['603', 'disconnected'],
    ['604', 'retryable'],
    ['606', 'rate_limited'],
    ['607', 'disconnected'],
    ['608', 'retryable'],
    ['610', 'not_found'],
    ['611', 'retryable'],
    ['615', 'rate_limited'],
    ['702', 'not_found'],
    ['701', 'invalid_request'],
    ['709', 'invalid_request'],
    ['1003', 'invalid_request'],
    ['1013', 'not_found'],
    ['SPEC_VIOLATION', 'invalid_request'],
  ])('classifies code %s in an HTTP 200 as %s', (code, kind) => {
    const e = policy.classify(failure(code));
    expect(e?.kind).toBe(kind);
    expect(e?.vendorCode).toBe(code);
    expect(e?.correlationId).toBe('a#b');
  });

  it('waits out the 20 s window after 606 and briefly after 615', () => {
    expect(policy.classify(failure('606'))?.retryAfterMs).toBe(20_000);
    expect(createMarketoHttpPolicy({ rateWindowMs: 2_000 }).classify(failure('606'))?.retryAfterMs).toBe(
      2_000,
    );
    expect(policy.classify(failure('615'))?.retryAfterMs).toBe(1_000);
  });

  it('pauses until 00:00 US Central after 607, reading the time from the response Date header', () => {
    // 2026-03-10 17:00 UTC is 12:00 CDT: twelve hours to midnight in Chicago.
    const e = policy.classify(failure('607', { date: 'Tue, 10 Mar 2026 17:00:00 GMT' }));
    expect(e?.kind).toBe('disconnected');
    expect(e?.retryAfterMs).toBe(12 * 3600_000);
  });

  it('computes the daily reset across the daylight-saving change', () => {
    // 2026-01-15 05:59 UTC is 23:59 CST: one minute left.
    expect(msUntilDailyReset(new Date('2026-01-15T05:59:00Z'))).toBe(60_000);
    // 2026-07-15 04:59 UTC is 23:59 CDT.
    expect(msUntilDailyReset(new Date('2026-07-15T04:59:00Z'))).toBe(60_000);
  });

  it('classifies HTTP-level errors by status', () => {
    expect(policy.classify(res({ error: 'invalid_client' }, 401))).toMatchObject({
      kind: 'auth_expired',
      vendorCode: 'invalid_client',
    });
    expect(policy.classify(res('too big', 413))?.kind).toBe('invalid_request');
    expect(policy.classify(res('', 502))?.kind).toBe('retryable');
    expect(policy.classify(res('', 429, { 'retry-after': '3' }))).toMatchObject({
      kind: 'rate_limited',
      retryAfterMs: 3000,
    });
  });
});
