/**
 * SQL of webhook retention: bounded deletes of finished history. Each call deletes at most `limit` rows in one
 * statement (its own short transaction when run on the database rather than a transaction), using the partial
 * indexes of `migrations/0013_webhook_retention.sql`, so a large backlog is pruned in many small steps instead of
 * one long transaction holding locks and WAL.
 */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';

/**
 * Deletes up to `limit` inbound requests that are finished — `processed`, or `failed` (the inbound dead letters)
 * — whose last processing is before `finishedBefore` AND that were received before `receivedBefore` (the replay
 * protection window: a younger row still deduplicates a sender's retry). `received` rows, still waiting for their
 * job, are never touched; neither is a failed row reset for reprocessing (it is `received` again).
 */
export async function deleteFinishedInbound(
  db: Executor,
  q: { finishedBefore: Date; receivedBefore: Date; limit: number },
): Promise<number> {
  const res = await sql`
    DELETE FROM inbound_webhooks WHERE id IN (
      SELECT id FROM inbound_webhooks
      WHERE status IN ('processed', 'failed')
        AND processed_at < ${q.finishedBefore}::timestamptz
        AND received_at < ${q.receivedBefore}::timestamptz
      LIMIT ${q.limit}
      FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}

/**
 * Deletes up to `limit` outbound messages that finished (`succeeded` or `dead`) before `finishedBefore`; their
 * attempts go with them (`ON DELETE CASCADE`). Pending messages — waiting for a retry, or replayed — are never
 * touched: a replay sets a message back to pending with `finished_at` null.
 */
export async function deleteFinishedMessages(
  db: Executor,
  q: { finishedBefore: Date; limit: number },
): Promise<number> {
  const res = await sql`
    DELETE FROM webhook_messages WHERE id IN (
      SELECT id FROM webhook_messages
      WHERE status IN ('succeeded', 'dead') AND finished_at < ${q.finishedBefore}::timestamptz
      LIMIT ${q.limit}
      FOR UPDATE SKIP LOCKED)`.execute(db);
  return Number(res.numAffectedRows ?? 0);
}
