/**
 * A steady request rate from autocannon, spread over the second instead of sent in one burst at its start.
 *
 * Why not `autocannon({ connections: 50, overallRate: 2000 })`: autocannon 9's rate limit lets each connection send
 * its share of the second's requests back to back and then pause until its one-second timer fires again
 * (`lib/httpClient.js`, `reqsMadeThisSecond`). All 50 connections start together, so every second begins with
 * 2,000 requests from 50 connections in a closed loop and ends idle: the server sees a burst at its maximum rate,
 * not 2,000/s. Its coordinated-omission correction then records each response with an expected interval of
 * `Math.ceil(1 / rate)` — 1 ms, whatever the rate — so a 100 ms response also adds 99 made-up samples. Together they
 * put a bare `node:http` server on this box at p99 100–250 ms (the floor row of the bench shows the honest figure).
 *
 * What this does instead: `instances` single-connection autocannon runs of `rate / instances` requests/s each,
 * started `1000 / instances` ms apart, so their one-second cycles are staggered evenly across the second. Latency
 * comes from autocannon's own per-response timing; the corrected p99 adds the missed samples with each
 * connection's real interval (`instances / rate` s), which is what a sender that kept its schedule would have seen.
 */
import autocannon from 'autocannon';
import { percentile } from '../support/measure.js';

export interface PacedLoadOptions {
  url: string;
  rate: number;
  durationS: number;
  /** Single-connection autocannon runs; 50 at 2,000/s sends bursts of 40 per connection per second. */
  instances?: number;
  /** Builds each request (a fresh body and its signature). */
  request: () => { body: string; headers: Record<string, string> };
}

export interface PacedLoadResult {
  sent: number;
  perSecond: number;
  ok: number;
  fiveXx: number;
  non2xx: number;
  errors: number;
  latency: { p50: number; p90: number; p99: number; p999: number; max: number };
  /** p99 with the samples a stalled connection could not send added back (coordinated omission). */
  correctedP99: number;
  /** p99 of the responses to requests sent in each second of the run. */
  p99BySecond: number[];
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function pacedLoad(opts: PacedLoadOptions): Promise<PacedLoadResult> {
  const instances = opts.instances ?? 50;
  const perInstance = opts.rate / instances;
  const intervalMs = 1000 / perInstance;
  const latencies: number[] = [];
  const corrected: number[] = [];
  const bySecond: number[][] = [];
  const started = performance.now();
  const runs: Promise<autocannon.Result>[] = [];
  for (let i = 0; i < instances; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000 / instances));
    const run = autocannon({
      url: opts.url,
      method: 'POST',
      connections: 1,
      overallRate: perInstance,
      duration: opts.durationS,
      ignoreCoordinatedOmission: true,
      requests: [{ setupRequest: (req) => ({ ...req, ...opts.request() }) }],
    });
    run.on('response', (_client, _status, _bytes, ms) => {
      latencies.push(ms);
      corrected.push(ms);
      for (let missed = ms - intervalMs; missed > 0; missed -= intervalMs) corrected.push(missed);
      const second = Math.floor((performance.now() - ms - started) / 1000);
      (bySecond[second] ??= []).push(ms);
    });
    runs.push(run);
  }
  const results = await Promise.all(runs);
  const sum = (f: (r: autocannon.Result) => number) => results.reduce((n, r) => n + f(r), 0);
  const sorted = latencies.sort((a, b) => a - b);
  const sent = sum((r) => r.requests.total);
  return {
    sent,
    perSecond: Math.round(sent / opts.durationS),
    ok: sum((r) => r['2xx']),
    fiveXx: sum((r) => r['5xx']),
    non2xx: sum((r) => r.non2xx),
    errors: sum((r) => r.errors + r.timeouts),
    latency: {
      p50: round1(percentile(sorted, 50)),
      p90: round1(percentile(sorted, 90)),
      p99: round1(percentile(sorted, 99)),
      p999: round1(percentile(sorted, 99.9)),
      max: round1(sorted[sorted.length - 1] ?? NaN),
    },
    correctedP99: round1(
      percentile(
        corrected.sort((a, b) => a - b),
        99,
      ),
    ),
    p99BySecond: Array.from(bySecond, (s) =>
      s
        ? round1(
            percentile(
              s.sort((a, b) => a - b),
              99,
            ),
          )
        : 0,
    ),
  };
}
