import { describe, expect, it } from 'vitest';
import { TestClock } from '../clock.js';
import { computeDueTick, computeNextTick, validateCronSpec } from './cron.js';

const daily9Paris = { cron: '0 9 * * *', timezone: 'Europe/Paris' };

describe('computeDueTick', () => {
  it('fires nothing for an entry seen for the first time', () => {
    expect(computeDueTick(daily9Paris, null, new Date('2026-03-10T12:00:00Z'))).toBeNull();
  });

  it('fires the tick once its time has come, and not again', () => {
    const clock = new TestClock('2026-03-10T07:59:59Z'); // 08:59:59 in Paris (CET)
    const last = new Date('2026-03-09T08:00:00Z');
    expect(computeDueTick(daily9Paris, last, clock.now())).toBeNull();
    clock.advance(1_000);
    const due = computeDueTick(daily9Paris, last, clock.now());
    expect(due?.toISOString()).toBe('2026-03-10T08:00:00.000Z');
    expect(computeDueTick(daily9Paris, due, clock.now())).toBeNull();
    clock.advance(60 * 60_000);
    expect(computeDueTick(daily9Paris, due, clock.now())).toBeNull();
  });

  it('after downtime returns only the latest missed tick (fires once, not N times)', () => {
    const last = new Date('2026-03-01T08:00:00Z');
    const now = new Date('2026-03-06T10:30:00Z');
    expect(computeDueTick(daily9Paris, last, now)?.toISOString()).toBe('2026-03-06T08:00:00.000Z');
  });

  it('follows the zone across DST: 09:00 Paris is 08:00Z in winter, 07:00Z in summer', () => {
    const last = new Date('2026-03-28T08:00:00Z');
    const clock = new TestClock('2026-03-29T06:59:59Z'); // DST starts 2026-03-29 in the EU
    expect(computeDueTick(daily9Paris, last, clock.now())).toBeNull();
    clock.advance(1_000);
    expect(computeDueTick(daily9Paris, last, clock.now())?.toISOString()).toBe('2026-03-29T07:00:00.000Z');
  });

  it('counts a tick exactly at now as due', () => {
    const everyMinute = { cron: '* * * * *', timezone: 'UTC' };
    const now = new Date('2026-01-01T00:05:00.000Z');
    expect(computeDueTick(everyMinute, new Date('2026-01-01T00:04:00Z'), now)?.toISOString()).toBe(
      now.toISOString(),
    );
  });
});

describe('computeNextTick / validateCronSpec', () => {
  it('gives the first tick strictly after the reference', () => {
    expect(computeNextTick(daily9Paris, new Date('2026-03-10T08:00:00Z'))?.toISOString()).toBe(
      '2026-03-11T08:00:00.000Z',
    );
  });

  it('rejects bad patterns and unknown zones', () => {
    expect(() => validateCronSpec({ cron: 'not a cron', timezone: 'UTC' })).toThrow(/invalid cron entry/);
    expect(() => validateCronSpec({ cron: '* * * * *', timezone: 'Mars/Olympus' })).toThrow(/time zone/);
    expect(() => validateCronSpec(daily9Paris)).not.toThrow();
  });
});
