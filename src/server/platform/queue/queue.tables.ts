/** Kysely table types for the queue area; follow migrations/0002_queue.sql. */
import type { ColumnType, Generated } from 'kysely';

export const JOB_STATES = ['pending', 'blocked', 'running', 'completed', 'dead', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** One failed attempt, as kept in `jobs.errors` and `jobs.last_error`. */
export interface JobAttemptError {
  attempt: number;
  /** ISO time of the failure. */
  at: string;
  message: string;
  /** The error's class name (`TypeError`, `ConnectorError`, `LeaseExpired` …). */
  class: string;
  /** Trimmed to ~2 KB. */
  stack: string | null;
}

type Json<T> = ColumnType<T, string, string>;

export interface QueueTables {
  jobs: {
    id: Generated<number>;
    name: string;
    payload: Json<unknown>;
    state: Generated<JobState>;
    priority: Generated<number>;
    run_at: Generated<Date>;
    attempts: Generated<number>;
    max_attempts: number;
    lease_ms: number;
    locked_by: string | null;
    locked_until: Date | null;
    dedupe_key: string | null;
    ordering_key: string | null;
    last_error: Json<JobAttemptError | null>;
    errors: ColumnType<JobAttemptError[], string | undefined, string>;
    created_at: Generated<Date>;
    completed_at: Date | null;
  };
  job_lanes: {
    key: string;
    depth: number;
  };
  queue_workers: {
    id: string;
    host: string;
    pid: number;
    started_at: Date;
    heartbeat_at: Date;
  };
  cron_state: {
    name: string;
    last_fired_at: Date;
  };
}
