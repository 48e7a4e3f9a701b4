/**
 * Time is injected (DESIGN §10). Everything that reads the time takes a `Clock`; tests use `TestClock` to move
 * time forward without sleeping. All times are UTC `Date`s.
 */
export interface Clock {
  now(): Date;
  /** Milliseconds since the epoch; same source as `now()`. */
  nowMs(): number;
}

export const systemClock: Clock = {
  now: () => new Date(),
  nowMs: () => Date.now(),
};

/** A controllable clock for tests: time only moves when told to. */
export class TestClock implements Clock {
  private ms: number;
  constructor(start: Date | string | number = '2026-01-01T00:00:00.000Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  nowMs(): number {
    return this.ms;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError('TestClock cannot go backwards');
    this.ms += ms;
  }
  set(to: Date | string | number): void {
    this.ms = new Date(to).getTime();
  }
}
