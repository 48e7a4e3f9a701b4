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

/** One consumer's position in one workspace, and whether this process knows the consumer. */
export interface ConsumerLagRow extends CursorRow {
  /** False for a cursor left by a consumer this build no longer registers (renamed or removed). */
  registered: boolean;
}

/**
 * Per (consumer, workspace): every registered consumer in every workspace (or only `workspaceId`), at 0 where it
 * has never run, plus cursors of consumers not registered any more where they exist. Workspaces without events
 * have head 0. One query, ordered by consumer then workspace.
 */
export async function listConsumerLagRows(
  executor: Executor,
  opts: { consumers: readonly string[]; workspaceId?: string | undefined },
): Promise<ConsumerLagRow[]> {
  const ws = opts.workspaceId ?? null;
  const res = await sql<{
    consumer: string;
    registered: boolean;
    workspace_id: string;
    head: string | null;
    last_seq: string | null;
    updated_at: Date | string | null;
    last_error: string | null;
  }>`
    WITH registered AS (SELECT unnest(${[...opts.consumers]}::text[]) AS name),
    names AS (
      SELECT name, true AS registered FROM registered
      UNION
      SELECT DISTINCT consumer, false FROM event_consumer_cursors
      WHERE consumer NOT IN (SELECT name FROM registered)
        AND (${ws}::uuid IS NULL OR workspace_id = ${ws}::uuid)
    )
    SELECT n.name AS consumer, n.registered, w.id AS workspace_id, s.last AS head,
      c.last_seq, c.updated_at, c.last_error
    FROM names n
    CROSS JOIN workspaces w
    LEFT JOIN workspace_event_seq s ON s.workspace_id = w.id
    LEFT JOIN event_consumer_cursors c ON c.consumer = n.name AND c.workspace_id = w.id
    WHERE (${ws}::uuid IS NULL OR w.id = ${ws}::uuid)
      AND (n.registered OR c.consumer IS NOT NULL)
    ORDER BY n.name, w.id`.execute(executor);
  return res.rows.map((r) => ({
    consumer: r.consumer,
    registered: r.registered,
    workspaceId: r.workspace_id,
    head: Number(r.head ?? 0),
    lastSeq: Number(r.last_seq ?? 0),
    updatedAt: r.updated_at === null ? null : new Date(r.updated_at),
    lastError: r.last_error,
  }));
}
