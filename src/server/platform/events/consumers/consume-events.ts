/**
 * Runs one consumer over one workspace's events after its cursor, batch by batch, until it has caught up.
 *
 * Invariants:
 * - each batch is ONE transaction: lock cursor → read events → handle each → advance cursor. A handler that throws
 *   rolls back the batch's writes and leaves the cursor, so the batch is handled again on retry;
 * - events reach `handle` in seq order, and only those matching the consumer's types; the cursor also moves past
 *   the ones that do not match, up to the head read before the batch (complete thanks to ADR 0004);
 * - the cursor row lock serializes runs of the same consumer in the same workspace.
 */
import type { Clock } from '../../clock.js';
import type { Db } from '../../db/index.js';
import type { Logger } from '../../logger.js';
import { listEvents, readEventHead } from '../events.repo.js';
import { advanceCursor, lockCursor, recordCursorError } from './consumer-cursor.repo.js';
import type { EventConsumer } from './event-consumer.js';

export interface ConsumeEventsOptions {
  db: Db;
  consumer: EventConsumer;
  workspaceId: string;
  clock: Clock;
  logger: Logger;
  signal?: AbortSignal;
  /** Stop after this many batches (the job re-enqueues itself rather than hogging a worker slot); default 50. */
  maxBatches?: number;
}

export interface ConsumeEventsResult {
  /** Events handed to the handler. */
  handled: number;
  batches: number;
  /** Cursor position at the end. */
  cursor: number;
  /** False when it stopped at `maxBatches` or on abort with more to do. */
  caughtUp: boolean;
}

export async function consumeEvents(o: ConsumeEventsOptions): Promise<ConsumeEventsResult> {
  const { consumer, workspaceId } = o;
  const signal = o.signal ?? new AbortController().signal;
  const maxBatches = o.maxBatches ?? 50;
  let handled = 0;
  let batches = 0;
  let cursor = 0;
  for (;;) {
    if (signal.aborted || batches >= maxBatches) return { handled, batches, cursor, caughtUp: false };
    let full = false;
    try {
      await o.db.kysely.transaction().execute(async (tx) => {
        const now = o.clock.now();
        const from = await lockCursor(tx, consumer.name, workspaceId, now);
        // Head first: every seq <= head committed before the rows are read, so a short page covers up to head.
        const head = await readEventHead(tx, workspaceId);
        const events = await listEvents(tx, {
          workspaceId,
          after: from,
          types: consumer.filter,
          limit: consumer.batchSize,
        });
        const ctx = { consumer: consumer.name, workspaceId, clock: o.clock, logger: o.logger, signal };
        for (const event of events) await consumer.handle(tx, event, ctx);
        full = events.length === consumer.batchSize;
        const last = events[events.length - 1]?.seq ?? from;
        const to = full ? last : Math.max(last, head, from);
        if (to !== from) await advanceCursor(tx, consumer.name, workspaceId, to, o.clock.now());
        cursor = to;
        handled += events.length;
      });
    } catch (err) {
      await recordCursorError(o.db.kysely, consumer.name, workspaceId, String(err)).catch(() => {});
      throw err;
    }
    batches++;
    if (!full) return { handled, batches, cursor, caughtUp: true };
  }
}
