/**
 * What the queue bench needs from each system under test (ours, pg-boss, graphile-worker). Each adapter owns its
 * own scratch database and speaks only that system's public API (plus plain SQL for counting and resetting).
 *
 * Terminology:
 * - system: one queue implementation on one database (e.g. "ours on PGlite (file)").
 * - variant: one worker configuration of a system (e.g. pg-boss default vs tuned batchSize/polling).
 */

/** The payload every bench job carries; `t` is the enqueue time (epoch ms) for pickup-latency runs. */
export interface BenchPayload {
  i: number;
  t?: number;
}

export type JobCallback = (payload: BenchPayload) => void;

export interface WorkerVariant {
  /** Short label for the table, e.g. "tuned (batchSize 100, poll 0.5 s)". */
  label: string;
  /**
   * Starts workers running `concurrency` jobs at once with a no-op handler that calls `onJob`; resolves when they
   * are started. Returns a function that stops them.
   */
  start(queue: string, concurrency: number, onJob: JobCallback): Promise<() => Promise<void>>;
}

export interface QueueSystem {
  /** e.g. "pg-boss 10.4.2 (PostgreSQL)". */
  readonly label: string;
  /** Anchor systems are measured on PostgreSQL only; targets compare ours with their best variant. */
  readonly anchor: boolean;
  /** One job per transaction. */
  enqueueOne(queue: string, payload: BenchPayload): Promise<void>;
  /** `payloads.length` jobs in one statement. */
  enqueueMany(queue: string, payloads: BenchPayload[]): Promise<void>;
  /** A domain row insert (bench_orders) plus the enqueue of one job, in one transaction. */
  enqueueWithOrder(queue: string, payload: BenchPayload): Promise<void>;
  /** Jobs of `queue` not yet completed, read from the database (completion is what counts, not handler calls). */
  countUnfinished(queue: string): Promise<number>;
  /** Deletes every job and order, so each scenario starts on an empty queue. */
  reset(): Promise<void>;
  readonly variants: WorkerVariant[];
  close(): Promise<void>;
}

/** The domain table used by the outbox scenario; created in each system's database. */
export const ORDERS_DDL = `CREATE TABLE IF NOT EXISTS bench_orders (
  id bigserial PRIMARY KEY,
  n integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;
