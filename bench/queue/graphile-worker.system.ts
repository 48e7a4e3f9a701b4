/**
 * graphile-worker 0.17 (the newest line whose engines allow Node 20) as an anchor, in its own scratch database.
 *
 * Default: `run()` with `concurrentJobs` = the bench concurrency, each worker fetching one job per round trip.
 * Tuned: the batching settings from graphile-worker's performance page — a local queue of 500 locked jobs shared by
 * the workers, and job completions/failures batched (`completeJobBatchDelay`/`failJobBatchDelay` 0).
 */
import { createRequire } from 'node:module';
import { Logger, makeWorkerUtils, run, runMigrations, type Runner } from 'graphile-worker';
import pg from 'pg';
import type { ScratchDatabase } from '../support/scratch-db.js';
import {
  ORDERS_DDL,
  type BenchPayload,
  type JobCallback,
  type QueueSystem,
  type WorkerVariant,
} from './queue-system.js';

const version = (createRequire(import.meta.url)('graphile-worker/package.json') as { version: string })
  .version;

// graphile-worker logs every job at info; the bench must print only its table.
const quietLogger = new Logger(() => () => {});

export async function openGraphileWorkerSystem(scratch: ScratchDatabase): Promise<QueueSystem> {
  await runMigrations({ connectionString: scratch.url, logger: quietLogger });
  const utils = await makeWorkerUtils({ connectionString: scratch.url, logger: quietLogger });
  const pool = new pg.Pool({ connectionString: scratch.url, max: 10 });
  // An idle client dropped by the server must not crash the bench; the pool replaces it.
  pool.on('error', (e) => console.error('bench pool error:', e.message));
  await pool.query(ORDERS_DDL);

  const variant = (label: string, worker: GraphileConfig.WorkerOptions): WorkerVariant => ({
    label,
    start: async (queue: string, concurrency: number, onJob: JobCallback) => {
      const runner: Runner = await run({
        connectionString: scratch.url,
        concurrency,
        noHandleSignals: true,
        logger: quietLogger,
        taskList: { [queue]: async (payload) => onJob(payload as BenchPayload) },
        preset: { worker },
      });
      return () => runner.stop();
    },
  });

  return {
    label: `graphile-worker ${version} (PostgreSQL)`,
    anchor: true,
    enqueueOne: async (queue, payload) => {
      await utils.addJob(queue, payload);
    },
    enqueueMany: async (queue, payloads) => {
      await utils.addJobs(payloads.map((payload) => ({ identifier: queue, payload })));
    },
    enqueueWithOrder: async (queue, payload) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO bench_orders (n) VALUES ($1)', [payload.i]);
        await client.query('SELECT graphile_worker.add_job($1, payload := $2::json)', [
          queue,
          JSON.stringify(payload),
        ]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      } finally {
        client.release();
      }
    },
    // graphile-worker deletes a job when it completes: unfinished = rows left for the task.
    countUnfinished: async (queue) => {
      const r = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM graphile_worker._private_jobs j
           JOIN graphile_worker._private_tasks t ON t.id = j.task_id
          WHERE t.identifier = $1`,
        [queue],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    reset: async () => {
      await pool.query(
        'TRUNCATE graphile_worker._private_jobs, graphile_worker._private_job_queues, bench_orders',
      );
    },
    variants: [
      variant('default', {}),
      variant('tuned (localQueue 500, batched complete/fail)', {
        localQueue: { size: 500 },
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      }),
    ],
    close: async () => {
      await utils.release();
      await pool.end();
    },
  };
}
