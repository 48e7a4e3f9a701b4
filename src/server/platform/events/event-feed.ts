/**
 * `followEvents`: a reader's view of one workspace's events from a resume point onwards — first what is stored,
 * then what happens live — with no gap and no duplicate.
 *
 * Order of operations matters: subscribe to the bus FIRST (buffering), then backfill from the database, then drain
 * the buffer. An event committed during the backfill is either in the backfill or in the buffer (or both: it is
 * skipped by seq). A live batch that starts past the last seq we saw means we missed some (the bus started after
 * our backfill, or it failed for a while): that range is read from the database before the batch is used.
 */
import type { Executor } from '../db/index.js';
import type { EventBus } from './event-bus.js';
import { listEvents, readEventHead, type DomainEvent } from './events.repo.js';
import { matchesTypeFilter, type TypeFilter } from './event-types.js';

export interface FollowEventsOptions {
  executor: Executor;
  bus: EventBus;
  workspaceId: string;
  /** Resume point: events with seq > after are produced. */
  after: number;
  types: TypeFilter | null;
  subject?: string | undefined;
  signal: AbortSignal;
  /** Rows per database read; default 500. */
  batchSize?: number;
  /**
   * Live events buffered while the consumer is slow before the buffer is dropped and the gap re-read from the
   * database instead (bounded memory per slow client); default 10,000.
   */
  maxBuffered?: number;
}

/** Yields non-empty batches of matching events in increasing seq order until `signal` aborts. */
export async function* followEvents(o: FollowEventsOptions): AsyncGenerator<DomainEvent[], void, undefined> {
  const batchSize = o.batchSize ?? 500;
  const maxBuffered = o.maxBuffered ?? 10_000;
  const matches = (e: DomainEvent) =>
    matchesTypeFilter(e.type, o.types) && (o.subject === undefined || e.subject === o.subject);
  const query = { workspaceId: o.workspaceId, types: o.types, subject: o.subject };

  let buffer: DomainEvent[] = [];
  /** Set when the buffer overflowed: catch up from the database up to the head. */
  let overflowed = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const unsubscribe = o.bus.subscribe(o.workspaceId, (events) => {
    if (overflowed) return;
    buffer.push(...events);
    if (buffer.length > maxBuffered) {
      buffer = [];
      overflowed = true;
    }
    poke();
  });
  o.signal.addEventListener('abort', poke, { once: true });

  /** Highest seq accounted for: produced, or known not to match. */
  let seen = o.after;

  /** Reads every matching event in (seen, before) — or up to the head when `before` is undefined — in pages. */
  async function* readStored(before?: number): AsyncGenerator<DomainEvent[]> {
    for (;;) {
      if (o.signal.aborted) return;
      // The head is read BEFORE the rows: every seq <= head was committed before the rows' snapshot, so once a
      // short page comes back, everything up to head has been seen, even events the filter skipped.
      const head = before === undefined ? await readEventHead(o.executor, o.workspaceId) : before - 1;
      const rows = await listEvents(o.executor, {
        ...query,
        after: seen,
        ...(before !== undefined ? { before } : {}),
        limit: batchSize,
      });
      const last = rows[rows.length - 1];
      if (last) seen = last.seq;
      if (rows.length) yield rows;
      if (rows.length < batchSize) {
        seen = Math.max(seen, head);
        return;
      }
    }
  }

  try {
    yield* readStored();
    while (!o.signal.aborted) {
      if (overflowed) {
        overflowed = false;
        yield* readStored();
        continue;
      }
      if (buffer.length === 0) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        continue;
      }
      const batch = buffer;
      buffer = [];
      let out: DomainEvent[] = [];
      for (const event of batch) {
        if (event.seq <= seen) continue;
        if (event.seq > seen + 1) {
          if (out.length) yield out;
          out = [];
          yield* readStored(event.seq);
        }
        seen = event.seq;
        if (matches(event)) out.push(event);
      }
      if (out.length) yield out;
    }
  } finally {
    unsubscribe();
    o.signal.removeEventListener('abort', poke);
  }
}
