/**
 * Writing and reading the `events` log.
 *
 * Invariant (ADR 0004): within a workspace, `seq` is 1, 2, 3 … with no gaps, and a transaction holding seq N
 * commits before any transaction holding N+1 can take its number. So "everything after N" is a complete answer the
 * moment it is read, which is what lets SSE resume with no gap and no duplicate.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Actor } from '../auth/actor.js';
import { systemClock, type Clock } from '../clock.js';
import type { Database, Executor } from '../db/index.js';
import type { EventActor } from './events.tables.js';
import { assertEventType, type TypeFilter } from './event-types.js';

/** NOTIFY channel: payload `{"workspaceId": "…", "seq": N}`, delivered to every node when the append commits. */
export const EVENTS_CHANNEL = 'switchboard_events';

/** One stored domain event. `seq` is the cursor: it orders events within their workspace. */
export interface DomainEvent {
  id: string;
  workspaceId: string;
  seq: number;
  type: string;
  subject: string;
  payload: unknown;
  actor: EventActor;
  occurredAt: Date;
}

export interface AppendEventInput {
  workspaceId: string;
  /** Dotted, area first: `content.published`. */
  type: string;
  /** What the event is about, e.g. `content:<id>`; readers filter on it exactly. */
  subject?: string;
  /** JSON; `undefined` members are dropped as JSON.stringify does. */
  payload?: unknown;
  actor: Actor | EventActor;
}

export interface AppendEventOptions {
  clock?: Clock;
  /** Called once the row is written (still inside the caller's transaction). */
  onAppended?: (event: DomainEvent) => void;
}

interface EventRow {
  id: string;
  workspace_id: string;
  seq: number;
  type: string;
  subject: string;
  payload: unknown;
  actor: EventActor;
  occurred_at: Date;
}

export function toEventActor(actor: Actor | EventActor): EventActor {
  return { kind: actor.kind, userId: actor.userId, tokenId: actor.tokenId, origin: actor.origin };
}

function toDomainEvent(row: EventRow): DomainEvent {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    seq: Number(row.seq),
    type: row.type,
    subject: row.subject,
    payload: row.payload,
    actor: row.actor,
    occurredAt: new Date(row.occurred_at),
  };
}

/**
 * Appends an event in the caller's transaction (pass the transaction as `executor`) and queues the cross-node
 * NOTIFY, which PostgreSQL delivers only if and when that transaction commits.
 *
 * Takes the workspace's counter row lock until the transaction ends: keep transactions that append events short.
 */
export async function appendEvent(
  executor: Executor,
  input: AppendEventInput,
  opts: AppendEventOptions = {},
): Promise<DomainEvent> {
  assertEventType(input.type);
  const occurredAt = (opts.clock ?? systemClock).now();
  const payload = JSON.stringify(input.payload ?? {}) ?? '{}';
  const actor = JSON.stringify(toEventActor(input.actor));
  // One round trip: take the next number (creating the counter on first use), insert, and NOTIFY.
  const result = await sql<EventRow>`
    WITH next AS (
      INSERT INTO workspace_event_seq AS w (workspace_id, last) VALUES (${input.workspaceId}::uuid, 1)
      ON CONFLICT (workspace_id) DO UPDATE SET last = w.last + 1
      RETURNING last
    )
    INSERT INTO events (workspace_id, seq, type, subject, payload, actor, occurred_at)
    SELECT ${input.workspaceId}::uuid, next.last, ${input.type}, ${input.subject ?? ''}, ${payload}::jsonb,
      ${actor}::jsonb, ${occurredAt}::timestamptz
    FROM next
    RETURNING id, workspace_id, seq, type, subject, payload, actor, occurred_at,
      pg_notify(${EVENTS_CHANNEL}, json_build_object('workspaceId', workspace_id, 'seq', seq)::text) AS notified
  `.execute(executor);
  const row = result.rows[0];
  if (!row) throw new Error('appendEvent: insert returned no row');
  const event = toDomainEvent(row);
  opts.onAppended?.(event);
  return event;
}

/**
 * Appends several events of ONE workspace in one statement, in the given order (consecutive seqs): a batch writer
 * (inbound webhook processing) pays one round trip instead of one per event. One NOTIFY carries the last seq; the
 * bus reads every event up to it. Same transaction rules as `appendEvent`.
 */
export async function appendEvents(
  executor: Executor,
  workspaceId: string,
  inputs: readonly Omit<AppendEventInput, 'workspaceId'>[],
  opts: AppendEventOptions = {},
): Promise<DomainEvent[]> {
  if (inputs.length === 0) return [];
  for (const i of inputs) assertEventType(i.type);
  const occurredAt = (opts.clock ?? systemClock).now();
  const n = inputs.length;
  const result = await sql<EventRow>`
    WITH next AS (
      INSERT INTO workspace_event_seq AS w (workspace_id, last) VALUES (${workspaceId}::uuid, ${n})
      ON CONFLICT (workspace_id) DO UPDATE SET last = w.last + ${n}
      RETURNING last
    )
    INSERT INTO events (workspace_id, seq, type, subject, payload, actor, occurred_at)
    SELECT ${workspaceId}::uuid, next.last - ${n} + t.ord, t.type, t.subject, t.payload::jsonb, t.actor::jsonb,
      ${occurredAt}::timestamptz
    FROM next, unnest(${inputs.map((i) => i.type)}::text[], ${inputs.map((i) => i.subject ?? '')}::text[],
                      ${inputs.map((i) => JSON.stringify(i.payload ?? {}) ?? '{}')}::text[],
                      ${inputs.map((i) => JSON.stringify(toEventActor(i.actor)))}::text[])
         WITH ORDINALITY AS t(type, subject, payload, actor, ord)
    RETURNING id, workspace_id, seq, type, subject, payload, actor, occurred_at,
      CASE WHEN seq = (SELECT last FROM next)
        THEN pg_notify(${EVENTS_CHANNEL}, json_build_object('workspaceId', workspace_id, 'seq', seq)::text)
      END AS notified
  `.execute(executor);
  const events = result.rows.map(toDomainEvent).sort((a, b) => a.seq - b.seq);
  if (events.length !== n) throw new Error('appendEvents: insert returned fewer rows than events');
  for (const e of events) opts.onAppended?.(e);
  return events;
}

export interface EventQuery {
  workspaceId: string;
  /** Exclusive lower bound (0 = from the start). */
  after: number;
  /** Exclusive upper bound, for filling a known gap. */
  before?: number;
  limit: number;
  types?: TypeFilter | null;
  subject?: string | undefined;
}

function typeCondition(eb: ExpressionBuilder<Database, 'events'>, filter: TypeFilter) {
  const parts = [];
  if (filter.exact.length) parts.push(eb('type', 'in', filter.exact));
  for (const prefix of filter.prefixes) parts.push(eb(sql<boolean>`starts_with(type, ${prefix})`, '=', true));
  return eb.or(parts);
}

/** Events of one workspace in sequence order, after `after` (and before `before`), matching the filters. */
export async function listEvents(executor: Executor, q: EventQuery): Promise<DomainEvent[]> {
  let query = executor
    .selectFrom('events')
    .select(['id', 'workspace_id', 'seq', 'type', 'subject', 'payload', 'actor', 'occurred_at'])
    .where('workspace_id', '=', q.workspaceId)
    .where('seq', '>', q.after);
  if (q.before !== undefined) query = query.where('seq', '<', q.before);
  if (q.subject !== undefined) query = query.where('subject', '=', q.subject);
  const types = q.types;
  if (types) query = query.where((eb) => typeCondition(eb, types));
  const rows = await query.orderBy('seq').limit(q.limit).execute();
  return rows.map((r) => toDomainEvent(r as EventRow));
}

/** The highest committed seq of a workspace (0 when it has no events). */
export async function readEventHead(executor: Executor, workspaceId: string): Promise<number> {
  const row = await executor
    .selectFrom('workspace_event_seq')
    .select('last')
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return row ? Number(row.last) : 0;
}

/** Heads of several workspaces at once (the bus's safety poll). Missing workspaces are absent from the map. */
export async function readEventHeads(
  executor: Executor,
  workspaceIds: string[],
): Promise<Map<string, number>> {
  if (workspaceIds.length === 0) return new Map();
  const rows = await executor
    .selectFrom('workspace_event_seq')
    .select(['workspace_id', 'last'])
    .where('workspace_id', 'in', workspaceIds)
    .execute();
  return new Map(rows.map((r) => [r.workspace_id, Number(r.last)]));
}
