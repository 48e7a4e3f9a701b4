/** SQL for outbound messages and their attempts. */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import { webhookDb, type AttemptOutcome, type MessageStatus } from './webhooks.tables.js';

export interface Message {
  id: string;
  workspaceId: string;
  subscriptionId: string;
  eventSeq: number | null;
  eventType: string;
  body: string;
  fullBody: string | null;
  status: MessageStatus;
  attempts: number;
  generation: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface Attempt {
  id: number;
  messageId: string;
  attempt: number;
  url: string;
  requestHeaders: Record<string, string>;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  outcome: AttemptOutcome;
  durationMs: number;
  startedAt: Date;
}

type MessageRow = {
  id: string;
  workspace_id: string;
  subscription_id: string;
  event_seq: number | string | null;
  event_type: string;
  body: string;
  full_body: string | null;
  status: MessageStatus;
  attempts: number;
  generation: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  created_at: Date;
  finished_at: Date | null;
};

function toMessage(r: MessageRow): Message {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    subscriptionId: r.subscription_id,
    eventSeq: r.event_seq === null ? null : Number(r.event_seq),
    eventType: r.event_type,
    body: r.body,
    fullBody: r.full_body,
    status: r.status,
    attempts: r.attempts,
    generation: r.generation,
    lastStatus: r.last_status,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  };
}

export interface NewMessage {
  id: string;
  workspaceId: string;
  subscriptionId: string;
  eventSeq: number | null;
  eventType: string;
  body: string;
  fullBody: string | null;
  createdAt: Date;
}

/** Inserts a pending message; false when this event already has a message for this subscription. */
export async function insertMessage(db: Executor, m: NewMessage): Promise<boolean> {
  const res = await webhookDb(db)
    .insertInto('webhook_messages')
    .values({
      id: m.id,
      workspace_id: m.workspaceId,
      subscription_id: m.subscriptionId,
      event_seq: m.eventSeq,
      event_type: m.eventType,
      body: m.body,
      full_body: m.fullBody,
      status: 'pending',
      last_status: null,
      last_error: null,
      next_attempt_at: m.createdAt,
      created_at: m.createdAt,
      finished_at: null,
    })
    .onConflict((oc) => oc.columns(['subscription_id', 'event_seq']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return res !== undefined;
}

export async function findMessage(
  db: Executor,
  id: string,
  opts: { workspaceId?: string; forUpdate?: boolean } = {},
): Promise<Message | null> {
  let q = webhookDb(db).selectFrom('webhook_messages').selectAll().where('id', '=', id);
  if (opts.workspaceId) q = q.where('workspace_id', '=', opts.workspaceId);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toMessage(row) : null;
}

export interface MessageQuery {
  workspaceId: string;
  subscriptionId?: string | undefined;
  status?: MessageStatus | undefined;
  /** Keyset: messages older than this (created_at, id), newest first. */
  before?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

export async function listMessages(db: Executor, q: MessageQuery): Promise<Message[]> {
  let query = webhookDb(db)
    .selectFrom('webhook_messages')
    .selectAll()
    .where('workspace_id', '=', q.workspaceId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(q.limit);
  if (q.subscriptionId) query = query.where('subscription_id', '=', q.subscriptionId);
  if (q.status) query = query.where('status', '=', q.status);
  const before = q.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.createdAt),
        eb.and([eb('created_at', '=', before.createdAt), eb('id', '<', before.id)]),
      ]),
    );
  }
  return (await query.execute()).map(toMessage);
}

/** Finished messages to replay, oldest first: all dead ones, or every finished one created at/after `since`. */
export async function listReplayable(
  db: Executor,
  q: {
    workspaceId: string;
    subscriptionId?: string | undefined;
    deadOnly: boolean;
    since?: Date | undefined;
    limit: number;
  },
): Promise<Message[]> {
  let query = webhookDb(db)
    .selectFrom('webhook_messages')
    .selectAll()
    .where('workspace_id', '=', q.workspaceId)
    .where('status', q.deadOnly ? '=' : '!=', q.deadOnly ? 'dead' : 'pending')
    .orderBy('created_at')
    .orderBy('event_seq')
    .orderBy('id')
    .limit(q.limit);
  if (q.subscriptionId) query = query.where('subscription_id', '=', q.subscriptionId);
  if (q.since) query = query.where('created_at', '>=', q.since);
  return (await query.execute()).map(toMessage);
}

/** Back to pending for a replay; returns the new generation. */
export async function resetMessageForReplay(db: Executor, id: string, now: Date): Promise<number> {
  const row = await webhookDb(db)
    .updateTable('webhook_messages')
    .set((eb) => ({
      status: 'pending',
      generation: eb('generation', '+', 1),
      next_attempt_at: now,
      finished_at: null,
    }))
    .where('id', '=', id)
    .returning('generation')
    .executeTakeFirstOrThrow();
  return row.generation;
}

export async function recordAttemptResult(
  db: Executor,
  m: { id: string },
  r: {
    status: MessageStatus;
    lastStatus: number | null;
    lastError: string | null;
    nextAttemptAt: Date | null;
    finishedAt: Date | null;
  },
): Promise<void> {
  await webhookDb(db)
    .updateTable('webhook_messages')
    .set((eb) => ({
      status: r.status,
      attempts: eb('attempts', '+', 1),
      last_status: r.lastStatus,
      last_error: r.lastError,
      next_attempt_at: r.nextAttemptAt,
      finished_at: r.finishedAt,
    }))
    .where('id', '=', m.id)
    .execute();
}

/** Marks a message dead without an attempt (its subscription is disabled or gone). */
export async function markMessageDead(db: Executor, id: string, reason: string, now: Date): Promise<void> {
  await webhookDb(db)
    .updateTable('webhook_messages')
    .set({ status: 'dead', last_error: reason, next_attempt_at: null, finished_at: now })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute();
}

export async function insertAttempt(
  db: Executor,
  a: Omit<Attempt, 'id'> & { workspaceId: string; subscriptionId: string },
): Promise<void> {
  await webhookDb(db)
    .insertInto('webhook_attempts')
    .values({
      message_id: a.messageId,
      workspace_id: a.workspaceId,
      subscription_id: a.subscriptionId,
      attempt: a.attempt,
      url: a.url,
      request_headers: JSON.stringify(a.requestHeaders),
      response_status: a.responseStatus,
      response_body: a.responseBody,
      error: a.error,
      outcome: a.outcome,
      duration_ms: a.durationMs,
      started_at: a.startedAt,
    })
    .execute();
}

export async function listAttempts(db: Executor, messageId: string): Promise<Attempt[]> {
  const rows = await webhookDb(db)
    .selectFrom('webhook_attempts')
    .selectAll()
    .where('message_id', '=', messageId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    messageId: r.message_id,
    attempt: r.attempt,
    url: r.url,
    requestHeaders: r.request_headers,
    responseStatus: r.response_status,
    responseBody: r.response_body,
    error: r.error,
    outcome: r.outcome,
    durationMs: r.duration_ms,
    startedAt: r.started_at,
  }));
}

/** Counts by status for one subscription (the subscription view). */
export async function countMessagesByStatus(
  db: Executor,
  subscriptionId: string,
): Promise<Record<MessageStatus, number>> {
  const rows = await sql<{ status: MessageStatus; n: string }>`
    SELECT status, count(*)::text AS n FROM webhook_messages WHERE subscription_id = ${subscriptionId}::uuid
    GROUP BY status`.execute(db);
  const out: Record<MessageStatus, number> = { pending: 0, succeeded: 0, dead: 0 };
  for (const r of rows.rows) out[r.status] = Number(r.n);
  return out;
}
