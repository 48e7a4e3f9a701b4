/** `/api/v1/notifications`: the caller's in-app notifications and channel preferences. */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import { NOTIFICATION_KINDS, type ChannelPrefs, type NotificationKind } from './notification-kinds.js';
import type { Notification } from './notifications.repo.js';
import {
  countMyUnread,
  getMyPreferences,
  listMyNotifications,
  markAllNotificationsRead,
  markNotificationRead,
  setMyPreferences,
  type NotificationsContext,
} from './notifications.service.js';

const TAGS = ['notifications'];
const cursorSchema = z.object({ at: z.iso.datetime(), id: z.uuid() });

export const notificationSchema = z.object({
  id: z.string(),
  kind: z.enum(NOTIFICATION_KINDS),
  title: z.string(),
  body: z.string(),
  subject: z.string().describe('What it is about, e.g. `content:<id>`'),
  data: z.record(z.string(), z.unknown()),
  eventSeq: z.number().int().describe('The event that caused it'),
  readAt: z.string().nullable(),
  createdAt: z.string(),
});

const channelSchema = z.object({ inApp: z.boolean(), email: z.boolean() });
const preferencesSchema = z.object(
  Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, channelSchema])) as Record<
    NotificationKind,
    typeof channelSchema
  >,
);

function toBody(n: Notification): z.infer<typeof notificationSchema> {
  return {
    id: n.id,
    kind: n.kind,
    title: n.title,
    body: n.body,
    subject: n.subject,
    data: n.data,
    eventSeq: n.eventSeq,
    readAt: n.readAt?.toISOString() ?? null,
    createdAt: n.createdAt.toISOString(),
  };
}

export function registerNotificationRoutes(app: HttpApp, ctx: NotificationsContext): void {
  app.get(
    '/api/v1/notifications',
    {
      config: { action: 'notifications.read', etag: false },
      schema: {
        tags: TAGS,
        summary: 'Your notifications in this workspace, newest first',
        querystring: pageQuery.extend({
          unread: z
            .enum(['true', 'false'])
            .optional()
            .transform((v) => v === 'true')
            .describe('Only unread ones'),
        }),
        response: { 200: page(notificationSchema) },
      },
    },
    async (request) => {
      const c = decodeCursor(request.query.cursor, cursorSchema);
      const result = await listMyNotifications(ctx, request.actor, {
        unreadOnly: request.query.unread,
        before: c ? { at: new Date(c.at), id: c.id } : undefined,
        limit: request.query.limit,
      });
      return {
        items: result.items.map(toBody),
        nextCursor: result.next
          ? encodeCursor({ at: result.next.at.toISOString(), id: result.next.id })
          : null,
      };
    },
  );

  app.get(
    '/api/v1/notifications/unread-count',
    {
      config: { action: 'notifications.read', etag: false },
      schema: {
        tags: TAGS,
        summary: 'How many of your notifications are unread',
        response: { 200: z.object({ unread: z.number().int() }) },
      },
    },
    async (request) => ({ unread: await countMyUnread(ctx, request.actor) }),
  );

  app.post(
    '/api/v1/notifications/:id/read',
    {
      config: { action: 'notifications.manage' },
      schema: {
        tags: TAGS,
        summary: 'Mark one of your notifications read (idempotent)',
        params: z.object({ id: z.uuid() }),
        response: { 200: notificationSchema },
      },
    },
    async (request) => toBody(await markNotificationRead(ctx, request.actor, request.params.id)),
  );

  app.post(
    '/api/v1/notifications/read-all',
    {
      config: { action: 'notifications.manage' },
      schema: {
        tags: TAGS,
        summary: 'Mark all your notifications read',
        response: { 200: z.object({ marked: z.number().int() }) },
      },
    },
    async (request) => ({ marked: await markAllNotificationsRead(ctx, request.actor) }),
  );

  app.get(
    '/api/v1/notifications/preferences',
    {
      config: { action: 'notifications.read' },
      schema: {
        tags: TAGS,
        summary: 'Your channels per notification kind (in-app, email)',
        response: { 200: preferencesSchema },
      },
    },
    async (request) => getMyPreferences(ctx, request.actor),
  );

  app.put(
    '/api/v1/notifications/preferences',
    {
      config: { action: 'notifications.manage' },
      schema: {
        tags: TAGS,
        summary: 'Change your channels for some notification kinds; kinds left out keep their setting',
        body: preferencesSchema.partial(),
        response: { 200: preferencesSchema },
      },
    },
    async (request) =>
      setMyPreferences(ctx, request.actor, request.body as Partial<Record<NotificationKind, ChannelPrefs>>),
  );
}
