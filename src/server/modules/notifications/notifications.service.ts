/**
 * A member's own notifications: list, unread count, mark read, mark all read, and per-kind channel preferences.
 * Every function acts on the caller's rows only; an actor without a user (the system) has none.
 */
import { authorize, type Actor } from '../../platform/auth/index.js';
import type { Clock } from '../../platform/clock.js';
import { inTransaction, type Db } from '../../platform/db/index.js';
import { ForbiddenError, NotFoundError } from '../../platform/errors/index.js';
import { NOTIFICATION_KINDS, type ChannelPrefs, type NotificationKind } from './notification-kinds.js';
import {
  countUnread,
  listNotifications,
  markAllRead,
  markRead,
  readPreferences,
  upsertPreference,
  type Notification,
} from './notifications.repo.js';

export interface NotificationsContext {
  db: Db;
  clock: Clock;
}

function userOf(actor: Actor): string {
  if (!actor.userId) throw new ForbiddenError('Notifications belong to users; this caller has none');
  return actor.userId;
}

export async function listMyNotifications(
  ctx: NotificationsContext,
  actor: Actor,
  q: { unreadOnly: boolean; before?: { at: Date; id: string } | undefined; limit: number },
): Promise<{ items: Notification[]; next: { at: Date; id: string } | null }> {
  authorize(actor, 'notifications.read', { workspaceId: actor.workspaceId });
  const items = await listNotifications(ctx.db.kysely, {
    workspaceId: actor.workspaceId,
    userId: userOf(actor),
    unreadOnly: q.unreadOnly,
    limit: q.limit,
    ...(q.before ? { before: q.before } : {}),
  });
  const last = items[items.length - 1];
  return { items, next: last && items.length === q.limit ? { at: last.createdAt, id: last.id } : null };
}

export async function countMyUnread(ctx: NotificationsContext, actor: Actor): Promise<number> {
  authorize(actor, 'notifications.read', { workspaceId: actor.workspaceId });
  return countUnread(ctx.db.kysely, actor.workspaceId, userOf(actor));
}

export async function markNotificationRead(
  ctx: NotificationsContext,
  actor: Actor,
  id: string,
): Promise<Notification> {
  authorize(actor, 'notifications.manage', { workspaceId: actor.workspaceId });
  const n = await markRead(ctx.db.kysely, actor.workspaceId, userOf(actor), id, ctx.clock.now());
  if (!n) throw new NotFoundError('Notification', id);
  return n;
}

export async function markAllNotificationsRead(ctx: NotificationsContext, actor: Actor): Promise<number> {
  authorize(actor, 'notifications.manage', { workspaceId: actor.workspaceId });
  return markAllRead(ctx.db.kysely, actor.workspaceId, userOf(actor), ctx.clock.now());
}

export async function getMyPreferences(
  ctx: NotificationsContext,
  actor: Actor,
): Promise<Record<NotificationKind, ChannelPrefs>> {
  authorize(actor, 'notifications.read', { workspaceId: actor.workspaceId });
  const userId = userOf(actor);
  return (await readPreferences(ctx.db.kysely, actor.workspaceId, [userId])).get(userId)!;
}

export async function setMyPreferences(
  ctx: NotificationsContext,
  actor: Actor,
  changes: Partial<Record<NotificationKind, ChannelPrefs>>,
): Promise<Record<NotificationKind, ChannelPrefs>> {
  authorize(actor, 'notifications.manage', { workspaceId: actor.workspaceId });
  const userId = userOf(actor);
  await inTransaction(ctx.db.kysely, async (tx) => {
    for (const kind of NOTIFICATION_KINDS) {
      const prefs = changes[kind];
      if (prefs) await upsertPreference(tx, actor.workspaceId, userId, kind, prefs);
    }
  });
  return getMyPreferences(ctx, actor);
}
