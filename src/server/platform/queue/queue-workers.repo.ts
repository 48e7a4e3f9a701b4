/**
 * Worker liveness rows (`queue_workers`): written on start, touched every heartbeat, removed on graceful stop.
 * /ready for a worker role checks that its own row is fresh (< 2 × heartbeat interval).
 */
import type { Executor } from '../db/index.js';
import type { Clock } from '../clock.js';

export interface QueueWorkerRow {
  id: string;
  host: string;
  pid: number;
  started_at: Date;
  heartbeat_at: Date;
}

export async function registerQueueWorker(db: Executor, row: QueueWorkerRow): Promise<void> {
  await db
    .insertInto('queue_workers')
    .values(row)
    .onConflict((oc) => oc.column('id').doUpdateSet({ heartbeat_at: row.heartbeat_at }))
    .execute();
}

export async function touchQueueWorker(db: Executor, id: string, at: Date): Promise<void> {
  await db.updateTable('queue_workers').set({ heartbeat_at: at }).where('id', '=', id).execute();
}

export async function removeQueueWorker(db: Executor, id: string): Promise<void> {
  await db.deleteFrom('queue_workers').where('id', '=', id).execute();
}

/** Milliseconds since the worker's last heartbeat, or null when it has no row (never started, or stopped). */
export async function workerHeartbeatAge(
  db: Executor,
  workerId: string,
  clock: Clock,
): Promise<number | null> {
  const row = await db
    .selectFrom('queue_workers')
    .select('heartbeat_at')
    .where('id', '=', workerId)
    .executeTakeFirst();
  return row ? Math.max(0, clock.nowMs() - row.heartbeat_at.getTime()) : null;
}

export async function listQueueWorkers(db: Executor): Promise<QueueWorkerRow[]> {
  return db.selectFrom('queue_workers').selectAll().orderBy('started_at').execute();
}

/** Rows of workers that died without a graceful stop; kept for a while so operators can see them. */
export async function pruneStaleQueueWorkers(db: Executor, olderThan: Date): Promise<number> {
  const res = await db.deleteFrom('queue_workers').where('heartbeat_at', '<', olderThan).executeTakeFirst();
  return Number(res.numDeletedRows);
}
