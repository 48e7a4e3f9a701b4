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
import { sql } from 'kysely';
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
  priority: number;
  run_at: Date;
}

/**
 * Claims up to `limit` due jobs in one statement. SKIP LOCKED lets concurrent workers claim disjoint batches
 * without waiting on each other; the attempt is counted at claim time, so a worker that dies mid-job still
 * used one attempt.
 */
export async function claimJobs(
  db: Executor,
  args: { workerId: string; names: readonly string[]; now: Date; limit: number },
): Promise<ClaimedJob[]> {
  const res = await sql<ClaimedJob>`
    UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${args.workerId},
      locked_until = ${args.now}::timestamptz + lease_ms * interval '1 millisecond'
    WHERE id IN (
      SELECT id FROM jobs
      -- \`name || ''\` hides the name from the planner, so it always walks jobs_claim in claim order (PGlite runs
      -- no autovacuum/analyze; without statistics it would pick jobs_state_name and sort every pending row).
      WHERE state = 'pending' AND run_at <= ${args.now}::timestamptz AND (name || '') = ANY(${args.names}::text[])
      ORDER BY priority DESC, run_at, id
      LIMIT ${args.limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, name, payload, attempts, max_attempts, ordering_key, lease_ms, priority, run_at`.execute(
    db,
  );
  // RETURNING has no order; the local queue must start jobs in claim order.
  return res.rows.sort(
    (a, b) =>
      b.priority - a.priority || new Date(a.run_at).getTime() - new Date(b.run_at).getTime() || a.id - b.id,
  );
}

/**
 * Marks jobs completed. Jobs without a lane finish with one statement and no explicit transaction (the hot path);
 * a batch with lane jobs also advances those lanes atomically.
 */
export async function completeJobs(
  db: Db,
  args: { workerId: string; ids: number[]; laneIds: number[]; now: Date },
): Promise<void> {
  const { workerId, now } = args;
  if (args.ids.length) {
    await sql`
      UPDATE jobs SET state = 'completed', completed_at = ${now}::timestamptz, locked_by = NULL, locked_until = NULL
      WHERE id = ANY(${args.ids}::bigint[]) AND state = 'running' AND locked_by = ${workerId}`.execute(
      db.kysely,
    );
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
