/**
 * `npm run bench -- content [--quick]`: the content workflow's latency figures on the embedded database, over HTTP
 * against a real server (createSwitchboard, listening on 127.0.0.1:0).
 *
 * (a) write latency p50/p95/p99 at a FIXED request rate (open loop, ≥ 200/s): content transitions (submit/reject
 *     cycles through the content module's routes), and for comparison a versioned catalog write (PATCH product
 *     with If-Match: row lock, version check, write, event, audit, outbox job) and a kernel write (POST
 *     /api/v1/events). Targets from the issue: seed < 100 ms, ours p99 < 10 ms.
 * (b) event → SSE client latency p50/p99 (append via the API, receive on /api/v1/events/stream). Target p99 < 50 ms.
 * (c) product change → all bundles updated, with 1,000 bundles (200 with --quick).
 */
import { describeHost, type Bench } from './support/bench.js';
import { printTable, writeResults } from './support/report.js';
import { spawnBenchTarget } from './content/bench-target.js';
import {
  measureEventWrites,
  measurePropagation,
  measureSseLatency,
  measureTransitions,
  measureVersionedWrites,
  toLatencyRow,
  type LatencyRow,
} from './content/content-scenarios.js';

const TARGET_WRITE_P99_MS = 10;
const TARGET_SSE_P99_MS = 50;

export const contentBench: Bench = {
  async run({ quick }) {
    const rate = 200;
    const durationMs = quick ? 3_000 : 15_000;
    const sseCount = quick ? 200 : 1_000;
    const bundles = quick ? 200 : 1_000;
    const runs = quick ? 1 : 3;
    const hostStart = describeHost();
    console.log(
      `content bench on ${hostStart.cpus}× ${hostStart.cpuModel}, node ${hostStart.node}, load ${hostStart.loadavg1m}`,
    );
    console.log('database: embedded PGlite, file-backed with the fsync hook (the default deployment)\n');

    // The server runs in a child process: the load generator must not share its event loop with the database.
    const server = await spawnBenchTarget();
    try {
      // Below saturation first (service time), then at the required fixed rate.
      const gentle = await measureTransitions(server, 50, durationMs);
      const transitions = await measureTransitions(server, rate, durationMs);
      const writes = await measureVersionedWrites(server, rate, durationMs);
      const events = await measureEventWrites(server, rate, durationMs);
      const latencyRows: LatencyRow[] = [
        toLatencyRow('POST /content/:id/transitions @ 50/s', gentle, gentle.achievedPerSecond),
        toLatencyRow(
          'POST /content/:id/transitions (submit/reject)',
          transitions,
          transitions.achievedPerSecond,
        ),
        toLatencyRow('PATCH /products/:id (If-Match, event, audit, job)', writes, writes.achievedPerSecond),
        toLatencyRow('POST /events (kernel write)', events, events.achievedPerSecond),
      ];
      const sse = await measureSseLatency(server, 100, sseCount);
      latencyRows.push(toLatencyRow('event → SSE client', sse, 100, `${sse.received}/${sseCount} received`));

      console.log(
        `(a) write latency at a fixed ${rate} requests/s (open loop, from scheduled start) and (b) SSE:`,
      );
      printTable(
        ['scenario', 'n', 'errors', 'rate/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'target'],
        latencyRows.map((r, i) => {
          const target = i < 4 ? TARGET_WRITE_P99_MS : TARGET_SSE_P99_MS;
          return [
            r.scenario,
            r.count,
            r.errors,
            r.ratePerSecond,
            r.p50Ms,
            r.p95Ms,
            r.p99Ms,
            r.maxMs,
            `${r.p99Ms < target ? 'PASS' : 'MISS'} p99 < ${target}`,
          ];
        }),
      );
      console.log(
        `generator: p99 start lateness ${writes.lateP99Ms.toFixed(2)} ms; max in flight ${transitions.maxInFlight} / ${writes.maxInFlight} / ${events.maxInFlight}\n`,
      );

      const propagation = await measurePropagation(server, bundles, runs);
      console.log(
        `(c) product change → all ${bundles} bundles updated (snapshot refreshed, bundle.updated on SSE):`,
      );
      printTable(
        ['run', 'bundles', 'PATCH ms', 'first bundle ms', 'all bundles ms', 'in-db ms', 'bundles/s'],
        propagation.map((r, i) => [
          String(i + 1),
          r.bundlesUpdated,
          r.responseMs,
          r.firstBundleMs,
          r.allBundlesMs,
          r.dbMs,
          Math.round((r.bundlesUpdated / r.allBundlesMs) * 1000),
        ]),
      );
      const hostEnd = describeHost();
      console.log(`\nload average at end: ${hostEnd.loadavg1m}`);
      const path = writeResults('content', {
        quick,
        host: { start: hostStart, end: hostEnd },
        latency: latencyRows,
        propagation,
      });
      console.log(`results: ${path}`);
    } finally {
      await server.stop();
    }
  },
};
