import { describe, expect, it } from 'vitest';
import { judgeAttempt, parseRetryAfter } from './delivery-schedule.js';
import { assertTargetAllowed, isBlockedAddress } from '../../platform/http/index.js';
import { matchesSubscription, parseEventTypeFilters, validatePayloadFilter } from './subscription-filter.js';
import { DEFAULT_WEBHOOK_OPTIONS } from './webhooks.context.js';

const schedule = DEFAULT_WEBHOOK_OPTIONS.retryScheduleMs;

describe('delivery schedule', () => {
  it('retries at 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then gives up', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7].map((n) => judgeAttempt(n, 500, null, schedule));
    expect(delays.map((d) => (d.kind === 'retry' ? d.delayMs / 1000 : null))).toEqual([
      5, 300, 1800, 7200, 18000, 36000, 36000,
    ]);
    expect(judgeAttempt(8, 500, null, schedule)).toEqual({ kind: 'exhausted' });
    expect(judgeAttempt(1, null, null, schedule).kind).toBe('retry');
  });
  it('2xx succeeds, 410 is gone, Retry-After wins (capped at a day)', () => {
    expect(judgeAttempt(1, 204, null, schedule)).toEqual({ kind: 'succeeded' });
    expect(judgeAttempt(1, 301, null, schedule).kind).toBe('retry');
    expect(judgeAttempt(3, 410, null, schedule)).toEqual({ kind: 'gone' });
    expect(judgeAttempt(1, 503, 120_000, schedule)).toEqual({ kind: 'retry', delayMs: 120_000 });
    expect(judgeAttempt(1, 429, 9e12, schedule)).toEqual({ kind: 'retry', delayMs: 24 * 3_600_000 });
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 1970 00:01:00 GMT', 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});

describe('SSRF rules', () => {
  it('blocks loopback, private, link-local, metadata, CGNAT and mapped addresses; allows public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00:ec2::254',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '64:ff9b::a9fe:a9fe'.replace('a9fe:a9fe', '169.254.169.254'),
    ])
      expect(isBlockedAddress(a), a).toBe(true);
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111'])
      expect(isBlockedAddress(a), a).toBe(false);
  });
  it('refuses a host name that resolves to a private address unless the host is allowed', async () => {
    const resolve = async () => [{ address: '10.0.0.5', family: 4 }];
    await expect(assertTargetAllowed(new URL('https://rebind.example/x'), [], resolve)).rejects.toMatchObject(
      { code: 'WEBHOOK_TARGET_REFUSED', status: 422 },
    );
    await expect(
      assertTargetAllowed(new URL('https://rebind.example/x'), ['REBIND.example'], resolve),
    ).resolves.toBeUndefined();
    await expect(assertTargetAllowed(new URL('http://[::1]:8080/'), [], resolve)).rejects.toMatchObject({
      code: 'WEBHOOK_TARGET_REFUSED',
    });
    const nowhere = async () => Promise.reject(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }));
    await expect(assertTargetAllowed(new URL('https://nowhere.invalid/'), [], nowhere)).rejects.toMatchObject(
      { code: 'WEBHOOK_TARGET_UNRESOLVABLE' },
    );
  });
});

describe('subscription filters', () => {
  const sub = (types: string[], payloadFilter: Record<string, unknown> | null = null) => ({
    typeFilter: types.length ? parseEventTypeFilters(types) : null,
    payloadFilter,
  });
  it('match exact types and prefixes; none = everything', () => {
    expect(matchesSubscription({ type: 'content.published', payload: {} }, sub(['content.*']))).toBe(true);
    expect(
      matchesSubscription({ type: 'contact.updated', payload: {} }, sub(['content.*', 'product.created'])),
    ).toBe(false);
    expect(matchesSubscription({ type: 'shop.order_paid', payload: {} }, sub([]))).toBe(true);
  });
  it('payload filters: dotted paths, lists mean any of', () => {
    const f = { 'item.type': ['blog_post', 'email'], 'item.locale': 'en' };
    validatePayloadFilter(f);
    expect(
      matchesSubscription(
        { type: 'content.published', payload: { item: { type: 'email', locale: 'en' } } },
        sub([], f),
      ),
    ).toBe(true);
    expect(
      matchesSubscription(
        { type: 'content.published', payload: { item: { type: 'asset', locale: 'en' } } },
        sub([], f),
      ),
    ).toBe(false);
    expect(matchesSubscription({ type: 'content.published', payload: null }, sub([], f))).toBe(false);
    expect(() => validatePayloadFilter({ 'a b': 1 })).toThrow(/dotted path/);
    expect(() => validatePayloadFilter({ a: { nested: true } })).toThrow();
    expect(() => parseEventTypeFilters(['content.*', 'Bad Type'])).toThrow();
  });
});
