import { describe, expect, it } from 'vitest';
import { IngestPriority } from './inbound-priority.js';

/** A fake monotonic time that only moves when told to, or when the priority sleeps. */
function fakeTime() {
  let ms = 1_000_000;
  return {
    now: () => ms,
    sleep: async (d: number) => {
      ms += d;
    },
    advance: (d: number) => (ms += d),
  };
}

describe('ingest first', () => {
  it('measures the inbound rate over the last 250 ms', () => {
    const time = fakeTime();
    const p = new IngestPriority({ ratePerSecond: 100, maxDeferMs: 30_000, ...time });
    for (let i = 0; i < 50; i++) p.recordIngest();
    time.advance(100);
    for (let i = 0; i < 30; i++) p.recordIngest();
    expect(p.rate()).toBe(320); // 80 in the window, per second
    time.advance(200); // the first 50 left the window
    expect(p.rate()).toBe(120);
    time.advance(5_000);
    expect(p.rate()).toBe(0);
  });

  it('notices a burst within its first tens of milliseconds', () => {
    const time = fakeTime();
    const p = new IngestPriority({ ratePerSecond: 300, maxDeferMs: 30_000, ...time });
    // 2,000/s from a standstill: 2 per millisecond.
    let deferredAfterMs: number | null = null;
    for (let ms = 1; ms <= 1_000 && deferredAfterMs === null; ms++) {
      p.recordIngest();
      p.recordIngest();
      time.advance(1);
      if (p.shouldDefer()) deferredAfterMs = ms;
    }
    expect(deferredAfterMs).not.toBeNull();
    expect(deferredAfterMs!).toBeLessThanOrEqual(60);
  });

  it('holds processing at the onset of inbound activity, briefly for a lone request, up to 500 ms for a trickle', () => {
    const time = fakeTime();
    const p = new IngestPriority({ ratePerSecond: 300, maxDeferMs: 30_000, ...time });
    expect(p.shouldDefer()).toBe(false);
    p.recordIngest(); // a lone webhook
    expect(p.shouldDefer()).toBe(true);
    time.advance(99);
    expect(p.shouldDefer()).toBe(true);
    time.advance(1); // 100 ms without another: not a burst
    expect(p.shouldDefer()).toBe(false);
    // A trickle at 50/s (well below 300/s): held for the first 500 ms of it, then processed beside it.
    const held: boolean[] = [];
    for (let ms = 0; ms < 1_000; ms += 20) {
      p.recordIngest();
      held.push(p.shouldDefer());
      time.advance(20);
    }
    expect(held.slice(0, 25)).toEqual(Array(25).fill(true));
    expect(held.slice(25)).toEqual(Array(25).fill(false));
  });

  it('holds processing from the first request of a burst whose senders join over a second', () => {
    const time = fakeTime();
    const p = new IngestPriority({ ratePerSecond: 300, maxDeferMs: 30_000, ...time });
    // 50 senders at 20/s each (1,000/s in all), one more every 20 ms: the rate crosses 300/s only after ~425 ms.
    const next = Array.from({ length: 50 }, (_, i) => i * 20);
    const released: number[] = [];
    for (let ms = 0; ms < 2_000; ms++) {
      for (let i = 0; i < next.length; i++)
        if (next[i] === ms) {
          p.recordIngest();
          next[i] = ms + 50;
        }
      if (!p.shouldDefer()) released.push(ms);
      time.advance(1);
    }
    expect(released).toEqual([]);
  });

  it('processing waits while ingest is above the rate, and goes on once it drops', async () => {
    const time = fakeTime();
    const p = new IngestPriority({ ratePerSecond: 100, maxDeferMs: 30_000, ...time });
    expect(p.shouldDefer()).toBe(false);
    for (let i = 0; i < 150; i++) p.recordIngest();
    expect(p.shouldDefer()).toBe(true);
    // Nothing arrives any more: the rate falls below 100/s within the window, and the wait ends 1 s later.
    const waited = await p.waitForIngest();
    expect(waited).toBeGreaterThanOrEqual(1_000);
    expect(waited).toBeLessThanOrEqual(1_300);
    expect(p.shouldDefer()).toBe(false);
    expect(p.deferredMs).toBe(waited);
  });

  it('a lull shorter than a second inside a burst does not let processing loose', () => {
    const time = fakeTime();
    const p = new IngestPriority({ ratePerSecond: 100, maxDeferMs: 30_000, ...time });
    for (let i = 0; i < 150; i++) p.recordIngest();
    expect(p.shouldDefer()).toBe(true);
    time.advance(600); // nothing arrives: the 250 ms rate is 0
    expect(p.rate()).toBe(0);
    expect(p.shouldDefer()).toBe(true);
    for (let i = 0; i < 150; i++) p.recordIngest(); // the burst goes on: the calm restarts
    expect(p.shouldDefer()).toBe(true);
    time.advance(900);
    expect(p.shouldDefer()).toBe(true);
    time.advance(200); // calm for 1 s: the hot spell is over
    expect(p.shouldDefer()).toBe(false);
  });

  it('a sustained burst defers processing for at most maxDeferMs, then lets it run interleaved', async () => {
    const time = fakeTime();
    const p = new IngestPriority({
      ratePerSecond: 100,
      maxDeferMs: 2_000,
      now: time.now,
      // Ingest keeps arriving at 400/s while processing waits.
      sleep: async (d) => {
        for (let i = 0; i < (400 * d) / 1000; i++) p.recordIngest();
        time.advance(d);
      },
    });
    for (let i = 0; i < 400; i++) p.recordIngest();
    const waited = await p.waitForIngest();
    expect(waited).toBeGreaterThanOrEqual(2_000);
    expect(waited).toBeLessThan(2_100);
    expect(p.rate()).toBeGreaterThan(100);
    expect(p.shouldDefer()).toBe(false);
    // Once the burst ends, the next one gets its own deferral again.
    time.advance(2_000);
    expect(p.shouldDefer()).toBe(false);
    for (let i = 0; i < 400; i++) p.recordIngest();
    expect(p.shouldDefer()).toBe(true);
  });

  it('0 turns it off', () => {
    const p = new IngestPriority({ ratePerSecond: 0, maxDeferMs: 30_000, ...fakeTime() });
    for (let i = 0; i < 10_000; i++) p.recordIngest();
    expect(p.shouldDefer()).toBe(false);
  });

  it('runs one processing per workspace at a time; a second caller asks it for one more round instead', async () => {
    const p = new IngestPriority({ ratePerSecond: 100, maxDeferMs: 30_000, ...fakeTime() });
    const rounds: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = p.exclusive('ws1', async () => {
      rounds.push('ws1');
      if (rounds.length === 1) await gate;
    });
    const second = p.exclusive('ws1', async () => {
      rounds.push('never: coalesced into the running one');
    });
    const other = p.exclusive('ws2', async () => {
      rounds.push('ws2');
    });
    await second;
    await other;
    release();
    await first;
    // ws1 ran twice: its own round, and the one the second caller asked for.
    expect(rounds).toEqual(['ws1', 'ws2', 'ws1']);
    await p.exclusive('ws1', async () => {
      rounds.push('ws1 again');
    });
    expect(rounds.at(-1)).toBe('ws1 again');
  });
});
