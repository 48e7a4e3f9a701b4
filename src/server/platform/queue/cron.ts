/**
 * Cron tick arithmetic (croner, IANA zones), pure so it can be tested with fixed instants.
 *
 * Catch-up rule: after downtime only the most recent missed tick fires — a daily digest missed for five days is
 * sent once, not five times. The first time an entry is seen nothing fires; its baseline is "now".
 */
import { Cron } from 'croner';

export interface CronSpec {
  cron: string;
  /** IANA zone, e.g. `Europe/Paris`; the pattern is read in local time there (DST included). */
  timezone: string;
}

function parse(spec: CronSpec): Cron {
  return new Cron(spec.cron, { timezone: spec.timezone, paused: true });
}

/** Throws a descriptive error for a bad pattern or zone (call at startup). */
export function validateCronSpec(spec: CronSpec): void {
  try {
    if (!Intl.supportedValuesOf('timeZone').includes(spec.timezone) && spec.timezone !== 'UTC') {
      throw new Error(`unknown time zone "${spec.timezone}"`);
    }
    parse(spec);
  } catch (e) {
    throw new Error(`invalid cron entry "${spec.cron}" (${spec.timezone}): ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/**
 * The tick that should fire now: the latest tick `t` with `lastFiredAt < t <= now`, or null when none is due
 * (or when `lastFiredAt` is null: a new entry starts from now and fires nothing retroactively).
 */
export function computeDueTick(spec: CronSpec, lastFiredAt: Date | null, now: Date): Date | null {
  if (lastFiredAt === null) return null;
  // previousRuns is exclusive of its reference; +1 ms makes a tick exactly at `now` count as due.
  const [latest] = parse(spec).previousRuns(1, new Date(now.getTime() + 1));
  if (!latest || latest.getTime() <= lastFiredAt.getTime()) return null;
  return latest;
}

/** The first tick strictly after `after`, or null when the pattern never fires again. */
export function computeNextTick(spec: CronSpec, after: Date): Date | null {
  return parse(spec).nextRun(after);
}
