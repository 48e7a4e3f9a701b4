/**
 * An open-loop load generator: requests start on a fixed schedule (i / rate), whether or not earlier ones finished,
 * so a slow server shows up as latency instead of silently lowering the rate (no coordinated omission). Latency is
 * measured from each request's scheduled start.
 */
import { now, sleep } from '../support/measure.js';

export interface OpenLoopResult {
  scheduled: number;
  ok: number;
  errors: number;
  /** ms from scheduled start to response, successful requests only. */
  latencies: number[];
  /** ms the generator itself started requests late (timer jitter), p99. */
  lateP99Ms: number;
  achievedPerSecond: number;
  maxInFlight: number;
}

export async function runOpenLoop(
  rate: number,
  durationMs: number,
  send: (i: number) => Promise<boolean>,
): Promise<OpenLoopResult> {
  const total = Math.round((rate * durationMs) / 1000);
  const interval = 1000 / rate;
  const latencies: number[] = [];
  const late: number[] = [];
  let ok = 0;
  let errors = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const pending: Promise<void>[] = [];
  const start = now() + 5;
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - now();
    if (wait > 1) await sleep(wait - 0.5);
    while (now() < due) {
      // Busy-wait the last half millisecond: setTimeout alone is too coarse for a 5 ms schedule.
    }
    late.push(now() - due);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    pending.push(
      send(i).then(
        (success) => {
          inFlight--;
          if (success) {
            ok++;
            latencies.push(now() - due);
          } else errors++;
        },
        () => {
          inFlight--;
          errors++;
        },
      ),
    );
  }
  await Promise.all(pending);
  const elapsed = now() - start;
  late.sort((a, b) => a - b);
  return {
    scheduled: total,
    ok,
    errors,
    latencies,
    lateP99Ms: late[Math.floor(late.length * 0.99)] ?? 0,
    achievedPerSecond: Math.round((total / elapsed) * 1000),
    maxInFlight,
  };
}
