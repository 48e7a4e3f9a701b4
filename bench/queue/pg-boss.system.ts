/**
 * pg-boss 10 (the newest line whose engines allow Node 20) as an anchor, in its own scratch database.
 *
 * `work()` runs one fetch loop per call: fetch `batchSize` jobs, run the handler, complete (not awaited), then sleep
 * until `pollingInterval` has passed since the fetch began. Concurrency N is therefore N `work()` calls.
 * Defaults: batchSize 1, polling 2 s, so the default configuration is bounded by N / 2 s; the tuned variant raises
 * the batch and lowers polling to pg-boss's minimum (0.5 s).
 */
import { createRequire } from 'node:module';
import pg from 'pg';
import PgBoss from 'pg-boss';
import type { ScratchDatabase } from '../support/scratch-db.js';
import {
  ORDERS_DDL,
  type BenchPayload,
  type JobCallback,
  type QueueSystem,
  type WorkerVariant,
} from './queue-system.js';

const version = (createRequire(import.meta.url)('pg-boss/package.json') as { version: string }).version;

interface PgBossTuning {
  batchSize?: number;
  pollingIntervalSeconds?: number;
}

export async function openPgBossSystem(
  scratch: ScratchDatabase,
  queues: readonly string[],
): Promise<QueueSystem> {
  const boss = new PgBoss({ connectionString: scratch.url, max: 10 });
  // pg-boss emits 'error' for failed background queries; an unhandled 'error' event would crash the bench.
  let closing = false;
  boss.on('error', (e) => {
    // Dropping the scratch database terminates any connection pg-boss has not closed yet: expected then.
    if (!closing) console.error('pg-boss error:', e.message);
  });
  await boss.start();
  for (const q of queues) await boss.createQueue(q);
  // Our own pool for counting and for the caller's transaction in the outbox scenario.
  const pool = new pg.Pool({ connectionString: scratch.url, max: 10 });
  // An idle client dropped by the server must not crash the bench; the pool replaces it.
  pool.on('error', (e) => console.error('bench pool error:', e.message));
  await pool.query(ORDERS_DDL);

  const variant = (label: string, tuning: PgBossTuning): WorkerVariant => ({
    label,
    start: async (queue: string, concurrency: number, onJob: JobCallback) => {
      const ids: string[] = [];
      for (let i = 0; i < concurrency; i++) {
        ids.push(
          await boss.work<BenchPayload>(queue, tuning, async (jobs) => {
            for (const job of jobs) onJob(job.data);
          }),
        );
      }
      return async () => {
        for (const id of ids) await boss.offWork({ id });
      };
    },
  });

  return {
    label: `pg-boss ${version} (PostgreSQL)`,
    anchor: true,
    enqueueOne: async (queue, payload) => {
      await boss.send(queue, payload);
    },
    enqueueMany: async (queue, payloads) => {
      await boss.insert(payloads.map((data) => ({ name: queue, data })));
    },
    enqueueWithOrder: async (queue, payload) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('INSERT INTO bench_orders (n) VALUES ($1)', [payload.i]);
        // pg-boss runs its INSERT on the caller's connection when given `db`: that is its transactional enqueue.
        await boss.send(queue, payload, { db: { executeSql: (text, values) => client.query(text, values) } });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        throw e;
      } finally {
        client.release();
      }
    },
    countUnfinished: async (queue) => {
      const r = await pool.query<{ n: string }>(
        `SELECT count(*) AS n FROM pgboss.job WHERE name = $1 AND state <> 'completed'`,
        [queue],
      );
      return Number(r.rows[0]?.n ?? 0);
    },
    reset: async () => {
      await pool.query('TRUNCATE pgboss.job, pgboss.archive, bench_orders');
    },
    variants: [
      variant('default (batchSize 1, poll 2 s)', {}),
      variant('tuned (batchSize 100, poll 0.5 s)', { batchSize: 100, pollingIntervalSeconds: 0.5 }),
      variant('tuned (batchSize 1000, poll 0.5 s)', { batchSize: 1000, pollingIntervalSeconds: 0.5 }),
    ],
    close: async () => {
      closing = true;
      await boss.stop({ graceful: true, wait: true, timeout: 5_000 });
      await pool.end();
    },
  };
}
