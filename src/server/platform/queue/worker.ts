/**
 * The worker: claims due jobs in batches, runs handlers with bounded concurrency, and writes outcomes cheaply.
 *
 * - Claims are pipelined: the next one starts when the local queue is down to half its target (two may be in flight
 *   on PostgreSQL), so handlers do not wait for a claim's round trip (ADR 0002, "Local queue").
 * - Completions are buffered and flushed as one `UPDATE … WHERE id = ANY($1)` per flush; a flush starts as soon as
 *   the previous one ends, so batching adapts to load without a timer.
 * - A heartbeat (every `heartbeatMs`) extends the leases of in-flight jobs, touches the `queue_workers` row and
 *   reclaims jobs whose lease expired (their worker died). A job whose lease this worker lost is aborted.
 * - Idle workers sleep until NOTIFY (`switchboard_jobs`, sent by a statement trigger on insert), a freed slot, or
 *   the poll interval (delayed jobs and retries become due without any notification).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { runInBackground, type Db } from '../db/index.js';
import type { Logger } from '../logger.js';
import { systemClock, type Clock } from '../clock.js';
import type { JobCatalog, ResolvedJobDefinition } from './job-catalog.js';
import type { QueueMetrics } from './queue.metrics.js';
import { computeRetryDelayMs, trimStack } from './backoff.js';
import { isRetryAfterError } from './retry-after-error.js';
import {
  claimJobsPrepared,
  completeJobs,
  extendLeases,
  failJob,
  reclaimExpiredJobs,
  refreshQueueStatistics,
  releaseJobs,
  type ClaimedJob,
} from './job-store.js';
import { registerQueueWorker, removeQueueWorker, touchQueueWorker } from './queue-workers.repo.js';
import type { JobAttemptError } from './queue.tables.js';
import { JobRun, createJobMetricsCache, type JobMetrics } from './job-run.js';

export const JOBS_CHANNEL = 'switchboard_jobs';
/** Embedded only: refresh planner statistics every this many heartbeats (about a minute at the default 5 s). */
const ANALYZE_EVERY_BEATS = 12;
const PREFETCH_SECONDS = 1;
const RATE_WINDOW_MS = 50;

export interface WorkerOptions {
  db: Db;
  catalog: JobCatalog;
  logger: Logger;
  clock?: Clock;
  metrics?: QueueMetrics;
  /** Handlers running at once in this worker (default 10). */
  concurrency?: number;
  /**
   * Cap on jobs this worker holds claimed at once — running plus claimed-and-waiting in its local queue — and so on
   * the largest claim statement (default max(concurrency, 500)). Within the cap the worker holds about one second of
   * work at its measured rate (never less than `concurrency`): fast jobs are claimed in big batches, slow jobs are
   * not hoarded away from other nodes. Waiting jobs keep their lease (heartbeat extends it) and are released
   * untouched on stop.
   */
  batchSize?: number;
  /** Lease extension, reclaim sweep and liveness interval (default 5 s). */
  heartbeatMs?: number;
  /** Fallback polling when no NOTIFY arrives (default 1 s). */
  pollMs?: number;
  /** Jitter source; tests pass a fixed one. */
  random?: () => number;
  workerId?: string;
}

export interface Worker {
  readonly id: string;
  /** Registers the worker, subscribes to wake-ups and starts the claim loop and heartbeat. */
  start(): Promise<void>;
  /**
   * Stops claiming, lets in-flight jobs finish for up to `graceMs`, then aborts and releases the rest (lock cleared,
   * attempt not counted). Resolves when everything is written.
   */
  stop(graceMs?: number): Promise<void>;
  /** Claims one batch (up to `batchSize`) and waits for all of it to finish; returns how many ran. Tests and CLI. */
  runOnce(): Promise<number>;
  /** `runOnce` until nothing is due; returns how many jobs ran. */
  drain(): Promise<number>;
  /** One heartbeat now: liveness row, lease extension, reclaim sweep. */
  heartbeat(): Promise<void>;
  lastHeartbeatAt(): Date | null;
  inFlight(): number;
}

export function createWorker(opts: WorkerOptions): Worker {
  const db = opts.db;
  const clock = opts.clock ?? systemClock;
  const concurrency = opts.concurrency ?? 10;
  const batchSize = Math.max(1, opts.batchSize ?? Math.max(concurrency, 500), concurrency);
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const pollMs = opts.pollMs ?? 1_000;
  const random = opts.random ?? Math.random;
  const id = opts.workerId ?? randomUUID();
  const logger = opts.logger.child({ worker_id: id });
  const names = [...opts.catalog.definitions.keys()];
  const running = new Map<number, JobRun>();
  const metrics = opts.metrics;
  const metricsFor: ((name: string) => JobMetrics) | null = metrics ? createJobMetricsCache(metrics) : null;
  /** Claimed, not yet started (the local queue); their leases are held and extended like running ones. */
  let waiting: ClaimedJob[] = [];
  // Measured completion rate (jobs/s, smoothed), which sizes the local queue to ~PREFETCH_SECONDS of work.
  let finishedInWindow = 0;
  let windowStart = performance.now();
  let ratePerSec = 0;
  let target = concurrency;
  const targetHeld = (): number => {
    const now = performance.now();
    const elapsed = now - windowStart;
    if (elapsed >= RATE_WINDOW_MS) {
      const r = (finishedInWindow * 1000) / elapsed;
      ratePerSec = ratePerSec === 0 ? r : (ratePerSec + r) / 2;
      finishedInWindow = 0;
      windowStart = now;
      target = Math.max(concurrency, Math.min(batchSize, Math.round(ratePerSec * PREFETCH_SECONDS)));
    }
    return target;
  };
  /**
   * Whether the loop should claim more now: a claim slot is free, the local queue (counting jobs already asked
   * for) is down to its low-water mark (half the target, at least `concurrency`), so the next claim is in flight
   * while the remaining jobs run, and there is room under the target. Cheap, because every finishing job asks it.
   */
  const wantsClaim = (): boolean =>
    claims.size < maxClaimsInFlight &&
    waiting.length + claimingFor <= Math.max(concurrency, target >> 1) &&
    running.size + waiting.length + claimingFor < target;
  /**
   * Claims in flight, and how many jobs they asked for. On PostgreSQL two overlap (SKIP LOCKED keeps their batches
   * disjoint), so one claim's round trip and row updates hide behind the other's; PGlite has one connection, where
   * a second claim would only queue in front of completions.
   */
  const maxClaimsInFlight = db.kind === 'postgres' ? 2 : 1;
  const claims = new Set<Promise<void>>();
  let claimingFor = 0;
  /** Set when the last claim came back short: finishing jobs then do not trigger claims, NOTIFY or the poll does. */
  let idle = false;
  /** NOTIFYs received so far; a claim compares it before and after (see claimBatch). */
  let notifications = 0;

  let started = false;
  let stopping = false;
  let loopDone: Promise<void> = Promise.resolve();
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let heartbeatRunning: Promise<void> | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let lastBeat: Date | null = null;
  let beats = 0;

  // Wake-up: a single sleeper resolved by NOTIFY, a finished job, or the poll timer. A wake with no sleeper is
  // remembered, so a job finishing between a claim and the next sleep is not lost.
  let wakeUp: (() => void) | null = null;
  let wokenEarly = false;
  const wake = () => {
    const w = wakeUp;
    wakeUp = null;
    if (w) w();
    else wokenEarly = true;
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (wokenEarly) {
        wokenEarly = false;
        resolve();
        return;
      }
      const t = setTimeout(() => wake(), ms);
      wakeUp = () => {
        clearTimeout(t);
        resolve();
      };
    });

  // Buffered completions, flushed one statement at a time.
  let completed: ClaimedJob[] = [];
  let flushing: Promise<void> | null = null;
  const flush = (): Promise<void> => {
    if (flushing) return flushing;
    // Checked first: with nothing to write the body below would finish synchronously, before `flushing` is set.
    if (!completed.length) return Promise.resolve();
    flushing = (async () => {
      try {
        while (completed.length) {
          const batch = completed;
          completed = [];
          const ids: number[] = [];
          const laneIds: number[] = [];
          for (const j of batch) (j.ordering_key === null ? ids : laneIds).push(j.id);
          await completeJobs(db, { workerId: id, ids, laneIds, now: clock.now() }).catch((e: unknown) => {
            // The jobs stay running under our lease; if it lapses they are reclaimed and run again (at least once).
            logger.error({ err: e, jobs: batch.length }, 'failed to record job completions');
          });
        }
      } finally {
        flushing = null;
      }
    })();
    return flushing;
  };

  // Completions finishing in the same event-loop turn share one statement.
  let flushScheduled = false;
  const runScheduledFlush = () => {
    flushScheduled = false;
    void flush();
  };
  const scheduleFlush = () => {
    if (flushScheduled || flushing || !completed.length) return;
    flushScheduled = true;
    setImmediate(runScheduledFlush);
  };

  async function recordFailure(
    job: ClaimedJob,
    def: ResolvedJobDefinition,
    e: unknown,
  ): Promise<'retry' | 'dead'> {
    const error = describeError(e, job.attempts, clock.now());
    const retryAfterMs = isRetryAfterError(e) ? e.retryAfterMs : null;
    const exhausted = job.attempts >= job.max_attempts;
    const retryAt = exhausted
      ? null
      : new Date(clock.nowMs() + computeRetryDelayMs(job.attempts, def.retry, retryAfterMs, random));
    await failJob(db, { workerId: id, id: job.id, orderingKey: job.ordering_key, error, retryAt });
    return exhausted ? 'dead' : 'retry';
  }

  function startJob(job: ClaimedJob): void {
    const run = new JobRun(job, logger, clock);
    running.set(job.id, run);
    run.done = runJob(run);
  }

  async function runJob(run: JobRun): Promise<void> {
    const job = run.job;
    const def = opts.catalog.definitions.get(job.name)!;
    const m = metricsFor?.(job.name);
    m?.attempt();
    const startedAt = metrics ? performance.now() : 0;
    let outcome = 'completed';
    try {
      // Parsed again on this side: enqueue validated the input, but the handler gets the schema's output
      // (defaults, transforms), and rows may predate a schema change.
      const payload = def.payload.parse(job.payload);
      await def.handler(payload, run);
      if (!run.disowned) completed.push(job);
    } catch (e) {
      if (run.disowned) {
        outcome = 'released';
      } else {
        metrics?.failures.inc({ name: job.name });
        try {
          outcome = await recordFailure(job, def, e);
          if (outcome === 'dead') metrics?.dead.inc({ name: job.name });
          run.logger[outcome === 'dead' ? 'error' : 'warn'](
            { err: e, attempt: job.attempts },
            `job ${outcome === 'dead' ? 'dead' : 'failed, will retry'}`,
          );
        } catch (writeError) {
          outcome = 'unrecorded';
          run.logger.error(
            { err: writeError },
            'failed to record job failure; the lease will expire and it reruns',
          );
        }
      }
    } finally {
      if (metrics) {
        const seconds = (performance.now() - startedAt) / 1000;
        if (outcome === 'completed') m?.observeCompleted(seconds);
        else metrics.jobDuration.observe({ name: job.name, outcome }, seconds);
      }
      running.delete(job.id);
      finishedInWindow++;
      scheduleFlush();
      pump();
      // Wake the claim loop only when it has something to do: waking it per job cost a timer per job.
      if (!idle && wantsClaim()) wake();
    }
  }

  /** Starts waiting jobs while slots are free. */
  function pump(): void {
    while (!stopping && running.size < concurrency && waiting.length) startJob(waiting.shift()!);
  }

  async function claimBatch(cap: number): Promise<ClaimedJob[]> {
    const limit = cap - running.size - waiting.length - claimingFor;
    if (names.length === 0) idle = true;
    if (limit <= 0 || names.length === 0) return [];
    claimingFor += limit;
    const notifiedBefore = notifications;
    try {
      const jobs = await claimJobsPrepared(db, { workerId: id, names, now: clock.now(), limit });
      // A short batch means nothing more is due, unless a NOTIFY arrived while this claim was in flight: its jobs
      // may have committed after the claim's snapshot, and with claims running beside the loop that wake-up has
      // already been spent (the loop saw the claim in flight and went back to sleep).
      idle = jobs.length < limit && notifiedBefore === notifications;
      // Slow start: a full batch landing while handler slots sat empty means the local queue is too short for
      // this rate. Doubling now reaches full batches within a few claims instead of after the first rate window
      // (each window spent claiming `concurrency` jobs at a time cost ~10% of a 20k-job run); the measured rate
      // takes over again at the next window, so slow jobs are not hoarded.
      if (jobs.length === limit && running.size < concurrency) target = Math.min(batchSize, target * 2);
      waiting.push(...jobs);
      return jobs;
    } finally {
      claimingFor -= limit;
    }
  }

  /** Starts a claim without waiting for it; the loop goes on to start another or to sleep. */
  function startClaim(): void {
    const claim: Promise<void> = claimBatch(target)
      .then(
        () => pump(),
        (e: unknown) => {
          logger.error({ err: e }, 'claiming jobs failed');
          idle = true;
        },
      )
      .finally(() => {
        claims.delete(claim);
        if (!idle) wake();
      });
    claims.add(claim);
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      targetHeld();
      if (wantsClaim()) startClaim();
      if (stopping) break;
      // Sleep until NOTIFY, the poll, a finished claim, or a finishing job that brings the local queue down to its
      // low-water mark.
      if (idle || !wantsClaim()) await sleep(pollMs);
    }
    // stop() releases the local queue next: claims still in flight must have landed in it first.
    await Promise.all(claims);
  }

  async function heartbeat(): Promise<void> {
    heartbeatRunning ??= (async () => {
      try {
        const now = clock.now();
        await touchQueueWorker(db.kysely, id, now);
        const ids = [...running.keys(), ...waiting.map((j) => j.id)];
        const held = await extendLeases(db.kysely, { workerId: id, ids, now });
        // Only drop waiting jobs that were asked about: jobs claimed while extendLeases ran are not in `ids`
        // and are still ours.
        const asked = new Set(ids);
        waiting = waiting.filter((j) => !asked.has(j.id) || held.has(j.id));
        for (const jobId of ids) {
          const entry = running.get(jobId);
          if (entry && !held.has(jobId)) {
            entry.disown(new Error('lease lost: the job was reclaimed by another worker'));
            logger.warn({ job_id: jobId }, 'lease lost; aborting job');
          }
        }
        await reclaimExpiredJobs(db, { now });
        if (++beats % ANALYZE_EVERY_BEATS === 0) await refreshQueueStatistics(db);
        lastBeat = now;
      } catch (e) {
        logger.error({ err: e }, 'worker heartbeat failed');
      } finally {
        heartbeatRunning = null;
      }
    })();
    return heartbeatRunning;
  }

  return {
    id,
    async start() {
      if (started) throw new Error('worker already started');
      started = true;
      const now = clock.now();
      await registerQueueWorker(db.kysely, {
        id,
        host: hostname(),
        pid: process.pid,
        started_at: now,
        heartbeat_at: now,
      });
      lastBeat = now;
      await refreshQueueStatistics(db);
      unlisten = await db.listen(JOBS_CHANNEL, () => {
        notifications++;
        idle = false;
        wake();
      });
      // Jobs, claims and heartbeats are background work: HTTP requests go first on the embedded database.
      heartbeatTimer = runInBackground(() => setInterval(() => void heartbeat(), heartbeatMs));
      heartbeatTimer.unref();
      loopDone = runInBackground(() => loop());
      logger.info({ concurrency, batchSize, jobs: names.length }, 'worker started');
    },
    async stop(graceMs = 10_000) {
      if (stopping) return;
      stopping = true;
      wake();
      await loopDone;
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      await heartbeatRunning;
      // Claimed but never started: hand back at once so other workers can take them during our grace period.
      const unstarted = waiting.map((j) => j.id);
      waiting = [];
      await releaseJobs(db.kysely, { workerId: id, ids: unstarted });
      const inFlight = [...running.values()];
      if (inFlight.length) {
        let timer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), graceMs)));
        await Promise.race([Promise.all(inFlight.map((r) => r.done)), graceOver]);
        clearTimeout(timer);
      }
      const leftover = [...running.values()];
      for (const r of leftover) {
        r.disown(new Error('worker shutting down'));
      }
      await flush();
      const released = await releaseJobs(db.kysely, { workerId: id, ids: leftover.map((r) => r.job.id) });
      if (released || unstarted.length)
        logger.warn({ released, unstarted: unstarted.length }, 'released jobs on shutdown');
      await unlisten?.();
      if (started) await removeQueueWorker(db.kysely, id);
      logger.info('worker stopped');
    },
    async runOnce() {
      const batch = await claimBatch(batchSize);
      pump();
      // Finishing jobs start the waiting ones (pump in startJob's finally); wait until all have run.
      while (running.size) await Promise.race([...running.values()].map((r) => r.done));
      await flush();
      return batch.length;
    },
    async drain() {
      let total = 0;
      for (let n = await this.runOnce(); n > 0; n = await this.runOnce()) total += n;
      return total;
    },
    heartbeat,
    lastHeartbeatAt: () => lastBeat,
    inFlight: () => running.size,
  };
}

function describeError(e: unknown, attempt: number, at: Date): JobAttemptError {
  const err = e instanceof Error ? e : new Error(typeof e === 'string' ? e : JSON.stringify(e));
  return {
    attempt,
    at: at.toISOString(),
    message: err.message.slice(0, 2_000),
    class: err.constructor?.name && err.constructor.name !== 'Object' ? err.constructor.name : err.name,
    stack: trimStack(err.stack),
  };
}
