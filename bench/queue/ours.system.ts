/**
 * Our queue (src/server/platform/queue) as a bench system, through its public API only: `defineJobs`, `enqueue`,
 * `enqueueMany` and `createWorker`, on PostgreSQL (scratch database) or PGlite (in memory, or file-backed).
 */
import { join } from 'node:path';
import { sql } from 'kysely';
import { z } from 'zod';
import { createDurabilityHook, migrate, openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import {
  createWorker,
  defineJobs,
  enqueue,
  enqueueMany,
  type JobCatalog,
} from '../../src/server/platform/queue/index.js';
import type { ScratchDatabase } from '../support/scratch-db.js';
import { BENCH_QUEUES } from './queue-scenarios.js';
import { ORDERS_DDL, type BenchPayload, type JobCallback, type QueueSystem } from './queue-system.js';

const payloadSchema = z.object({ i: z.number().int(), t: z.number().optional() });

/** One catalog entry per bench queue; handlers forward to whatever callback the running scenario installed. */
function defineBenchCatalog(
  names: readonly string[],
  onJob: (name: string, p: BenchPayload) => void,
): JobCatalog {
  const defs = Object.fromEntries(
    names.map((name) => [
      name,
      {
        payload: payloadSchema,
        handler: (p: z.output<typeof payloadSchema>) =>
          onJob(name, p.t === undefined ? { i: p.i } : { i: p.i, t: p.t }),
      },
    ]),
  );
  return defineJobs(defs) as JobCatalog;
}

export async function openOursOnPostgres(scratch: ScratchDatabase): Promise<QueueSystem> {
  const db = await openDatabase({ url: scratch.url, poolSize: 10, applicationName: 'switchboard-bench' });
  return prepare(db, 'ours (PostgreSQL)');
}

/**
 * `dataDir` is `memory://` or a directory. File-backed runs as deployed by default (SWITCHBOARD_EMBEDDED_SYNC=true):
 * with the fsync-after-commit hook, so the figure includes what power-loss safety costs.
 */
export async function openOursOnPglite(dataDir: string): Promise<QueueSystem> {
  if (dataDir === 'memory://') return prepare(await openDatabase({ dataDir }), 'ours (PGlite, memory)');
  const durability = createDurabilityHook({ pgDataDir: join(dataDir, 'pglite') });
  return prepare(await openDatabase({ dataDir, durability }), 'ours (PGlite, file + fsync hook)');
}

async function prepare(db: Db, label: string): Promise<QueueSystem> {
  await migrate(db);
  await sql.raw(ORDERS_DDL).execute(db.kysely);
  const callbacks = new Map<string, JobCallback>();
  const names = Object.values(BENCH_QUEUES);
  const catalog = defineBenchCatalog(names, (name, p) => callbacks.get(name)?.(p));

  return {
    label,
    anchor: false,
    enqueueOne: async (queue, payload) => {
      await enqueue(db.kysely, catalog, queue, payload);
    },
    enqueueMany: async (queue, payloads) => {
      await enqueueMany(
        db.kysely,
        catalog,
        payloads.map((payload) => ({ name: queue, payload })),
      );
    },
    enqueueWithOrder: async (queue, payload) => {
      await db.kysely.transaction().execute(async (tx) => {
        await sql`INSERT INTO bench_orders (n) VALUES (${payload.i})`.execute(tx);
        await enqueue(tx, catalog, queue, payload);
      });
    },
    countUnfinished: async (queue) => {
      const r = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM jobs WHERE name = ${queue} AND state <> 'completed'`.execute(
        db.kysely,
      );
      return r.rows[0]?.n ?? 0;
    },
    reset: async () => {
      await sql`TRUNCATE jobs, job_lanes, bench_orders`.execute(db.kysely);
    },
    variants: [
      {
        label: 'default',
        start: async (queue, concurrency, onJob) => {
          callbacks.set(queue, onJob);
          // The worker claims only the queue under test: its catalog holds that one name.
          const only = defineBenchCatalog([queue], (_name, p) => callbacks.get(queue)?.(p));
          const worker = createWorker({ db, catalog: only, logger: silentLogger(), concurrency });
          await worker.start();
          return async () => {
            await worker.stop(5_000);
            callbacks.delete(queue);
          };
        },
      },
    ],
    close: () => db.close(),
  };
}
