/** SQL for consumer cursors (the runner's per-pass statements live beside it in consumer-runner.ts). */
import { sql } from 'kysely';
import type { Executor } from '../../db/index.js';

/**
 * Locks the cursor row of (consumer, workspace) for the rest of `tx`, creating it at 0 on first use, and returns
 * its position. The lock makes two runs of one consumer in one workspace (a reclaimed job whose old worker is still
 * going) take turns: the second sees the position the first committed.
 */
export async function lockCursor(
  tx: Executor,
  consumer: string,
  workspaceId: string,
  now: Date,
): Promise<number> {
  await sql`
    INSERT INTO event_consumer_cursors (consumer, workspace_id, last_seq, updated_at)
    VALUES (${consumer}, ${workspaceId}::uuid, 0, ${now}::timestamptz)
    ON CONFLICT (consumer, workspace_id) DO NOTHING`.execute(tx);
  const row = await tx
    .selectFrom('event_consumer_cursors')
    .select('last_seq')
    .where('consumer', '=', consumer)
    .where('workspace_id', '=', workspaceId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  return Number(row.last_seq);
}

export async function advanceCursor(
  tx: Executor,
  consumer: string,
  workspaceId: string,
  lastSeq: number,
  now: Date,
): Promise<void> {
  await tx
    .updateTable('event_consumer_cursors')
    .set({ last_seq: lastSeq, updated_at: now, last_error: null })
    .where('consumer', '=', consumer)
    .where('workspace_id', '=', workspaceId)
    .execute();
}

/** Best effort (outside the failed transaction): what went wrong last, for operators. */
export async function recordCursorError(
  executor: Executor,
  consumer: string,
  workspaceId: string,
  message: string,
): Promise<void> {
  await executor
    .updateTable('event_consumer_cursors')
    .set({ last_error: message.slice(0, 2000) })
    .where('consumer', '=', consumer)
    .where('workspace_id', '=', workspaceId)
    .execute();
}

export interface CursorRow {
  consumer: string;
  workspaceId: string;
  lastSeq: number;
  head: number;
  updatedAt: Date | null;
  lastError: string | null;
}

/** Every workspace with events, with this consumer's position there (0 when it has never run). */
export async function listConsumerLag(executor: Executor, consumer: string): Promise<CursorRow[]> {
  const res = await sql<{
    workspace_id: string;
    head: string;
    last_seq: string | null;
    updated_at: Date | null;
    last_error: string | null;
  }>`
    SELECT w.workspace_id, w.last AS head, c.last_seq, c.updated_at, c.last_error
    FROM workspace_event_seq w
    LEFT JOIN event_consumer_cursors c ON c.consumer = ${consumer} AND c.workspace_id = w.workspace_id
    ORDER BY w.workspace_id`.execute(executor);
  return res.rows.map((r) => ({
    consumer,
    workspaceId: r.workspace_id,
    head: Number(r.head),
    lastSeq: Number(r.last_seq ?? 0),
    updatedAt: r.updated_at ? new Date(r.updated_at) : null,
    lastError: r.last_error,
  }));
}

/** The (consumer, workspace) pairs whose cursor is behind the workspace's head (or missing). One query for all. */
export async function listBehindCursors(
  executor: Executor,
  consumers: readonly string[],
): Promise<{ consumer: string; workspaceId: string }[]> {
  if (consumers.length === 0) return [];
  const res = await sql<{ consumer: string; workspace_id: string }>`
    SELECT n.name AS consumer, w.workspace_id
    FROM workspace_event_seq w
    CROSS JOIN unnest(${[...consumers]}::text[]) AS n(name)
    LEFT JOIN event_consumer_cursors c ON c.consumer = n.name AND c.workspace_id = w.workspace_id
    WHERE COALESCE(c.last_seq, 0) < w.last`.execute(executor);
  return res.rows.map((r) => ({ consumer: r.consumer, workspaceId: r.workspace_id }));
}
