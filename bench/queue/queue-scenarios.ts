/**
 * The queue bench scenarios, each run the same way against every system: enqueue throughput (one job per
 * transaction, and batched), outbox transactions, processing throughput and pickup latency.
 *
 * Processing counts a job as done when its completion is committed (read back from the database), not when the
 * handler returns: pg-boss completes without awaiting, and graphile-worker can batch completions.
 */
import { now, runOperations, sleep, summarize, waitUntil, type Measurement } from '../support/measure.js';
import type { BenchPayload, QueueSystem, WorkerVariant } from './queue-system.js';

/** Queue (job) names used by the scenarios; every system creates/knows all of them up front. */
export const BENCH_QUEUES = {
  enqueueOne: 'bench.enqueue_one',
  enqueueMany: 'bench.enqueue_many',
  outbox: 'bench.outbox',
  process: 'bench.process',
  pickup: 'bench.pickup',
} as const;

export interface ScenarioSizes {
  /** Jobs enqueued one per transaction. */
  single: number;
  /** Jobs enqueued with enqueueMany, in statements of `batchSize`. */
  batched: number;
  batchSize: number;
  /** Outbox transactions (order row + one job). */
  outbox: number;
  /** Jobs pre-enqueued and then processed. */
  processed: number;
  /** Callers in flight for the per-transaction scenarios, and worker concurrency. */
  concurrency: number;
  /** Processing stops here and reports what it finished (the slow anchor defaults would take an hour). */
  processBudgetMs: number;
  /** Jobs enqueued one at a time while workers are idle (each after the previous one started), and the mean gap. */
  pickupJobs: number;
  pickupGapMs: number;
}

export async function measureEnqueueOne(sys: QueueSystem, s: ScenarioSizes): Promise<Measurement> {
  await sys.reset();
  return runOperations(s.single, s.concurrency, (i) => sys.enqueueOne(BENCH_QUEUES.enqueueOne, { i }));
}

export async function measureEnqueueMany(sys: QueueSystem, s: ScenarioSizes): Promise<Measurement> {
  await sys.reset();
  const statements = Math.ceil(s.batched / s.batchSize);
  // Statements run one after another: this measures the statement itself, not parallelism.
  const m = await runOperations(statements, 1, (k) =>
    sys.enqueueMany(
      BENCH_QUEUES.enqueueMany,
      payloads(k * s.batchSize, Math.min(s.batchSize, s.batched - k * s.batchSize)),
    ),
  );
  // Per-statement latencies stay as they are; throughput is in jobs.
  return { ...m, count: s.batched, perSecond: Math.round((s.batched / m.ms) * 1000) };
}

export async function measureOutbox(sys: QueueSystem, s: ScenarioSizes): Promise<Measurement> {
  await sys.reset();
  return runOperations(s.outbox, s.concurrency, (i) => sys.enqueueWithOrder(BENCH_QUEUES.outbox, { i }));
}

/**
 * Pre-enqueues `processed` jobs, starts the variant's workers and times from the first handler call (worker
 * start-up is not throughput) until every completion is committed.
 */
export async function measureProcessing(
  sys: QueueSystem,
  variant: WorkerVariant,
  s: ScenarioSizes,
): Promise<Measurement> {
  const queue = BENCH_QUEUES.process;
  await sys.reset();
  for (let offset = 0; offset < s.processed; offset += s.batchSize) {
    await sys.enqueueMany(queue, payloads(offset, Math.min(s.batchSize, s.processed - offset)));
  }
  let handled = 0;
  let firstAt: number | null = null;
  const started = now();
  const stop = await variant.start(queue, s.concurrency, () => {
    firstAt ??= now();
    handled++;
  });
  const deadline = started + s.processBudgetMs;
  // Cheap in-process wait first, then read the database until the last completion is committed.
  await waitUntil(() => handled >= s.processed, s.processBudgetMs, 5);
  const finished = await waitUntil(
    async () => (await sys.countUnfinished(queue)) === 0,
    Math.max(0, deadline - now()),
    10,
  );
  const ms = now() - (firstAt ?? started);
  await stop();
  if (finished) return summarize(s.processed, ms);
  const done = s.processed - (await sys.countUnfinished(queue));
  return summarize(done, ms, undefined, true);
}

/**
 * With workers running and idle, enqueues one job, waits for its handler to start, pauses a short random gap (so
 * pollers are caught at every phase of their interval), and repeats; records enqueue → handler start. This is where
 * LISTEN/NOTIFY versus polling shows. Stops early at the time budget (slow pollers) and reports what it measured.
 */
export async function measurePickupLatency(
  sys: QueueSystem,
  variant: WorkerVariant,
  s: ScenarioSizes,
): Promise<Measurement> {
  const queue = BENCH_QUEUES.pickup;
  await sys.reset();
  const latencies: number[] = [];
  // `t` is this process's monotonic clock: enqueuer and handler share the process, so no clock skew.
  const stop = await variant.start(queue, s.concurrency, (p) => {
    if (p.t !== undefined) latencies.push(now() - p.t);
  });
  // Let the workers reach their idle wait before the first job.
  await sleep(200);
  const started = now();
  const deadline = started + s.processBudgetMs;
  let complete = true;
  for (let i = 0; i < s.pickupJobs && complete; i++) {
    await sys.enqueueOne(queue, { i, t: now() });
    complete = await waitUntil(() => latencies.length > i, Math.max(0, deadline - now()), 1);
    await sleep(s.pickupGapMs * (0.5 + Math.random()));
  }
  const ms = now() - started;
  await stop();
  return summarize(latencies.length, ms, latencies, !complete);
}

function payloads(from: number, count: number): BenchPayload[] {
  return Array.from({ length: count }, (_, k) => ({ i: from + k }));
}
