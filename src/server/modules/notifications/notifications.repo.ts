/** SQL of the notifications module. Users, content items, comments and review requests are only read here. */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import {
  DEFAULT_PREFERENCES,
  NOTIFICATION_KINDS,
  type ChannelPrefs,
  type NotificationKind,
} from './notification-kinds.js';

export interface Notification {
  id: string;
  workspaceId: string;
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  subject: string;
  eventSeq: number;
  data: Record<string, unknown>;
  readAt: Date | null;
  createdAt: Date;
}

type Row = {
  id: string;
  workspace_id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  subject: string;
  event_seq: string | number;
  data: Record<string, unknown>;
  read_at: Date | null;
  created_at: Date;
};

function toNotification(r: Row): Notification {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    userId: r.user_id,
    kind: r.kind as NotificationKind,
    title: r.title,
    body: r.body,
    subject: r.subject,
    eventSeq: Number(r.event_seq),
    data: r.data ?? {},
    readAt: r.read_at ? new Date(r.read_at) : null,
    createdAt: new Date(r.created_at),
  };
}

export type NewNotification = Omit<Notification, 'id' | 'readAt'>;

/** Inserts unless this event already notified this user of this kind; returns the row when inserted. */
export async function insertNotification(tx: Executor, n: NewNotification): Promise<Notification | null> {
  const res = await sql<Row>`
    INSERT INTO notifications (workspace_id, user_id, kind, title, body, subject, event_seq, data, created_at)
    VALUES (${n.workspaceId}::uuid, ${n.userId}::uuid, ${n.kind}, ${n.title}, ${n.body}, ${n.subject}, ${n.eventSeq},
            ${JSON.stringify(n.data)}::jsonb, ${n.createdAt}::timestamptz)
    ON CONFLICT (workspace_id, event_seq, user_id, kind) DO NOTHING
    RETURNING *`.execute(tx);
  const row = res.rows[0];
  return row ? toNotification(row) : null;
}

export async function listNotifications(
  db: Executor,
  q: {
    workspaceId: string;
    userId: string;
    unreadOnly: boolean;
    before?: { at: Date; id: string };
    limit: number;
  },
): Promise<Notification[]> {
  let query = db
    .selectFrom('notifications')
    .selectAll()
    .where('workspace_id', '=', q.workspaceId)
    .where('user_id', '=', q.userId);
  if (q.unreadOnly) query = query.where('read_at', 'is', null);
  const before = q.before;
  if (before) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '<', before.at),
        eb.and([eb('created_at', '=', before.at), eb('id', '<', before.id)]),
      ]),
    );
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map((r) => toNotification(r as unknown as Row));
}

export async function countUnread(db: Executor, workspaceId: string, userId: string): Promise<number> {
  const r = await db
    .selectFrom('notifications')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Marks one of the user's notifications read (idempotent); null when it is not theirs or does not exist. */
export async function markRead(
  tx: Executor,
  workspaceId: string,
  userId: string,
  id: string,
  at: Date,
): Promise<Notification | null> {
  const res = await sql<Row>`
    UPDATE notifications SET read_at = coalesce(read_at, ${at}::timestamptz)
    WHERE workspace_id = ${workspaceId}::uuid AND user_id = ${userId}::uuid AND id = ${id}::uuid
    RETURNING *`.execute(tx);
  const row = res.rows[0];
  return row ? toNotification(row) : null;
}

export async function markAllRead(
  tx: Executor,
  workspaceId: string,
  userId: string,
  at: Date,
): Promise<number> {
  const res = await tx
    .updateTable('notifications')
    .set({ read_at: at })
    .where('workspace_id', '=', workspaceId)
    .where('user_id', '=', userId)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** Effective preferences per kind for several users (defaults where they set nothing). */
export async function readPreferences(
  db: Executor,
  workspaceId: string,
  userIds: string[],
): Promise<Map<string, Record<NotificationKind, ChannelPrefs>>> {
  const out = new Map<string, Record<NotificationKind, ChannelPrefs>>();
  for (const id of userIds) out.set(id, { ...DEFAULT_PREFERENCES });
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('notification_preferences')
    .select(['user_id', 'kind', 'in_app', 'email'])
    .where('workspace_id', '=', workspaceId)
    .where('user_id', 'in', userIds)
    .execute();
  for (const r of rows) {
    if (!(NOTIFICATION_KINDS as readonly string[]).includes(r.kind)) continue;
    out.get(r.user_id)![r.kind as NotificationKind] = { inApp: r.in_app, email: r.email };
  }
  return out;
}

export async function upsertPreference(
  tx: Executor,
  workspaceId: string,
  userId: string,
  kind: NotificationKind,
  prefs: ChannelPrefs,
): Promise<void> {
  await sql`
    INSERT INTO notification_preferences (workspace_id, user_id, kind, in_app, email)
    VALUES (${workspaceId}::uuid, ${userId}::uuid, ${kind}, ${prefs.inApp}, ${prefs.email})
    ON CONFLICT (workspace_id, user_id, kind) DO UPDATE SET in_app = excluded.in_app, email = excluded.email`.execute(
    tx,
  );
}

// ── what the consumer reads to decide who to tell ─────────────────────────────────────────────────────────────

export async function findContentSummary(
  db: Executor,
  workspaceId: string,
  contentId: string,
): Promise<{ title: string; ownerId: string } | null> {
  const r = await db
    .selectFrom('content_items')
    .select(['title', 'owner_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', contentId)
    .executeTakeFirst();
  return r ? { title: r.title, ownerId: r.owner_id } : null;
}

export async function findCommentFacts(
  db: Executor,
  workspaceId: string,
  commentId: string,
): Promise<{
  contentId: string;
  authorUserId: string | null;
  authorName: string;
  body: string;
  mentions: string[];
  parentAuthorId: string | null;
} | null> {
  const r = await db
    .selectFrom('review_comments as c')
    .leftJoin('review_comments as p', 'p.id', 'c.parent_id')
    .select([
      'c.content_id',
      'c.author_user_id',
      'c.author_name',
      'c.body',
      'c.mentions',
      'p.author_user_id as parent_author',
    ])
    .where('c.workspace_id', '=', workspaceId)
    .where('c.id', '=', commentId)
    .executeTakeFirst();
  return r
    ? {
        contentId: r.content_id,
        authorUserId: r.author_user_id,
        authorName: r.author_name,
        body: r.body,
        mentions: r.mentions ?? [],
        parentAuthorId: r.parent_author,
      }
    : null;
}

export async function findReviewRequestFacts(
  db: Executor,
  workspaceId: string,
  requestId: string,
): Promise<{ contentId: string; reviewerUserId: string; message: string; status: string } | null> {
  const r = await db
    .selectFrom('review_requests')
    .select(['content_id', 'reviewer_user_id', 'message', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', requestId)
    .executeTakeFirst();
  return r
    ? { contentId: r.content_id, reviewerUserId: r.reviewer_user_id, message: r.message, status: r.status }
    : null;
}

/** Reviewers with an open request on the item: they follow its state changes. */
export async function listOpenReviewers(db: Executor, contentId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('review_requests')
    .select('reviewer_user_id')
    .where('content_id', '=', contentId)
    .where('status', '=', 'pending')
    .execute();
  return rows.map((r) => r.reviewer_user_id);
}

/** Of `userIds`, those still active members of the workspace (a notification never reaches a former member). */
/** Active (not disabled) owners and admins of a workspace: who hears about workspace-wide integration problems. */
export async function listWorkspaceAdmins(db: Executor, workspaceId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.id')
    .where('memberships.workspace_id', '=', workspaceId)
    .where('memberships.role', 'in', ['owner', 'admin'])
    .where('users.disabled', '=', false)
    .orderBy('users.id')
    .execute();
  return rows.map((r) => r.id);
}

export async function filterMembers(db: Executor, workspaceId: string, userIds: string[]): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.id')
    .where('memberships.workspace_id', '=', workspaceId)
    .where('users.disabled', '=', false)
    .where('users.id', 'in', userIds)
    .execute();
  return rows.map((r) => r.id);
}

export async function findUserEmail(
  db: Executor,
  userId: string,
): Promise<{ email: string; name: string } | null> {
  const r = await db
    .selectFrom('users')
    .select(['email', 'name', 'disabled'])
    .where('id', '=', userId)
    .executeTakeFirst();
  return r && !r.disabled ? { email: r.email, name: r.name } : null;
}
