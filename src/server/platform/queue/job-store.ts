/**
 * The worker's SQL, beside the functions that own it. Every statement that moves a claimed job checks
 * `state = 'running' AND locked_by = <worker>`, so a worker that lost its lease can never overwrite the outcome of
 * the worker that reclaimed the job.
 *
 * Lane invariant (ordering keys): a lane's `depth` counts its unfinished jobs; exactly one of them (the head) is
 * pending or running, the rest are `blocked`. Whatever finishes a head (complete, dead, cancel) decrements the
 * depth and promotes the lowest-id blocked job in the same transaction. Lane rows are always locked before the
 * lane's job rows change hands, in that order, so enqueuers and finishers of one key serialize without deadlock.
 */
import { CompiledQuery, sql } from 'kysely';
import type { Db, Executor } from '../db/index.js';
import type { JobAttemptError } from './queue.tables.js';

export interface ClaimedJob {
  id: number;
  name: string;
  payload: unknown;
  attempts: number;
  max_attempts: number;
  ordering_key: string | null;
  lease_ms: number;
}

/**
 * Claims up to `limit` due jobs in one statement, returned in claim order. SKIP LOCKED lets concurrent workers
 * claim disjoint batches without waiting on each other; the attempt is counted at claim time, so a worker that
 * dies mid-job still used one attempt.
 *
 * Plan shape (the hot path; see ADR 0002 "Claim"): the inner SELECT must walk `jobs_claim` in claim order and
 * stop after `limit` rows, and the UPDATE must reach the rows by primary key.
 * - The name filter is `array_position(…) IS NOT NULL`, which the planner estimates at 99.5% of rows whatever the
 *   statistics say. As `name = ANY(…)` (0.5% per name) it expected fewer matching rows than the LIMIT, so it
 *   read and sorted the whole backlog instead. It also hides `name` from the planner, so `jobs_name_id` is never
 *   chosen.
 * - `id = ANY(ARRAY(…))` turns the claimed ids into one array the UPDATE probes through `jobs_pkey`; `id IN (…)`
 *   was planned as a hash join over a sequential scan of the whole table.
 * - The sort happens in SQL (RETURNING has no order), on at most `limit` rows.
 *
 * Due means `run_at < now + 1 ms`: `now` is a JS Date (milliseconds) while enqueue's default `run_at` is the
 * database's `now()` (microseconds). With `<=`, a claim woken by NOTIFY within the millisecond of the insert
 * missed the job, and it waited for the next poll (1 s), which showed as a 1 s pickup p99.
 */
export const CLAIM_SQL = `
  WITH claimed AS (
    UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = $1,
      locked_until = $2::timestamptz + lease_ms * interval '1 millisecond'
    WHERE id = ANY(ARRAY(
      SELECT id FROM jobs
      WHERE state = 'pending' AND run_at < $2::timestamptz + interval '1 millisecond'
        AND array_position($3::text[], name) IS NOT NULL
      ORDER BY priority DESC, run_at, id
      LIMIT $4
      FOR UPDATE SKIP LOCKED))
    RETURNING id, name, payload, attempts, max_attempts, ordering_key, lease_ms, priority, run_at)
  SELECT id, name, payload, attempts, max_attempts, ordering_key, lease_ms FROM claimed
  ORDER BY priority DESC, run_at, id`;

interface ClaimArgs {
  workerId: string;
  names: readonly string[];
  now: Date;
  limit: number;
}

const claimParams = (a: ClaimArgs): unknown[] => [a.workerId, a.now, a.names, a.limit];

/** Claims on any executor (tests and tools); workers use `claimJobsPrepared`. */
export async function claimJobs(db: Executor, args: ClaimArgs): Promise<ClaimedJob[]> {
  return (await db.executeQuery(CompiledQuery.raw(CLAIM_SQL, claimParams(args)))).rows as ClaimedJob[];
}

/** `claimJobs` as a prepared statement on PostgreSQL (see `queryHot`). */
export async function claimJobsPrepared(db: Db, args: ClaimArgs): Promise<ClaimedJob[]> {
  return queryHot<ClaimedJob>(db, 'switchboard_claim_jobs', CLAIM_SQL, claimParams(args));
}

/**
 * `(state || '') = 'running'` keeps the planner on `jobs_pkey`: as `state = 'running'` it matches the predicate
 * of the small `jobs_running_lease` index, and the prepared (generic) plan walked every running row per flush.
 */
const COMPLETE_SQL = `
  UPDATE jobs SET state = 'completed', completed_at = $3::timestamptz, locked_by = NULL, locked_until = NULL
  WHERE id = ANY($1::bigint[]) AND (state || '') = 'running' AND locked_by = $2`;

/**
 * Marks jobs completed. Jobs without a lane finish with one prepared statement and no explicit transaction (the
 * hot path); a batch with lane jobs also advances those lanes atomically.
 */
export async function completeJobs(
  db: Db,
  args: { workerId: string; ids: number[]; laneIds: number[]; now: Date },
): Promise<void> {
  const { workerId, now } = args;
  if (args.ids.length) {
    await queryHot(db, 'switchboard_complete_jobs', COMPLETE_SQL, [
      toBigintArrayLiteral(args.ids),
      workerId,
      now,
    ]);
  }
  if (args.laneIds.length) {
    await db.kysely.transaction().execute(async (tx) => {
      const keys = await laneKeysOf(tx, args.laneIds, workerId);
      await lockLanes(tx, keys);
      const done = await sql<{ ordering_key: string }>`
        UPDATE jobs SET state = 'completed', completed_at = ${now}::timestamptz, locked_by = NULL, locked_until = NULL
        WHERE id = ANY(${args.laneIds}::bigint[]) AND state = 'running' AND locked_by = ${workerId}
        RETURNING ordering_key`.execute(tx);
      await advanceLanes(
        tx,
        done.rows.map((r) => r.ordering_key),
      );
    });
  }
}

/**
 * Runs one of the worker's per-batch statements. On PostgreSQL it is a named statement: each pooled connection
 * parses it once and, after PostgreSQL's first few custom plans, reuses a generic plan (both statements above
 * are written so that plan is the right one), which saved ~0.5 ms of planning per claim. PGlite has no
 * statement cache to speak of; it goes through Kysely.
 */
async function queryHot<R>(db: Db, name: string, text: string, values: unknown[]): Promise<R[]> {
  if (db.pool) return (await db.pool.query({ name, text, values })).rows as R[];
  return (await db.kysely.executeQuery(CompiledQuery.raw(text, values))).rows as R[];
}

/** A failed attempt: back to pending at `retryAt`, or dead (lane advanced) when `retryAt` is null. */
export async function failJob(
  db: Db,
  args: {
    workerId: string;
    id: number;
    orderingKey: string | null;
    error: JobAttemptError;
    retryAt: Date | null;
  },
): Promise<void> {
  const err = JSON.stringify(args.error);
  if (args.retryAt !== null) {
    await sql`
      UPDATE jobs SET state = 'pending', run_at = ${args.retryAt}::timestamptz, locked_by = NULL, locked_until = NULL,
        last_error = ${err}::jsonb, errors = errors || jsonb_build_array(${err}::jsonb)
      WHERE id = ${args.id} AND state = 'running' AND locked_by = ${args.workerId}`.execute(db.kysely);
    return;
  }
  await db.kysely.transaction().execute(async (tx) => {
    if (args.orderingKey !== null) await lockLanes(tx, [args.orderingKey]);
    const dead = await sql`
      UPDATE jobs SET state = 'dead', locked_by = NULL, locked_until = NULL,
        last_error = ${err}::jsonb, errors = errors || jsonb_build_array(${err}::jsonb)
      WHERE id = ${args.id} AND state = 'running' AND locked_by = ${args.workerId}`.execute(tx);
    if (args.orderingKey !== null && Number(dead.numAffectedRows ?? 0) > 0)
      await advanceLanes(tx, [args.orderingKey]);
  });
}

/** Extends the leases this worker still holds; returns the ids it holds (a missing id means the lease was lost). */
export async function extendLeases(
  db: Executor,
  args: { workerId: string; ids: number[]; now: Date },
): Promise<Set<number>> {
  if (!args.ids.length) return new Set();
  const res = await sql<{ id: number }>`
    UPDATE jobs SET locked_until = ${args.now}::timestamptz + lease_ms * interval '1 millisecond'
    WHERE id = ANY(${args.ids}::bigint[]) AND state = 'running' AND locked_by = ${args.workerId}
    RETURNING id`.execute(db);
  return new Set(res.rows.map((r) => r.id));
}

/** Graceful shutdown: gives jobs back untouched — lock cleared and the attempt not counted. */
export async function releaseJobs(db: Executor, args: { workerId: string; ids: number[] }): Promise<number> {
  if (!args.ids.length) return 0;
  const res = await sql`
    UPDATE jobs SET state = 'pending', attempts = greatest(attempts - 1, 0), locked_by = NULL, locked_until = NULL
    WHERE id = ANY(${args.ids}::bigint[]) AND state = 'running' AND locked_by = ${args.workerId}`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/**
 * Makes jobs whose lease expired (their worker died or stalled) claimable again. The lost attempt counts and is
 * recorded as a `LeaseExpired` error; a job out of attempts goes dead. Returns the number of jobs touched.
 */
export async function reclaimExpiredJobs(db: Db, args: { now: Date; limit?: number }): Promise<number> {
  const now = args.now;
  return db.kysely.transaction().execute(async (tx) => {
    const res = await sql<{ id: number; state: string; ordering_key: string | null }>`
      UPDATE jobs SET
        state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'pending' END,
        run_at = ${now}::timestamptz, locked_by = NULL, locked_until = NULL,
        last_error = e.err, errors = errors || jsonb_build_array(e.err)
      FROM (SELECT id AS eid, jsonb_build_object(
              'attempt', attempts, 'at', ${now.toISOString()}::text,
              'message', 'lease expired: the worker (' || coalesce(locked_by, '?') || ') stopped heartbeating',
              'class', 'LeaseExpired', 'stack', NULL) AS err
            FROM jobs
            WHERE state = 'running' AND locked_until <= ${now}::timestamptz
            ORDER BY locked_until LIMIT ${args.limit ?? 1000}
            FOR UPDATE SKIP LOCKED) e
      WHERE jobs.id = e.eid
      RETURNING jobs.id, jobs.state, jobs.ordering_key`.execute(tx);
    const deadKeys = res.rows.flatMap((r) =>
      r.state === 'dead' && r.ordering_key !== null ? [r.ordering_key] : [],
    );
    if (deadKeys.length) {
      await lockLanes(tx, deadKeys);
      await advanceLanes(tx, deadKeys);
    }
    return res.rows.length;
  });
}

/** `{1,2,3}`: node-postgres escapes and quotes every element of a JS array, which showed in profiles. */
function toBigintArrayLiteral(ids: readonly number[]): string {
  return '{' + ids.join(',') + '}';
}

async function laneKeysOf(tx: Executor, ids: number[], workerId: string): Promise<string[]> {
  const res = await sql<{ ordering_key: string }>`
    SELECT DISTINCT ordering_key FROM jobs
    WHERE id = ANY(${ids}::bigint[]) AND locked_by = ${workerId} AND ordering_key IS NOT NULL`.execute(tx);
  return res.rows.map((r) => r.ordering_key);
}

/** Locks lane rows in key order (a fixed order prevents deadlocks between transactions locking several lanes). */
export async function lockLanes(tx: Executor, keys: string[]): Promise<void> {
  if (!keys.length) return;
  const sorted = [...new Set(keys)].sort();
  await sql`SELECT key FROM job_lanes WHERE key = ANY(${sorted}::text[]) ORDER BY key FOR UPDATE`.execute(tx);
}

/**
 * A lane's head finished: decrement each lane's depth and promote its next blocked job. Must run after
 * `lockLanes` in the same transaction; the promotion is a separate statement so it sees jobs enqueued by
 * transactions that committed while we waited for the lane lock.
 */
export async function advanceLanes(tx: Executor, keys: string[]): Promise<void> {
  if (!keys.length) return;
  await sql`UPDATE job_lanes SET depth = greatest(depth - 1, 0) WHERE key = ANY(${keys}::text[])`.execute(tx);
  await sql`
    UPDATE jobs SET state = 'pending'
    WHERE id IN (SELECT DISTINCT ON (ordering_key) id FROM jobs
                 WHERE state = 'blocked' AND ordering_key = ANY(${keys}::text[])
                 ORDER BY ordering_key, id)`.execute(tx);
  // Promotion is an UPDATE, which the insert trigger does not see: wake idle workers for the promoted jobs.
  await sql`SELECT pg_notify('switchboard_jobs', '')`.execute(tx);
}

/**
 * PGlite runs no autovacuum, so the planner never learns how many jobs are pending and may sort the whole backlog
 * on every claim. Workers refresh the statistics themselves (cheap: ANALYZE samples a bounded number of rows).
 */
export async function refreshQueueStatistics(db: Db): Promise<void> {
  if (db.kind === 'pglite') await sql`ANALYZE jobs`.execute(db.kysely);
}
