/**
 * One claimed job while a worker holds it: its `JobContext`, whether it still belongs to the worker, and its metric
 * children. Kept apart from the worker loop because it is the per-job hot path: at tens of thousands of jobs per
 * second, allocating a child logger and an AbortController for every job (most handlers use neither) cost more than
 * running a no-op job. Both are created on first use instead; a job aborted before its handler asked for the signal
 * gets an already-aborted one.
 */
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import type { JobContext } from './job-catalog.js';
import type { QueueMetrics } from './queue.metrics.js';
import type { ClaimedJob } from './job-store.js';

const SETTLED: Promise<void> = Promise.resolve();

export class JobRun implements JobContext {
  readonly jobId: string;
  readonly attempt: number;
  /** Set when the job no longer belongs to us (released on shutdown or lease lost): its outcome is dropped. */
  disowned = false;
  /** Settles when the handler has finished and its outcome is buffered or written. */
  done: Promise<void> = SETTLED;
  #logger: Logger | null = null;
  #controller: AbortController | null = null;

  constructor(
    readonly job: ClaimedJob,
    private readonly workerLogger: Logger,
    readonly clock: Clock,
  ) {
    this.jobId = String(job.id);
    this.attempt = job.attempts;
  }

  /** Child logger carrying `job_id`, `job_name` and `workspace_id` (when the payload has one). */
  get logger(): Logger {
    return (this.#logger ??= this.workerLogger.child(logContext(this.job)));
  }

  get signal(): AbortSignal {
    return (this.#controller ??= new AbortController()).signal;
  }

  /** Drops the job's outcome and aborts its signal (whether or not the handler has asked for it yet). */
  disown(reason: Error): void {
    this.disowned = true;
    (this.#controller ??= new AbortController()).abort(reason);
  }
}

/** Label-bound metric children per job name: prom-client hashes a label object on every call otherwise. */
export interface JobMetrics {
  attempt(): void;
  observeCompleted(seconds: number): void;
}

export function createJobMetricsCache(metrics: QueueMetrics): (name: string) => JobMetrics {
  const byName = new Map<string, JobMetrics>();
  return (name) => {
    let m = byName.get(name);
    if (!m) {
      const attempts = metrics.attempts.labels(name);
      const completed = metrics.jobDuration.labels(name, 'completed');
      m = { attempt: () => attempts.inc(), observeCompleted: (s) => completed.observe(s) };
      byName.set(name, m);
    }
    return m;
  };
}

function logContext(job: ClaimedJob): Record<string, unknown> {
  const p = job.payload;
  const workspaceId =
    p !== null && typeof p === 'object' && 'workspaceId' in p && typeof p.workspaceId === 'string'
      ? p.workspaceId
      : undefined;
  return {
    job_id: String(job.id),
    job_name: job.name,
    ...(workspaceId ? { workspace_id: workspaceId } : {}),
  };
}
