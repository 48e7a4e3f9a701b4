/** Timing helpers: wall-clock throughput and per-operation latency percentiles. */
import { performance } from 'node:perf_hooks';

export interface Measurement {
  /** Operations completed (jobs, transactions). */
  count: number;
  ms: number;
  perSecond: number;
  p50Ms?: number;
  p99Ms?: number;
  /** True when the run hit its time budget before finishing all operations (slow configurations). */
  capped?: boolean;
}

/** Nearest-rank percentile of an ascending-sorted list. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function summarize(count: number, ms: number, latencies?: number[], capped = false): Measurement {
  const m: Measurement = { count, ms: round(ms), perSecond: Math.round((count / ms) * 1000) };
  if (latencies && latencies.length) {
    const sorted = [...latencies].sort((a, b) => a - b);
    m.p50Ms = round(percentile(sorted, 50));
    m.p99Ms = round(percentile(sorted, 99));
  }
  if (capped) m.capped = true;
  return m;
}

/**
 * Runs `op(i)` for i in [0, total) with at most `concurrency` in flight, timing each call.
 * Returns the throughput and latency of the whole run.
 */
export async function runOperations(
  total: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<Measurement> {
  const latencies: number[] = new Array(total);
  let next = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    for (let i = next++; i < total; i = next++) {
      const t = performance.now();
      await op(i);
      latencies[i] = performance.now() - t;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  return summarize(total, performance.now() - started, latencies);
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it became true. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 20,
): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (performance.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export const now = (): number => performance.now();

function round(ms: number): number {
  return Math.round(ms * 100) / 100;
}
