/**
 * queue: the durable job queue on PostgreSQL / PGlite (DESIGN §2, ADR 0002).
 *
 * Terminology:
 * - job: one unit of background work, a row in `jobs` with a dotted `name` (`email.send`) and a JSON payload.
 * - catalog: the typed map name → { payload schema, handler, lease, retry, priority, ordering key } (`defineJobs`).
 * - enqueue: insert jobs on the caller's executor, inside its transaction (outbox); validated against the catalog.
 * - worker: claims due jobs in batches (`FOR UPDATE SKIP LOCKED`), runs their handlers with bounded concurrency,
 *   holds a lease (`locked_until`) extended by heartbeat, and completes/fails them in batches.
 * - lease: how long a claim stays valid without heartbeat; an expired lease makes the job claimable again and the
 *   lost attempt counts.
 * - lane: jobs sharing an ordering key; they run one at a time, in enqueue order.
 * - dead: a job whose attempts are exhausted; it keeps every attempt's error and can be retried by an operator.
 * - scheduler: fires cron entries (croner, IANA zones) under a leader lock; each tick enqueues once.
 */
export {
  defineJobs,
  mergeJobCatalogs,
  DEFAULT_LEASE_MS,
  DEFAULT_RETRY,
  type JobCatalog,
  type JobContext,
  type JobDefinition,
  type JobPayload,
  type JobSchemas,
  type RetryPolicy,
} from './job-catalog.js';
export {
  enqueue,
  enqueueMany,
  type EnqueueItem,
  type EnqueueOptions,
  type EnqueueResult,
} from './enqueue.js';
export { RetryAfterError, isRetryAfterError } from './retry-after-error.js';
export { computeBackoffMs, computeRetryDelayMs, isHeartbeatFresh } from './backoff.js';
export { createWorker, JOBS_CHANNEL, type Worker, type WorkerOptions } from './worker.js';
export { workerHeartbeatAge, listQueueWorkers, type QueueWorkerRow } from './queue-workers.repo.js';
export { workerReadinessCheck } from './worker-readiness.js';
export { createScheduler, type Scheduler, type SchedulerOptions, type CronEntry } from './scheduler.js';
export { computeDueTick, computeNextTick } from './cron.js';
export { createQueueMetrics, type QueueMetrics } from './queue.metrics.js';
export {
  getQueueStats,
  listJobs,
  getJob,
  retryDeadJob,
  retryAllDead,
  cancelJob,
  pruneCompletedJobs,
  VIEW_STATES,
  type JobViewState,
  type QueueStats,
  type JobSummary,
  type JobDetail,
  type ListJobsQuery,
} from './queue.service.js';
export { defineQueueMaintenanceJobs, QUEUE_PRUNE_CRON } from './queue.jobs.js';
export { registerQueueRoutes } from './queue.routes.js';
export { JOB_STATES, type JobState, type JobAttemptError } from './queue.tables.js';
