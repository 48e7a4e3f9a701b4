/**
 * Queue operations shared by HTTP, CLI and metrics: inspect, retry dead jobs, cancel.
 *
 * `scheduled` is not stored: it is a pending job whose `run_at` is in the future (delayed, or waiting out a retry
 * backoff). It is derived here so operators see the difference.
 */
import { sql } from 'kysely';
import type { Executor } from '../db/index.js';
import { inTransaction } from '../db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import { systemClock, type Clock } from '../clock.js';
import type { JobAttemptError, JobState } from './queue.tables.js';
import { advanceLanes, lockLanes } from './job-store.js';

export const VIEW_STATES = [
  'pending',
  'scheduled',
  'blocked',
  'running',
  'completed',
  'dead',
  'cancelled',
] as const;
export type JobViewState = (typeof VIEW_STATES)[number];

export interface QueueStats {
  counts: { name: string; state: JobViewState; count: number }[];
  /** Per name: age of the oldest job that is due and waiting. */
  oldestPending: { name: string; ageSeconds: number }[];
}

export interface JobSummary {
  id: string;
  name: string;
  state: JobViewState;
  priority: number;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  dedupeKey: string | null;
  orderingKey: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  lastError: JobAttemptError | null;
  createdAt: Date;
  completedAt: Date | null;
}

export interface JobDetail extends JobSummary {
  payload: unknown;
  /** One entry per failed attempt, oldest first. */
  errors: JobAttemptError[];
}

export interface ListJobsQuery {
  state?: JobViewState;
  name?: string;
  /** The id of the last job of the previous page (newest first). */
  cursor?: string;
  limit?: number;
}

/** Counts by name × state, and the oldest due pending job's age per name. One grouped scan of `jobs`. */
export async function getQueueStats(db: Executor, clock: Clock = systemClock): Promise<QueueStats> {
  const now = clock.now();
  const res = await sql<{ name: string; state: JobViewState; count: number; oldest: Date | null }>`
    SELECT name, CASE WHEN state = 'pending' AND run_at > ${now}::timestamptz THEN 'scheduled' ELSE state END AS state,
           count(*)::int AS count,
           min(run_at) FILTER (WHERE state = 'pending' AND run_at <= ${now}::timestamptz) AS oldest
    FROM jobs GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return {
    counts: res.rows.map((r) => ({ name: r.name, state: r.state, count: r.count })),
    oldestPending: res.rows.flatMap((r) =>
      r.oldest
        ? [{ name: r.name, ageSeconds: Math.max(0, (now.getTime() - new Date(r.oldest).getTime()) / 1000) }]
        : [],
    ),
  };
}

const summaryColumns = sql`id, name, payload, state, priority, run_at, attempts, max_attempts, dedupe_key, ordering_key,
  locked_by, locked_until, last_error, errors, created_at, completed_at`;

interface JobRow {
  id: number;
  name: string;
  payload: unknown;
  state: JobState;
  priority: number;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  dedupe_key: string | null;
  ordering_key: string | null;
  locked_by: string | null;
  locked_until: Date | null;
  last_error: JobAttemptError | null;
  errors: JobAttemptError[];
  created_at: Date;
  completed_at: Date | null;
}

function toSummary(r: JobRow, now: Date): JobSummary {
  const runAt = new Date(r.run_at);
  return {
    id: String(r.id),
    name: r.name,
    state: r.state === 'pending' && runAt > now ? 'scheduled' : r.state,
    priority: r.priority,
    runAt,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    dedupeKey: r.dedupe_key,
    orderingKey: r.ordering_key,
    lockedBy: r.locked_by,
    lockedUntil: r.locked_until ? new Date(r.locked_until) : null,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    completedAt: r.completed_at ? new Date(r.completed_at) : null,
  };
}

function parseId(id: string): number {
  if (!/^\d{1,15}$/.test(id)) throw new NotFoundError('Job', id);
  return Number(id);
}

/** Newest first, keyset-paginated by id. */
export async function listJobs(
  db: Executor,
  q: ListJobsQuery,
  clock: Clock = systemClock,
): Promise<{ items: JobSummary[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), 500);
  if (q.cursor !== undefined && !/^\d{1,15}$/.test(q.cursor)) throw new ValidationError('Invalid cursor');
  const now = clock.now();
  const stateFilter =
    q.state === undefined
      ? sql`true`
      : q.state === 'scheduled'
        ? sql`state = 'pending' AND run_at > ${now}::timestamptz`
        : q.state === 'pending'
          ? sql`state = 'pending' AND run_at <= ${now}::timestamptz`
          : sql`state = ${q.state}`;
  const res = await sql<JobRow>`
    SELECT ${summaryColumns} FROM jobs
    WHERE ${stateFilter}
      AND ${q.name === undefined ? sql`true` : sql`name = ${q.name}`}
      AND ${q.cursor === undefined ? sql`true` : sql`id < ${Number(q.cursor)}`}
    ORDER BY id DESC LIMIT ${limit + 1}`.execute(db);
  const rows = res.rows.slice(0, limit);
  return {
    items: rows.map((r) => toSummary(r, now)),
    nextCursor: res.rows.length > limit ? String(rows[rows.length - 1]!.id) : null,
  };
}

export async function getJob(db: Executor, id: string, clock: Clock = systemClock): Promise<JobDetail> {
  const res = await sql<JobRow>`SELECT ${summaryColumns} FROM jobs WHERE id = ${parseId(id)}`.execute(db);
  const row = res.rows[0];
  if (!row) throw new NotFoundError('Job', id);
  return { ...toSummary(row, clock.now()), payload: row.payload, errors: row.errors };
}

/**
 * Puts a dead job back to pending with a fresh set of attempts (its error history is kept). A job in an ordering
 * lane re-enters its lane: it runs next if the lane is idle, otherwise after the lane's current head.
 */
export async function retryDeadJob(db: Executor, id: string, clock: Clock = systemClock): Promise<JobDetail> {
  const jobId = parseId(id);
  await inTransaction(db, async (tx) => {
    const job = await tx
      .selectFrom('jobs')
      .select(['state', 'ordering_key'])
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!job) throw new NotFoundError('Job', id);
    if (job.ordering_key !== null) await lockLanes(tx, [job.ordering_key]);
    let state: JobState = 'pending';
    if (job.ordering_key !== null) {
      const lane = await sql<{ depth: number }>`
        INSERT INTO job_lanes (key, depth) VALUES (${job.ordering_key}, 1)
        ON CONFLICT (key) DO UPDATE SET depth = job_lanes.depth + 1 RETURNING depth`.execute(tx);
      if (lane.rows[0]!.depth > 1) state = 'blocked';
    }
    const res = await sql`
      UPDATE jobs SET state = ${state}, attempts = 0, run_at = ${clock.now()}::timestamptz, locked_by = NULL, locked_until = NULL
      WHERE id = ${jobId} AND state = 'dead'`.execute(tx);
    if (Number(res.numAffectedRows ?? 0) === 0) {
      throw new ConflictError('JOB_NOT_DEAD', `Job ${id} is not dead; only dead jobs can be retried`, {
        state: job.state,
      });
    }
  });
  return getJob(db, id, clock);
}

/** Retries every dead job of `name` (lane jobs one by one, the rest in one statement); returns how many. */
export async function retryAllDead(
  db: Executor,
  name: string,
  clock: Clock = systemClock,
): Promise<{ retried: number }> {
  return inTransaction(db, async (tx) => {
    const plain = await sql`
      UPDATE jobs SET state = 'pending', attempts = 0, run_at = ${clock.now()}::timestamptz
      WHERE name = ${name} AND state = 'dead' AND ordering_key IS NULL`.execute(tx);
    const laned = await tx
      .selectFrom('jobs')
      .select('id')
      .where('name', '=', name)
      .where('state', '=', 'dead')
      .where('ordering_key', 'is not', null)
      .orderBy('id')
      .execute();
    for (const j of laned) await retryDeadJob(tx, String(j.id), clock);
    return { retried: Number(plain.numAffectedRows ?? 0) + laned.length };
  });
}

/** Cancels a job that has not started (pending, scheduled or blocked); anything else is 409 JOB_NOT_CANCELLABLE. */
export async function cancelJob(db: Executor, id: string, clock: Clock = systemClock): Promise<JobDetail> {
  const jobId = parseId(id);
  await inTransaction(db, async (tx) => {
    const before = await tx
      .selectFrom('jobs')
      .select(['state', 'ordering_key'])
      .where('id', '=', jobId)
      .executeTakeFirst();
    if (!before) throw new NotFoundError('Job', id);
    const notCancellable = () =>
      new ConflictError(
        'JOB_NOT_CANCELLABLE',
        `Job ${id} is ${before.state}; only jobs that have not started can be cancelled`,
        {
          state: before.state,
        },
      );
    if (before.state !== 'pending' && before.state !== 'blocked') throw notCancellable();
    // Lane row first, then the job row: the same lock order as completion, so the two cannot deadlock.
    if (before.ordering_key !== null) await lockLanes(tx, [before.ordering_key]);
    const res = await sql<{ was: JobState }>`
      UPDATE jobs j SET state = 'cancelled', completed_at = ${clock.now()}::timestamptz
      FROM (SELECT id, state AS was FROM jobs WHERE id = ${jobId} FOR UPDATE) old
      WHERE j.id = old.id AND j.state IN ('pending', 'blocked')
      RETURNING old.was`.execute(tx);
    const was = res.rows[0]?.was;
    if (!was) throw notCancellable();
    if (before.ordering_key !== null) {
      // Cancelling the lane head lets the next job go; cancelling a blocked job only shortens the lane.
      if (was === 'pending') await advanceLanes(tx, [before.ordering_key]);
      else
        await sql`UPDATE job_lanes SET depth = greatest(depth - 1, 0) WHERE key = ${before.ordering_key}`.execute(
          tx,
        );
    }
  });
  return getJob(db, id, clock);
}

/** Deletes completed and cancelled jobs finished before `olderThan`, and idle lanes. Returns rows deleted. */
export async function pruneCompletedJobs(db: Executor, olderThan: Date, limit = 10_000): Promise<number> {
  const res = await sql`
    DELETE FROM jobs WHERE id IN (
      SELECT id FROM jobs WHERE state IN ('completed', 'cancelled') AND completed_at < ${olderThan}::timestamptz LIMIT ${limit})`.execute(
    db,
  );
  await sql`DELETE FROM job_lanes WHERE depth = 0`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}
