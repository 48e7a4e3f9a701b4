/**
 * The job catalog shared by the kill test and its worker processes. The parent enqueues with it (the lease is
 * stored on each row at enqueue time, so both sides must agree) and each worker process runs its handler.
 *
 * The handler's effect is a row keyed by job id, written outside the queue's transaction: a job executed twice
 * (because its worker was killed after the effect but before the completion was recorded) shows up as a conflict.
 * After the effect the handler waits a few milliseconds (the rest of a real job, e.g. a vendor call), so a kill
 * usually lands on jobs whose effect happened and whose completion did not: the case the bound is about.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Db } from '../../src/server/platform/db/index.js';
import { defineJobs } from '../../src/server/platform/queue/index.js';

export const KILL_JOB = 'multiprocess.effect';
/** Short lease so a killed worker's jobs come back within seconds. */
export const KILL_LEASE_MS = 2_000;
export const KILL_HEARTBEAT_MS = 500;
/** Work after the effect, per job. */
export const KILL_JOB_TAIL_MS = 5;

export const KILL_TEST_DDL = `
CREATE TABLE IF NOT EXISTS mp_effects (
  job_id bigint PRIMARY KEY,
  worker_pid integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TABLE IF NOT EXISTS mp_conflicts (
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL,
  worker_pid integer NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);`;

/** `db` is null in the parent, which only enqueues. */
export function defineKillTestJobs(db: Db | null, workerPid: number) {
  return defineJobs({
    [KILL_JOB]: {
      payload: z.object({ n: z.number().int() }),
      leaseMs: KILL_LEASE_MS,
      retry: { maxAttempts: 5, baseMs: 10, maxMs: 100 },
      handler: async (_payload, ctx) => {
        if (!db) throw new Error('the enqueuing side does not run jobs');
        const inserted = await sql`
          INSERT INTO mp_effects (job_id, worker_pid) VALUES (${Number(ctx.jobId)}, ${workerPid})
          ON CONFLICT (job_id) DO NOTHING`.execute(db.kysely);
        if (Number(inserted.numAffectedRows ?? 0) === 0) {
          await sql`INSERT INTO mp_conflicts (job_id, worker_pid) VALUES (${Number(ctx.jobId)}, ${workerPid})`.execute(
            db.kysely,
          );
        }
        await delay(KILL_JOB_TAIL_MS);
      },
    },
  });
}
