/**
 * The `notifications` event consumer: turns review and workflow events into in-app notifications and email jobs.
 *
 * Who is told what (never the person who caused the event, never a non-member):
 * - `review.requested` → the reviewer: review_requested;
 * - `comment.created` → mentioned members: mentioned; the content owner and the author of the comment replied to:
 *   commented (unless already mentioned);
 * - `content.transitioned` → the owner: rejected (action `reject`, with the reason) or state_changed; reviewers with
 *   an open request on the item: state_changed;
 * - `webhook.subscription_disabled` → every active owner and admin of the workspace: webhook_disabled (the webhooks
 *   module appends it when a receiver answered 410 or failed for 3 days; its payload is a typed event contract).
 *
 * Facts are re-read from the database rather than trusted from the payload: the event says *that* something
 * happened, the rows say to whom.
 */
import { z } from 'zod';
import type { Executor } from '../../platform/db/index.js';
import {
  defineEventConsumer,
  TYPED_EVENT_PAYLOADS,
  type DomainEvent,
  type EventConsumer,
} from '../../platform/events/index.js';
import { enqueue, type JobCatalog } from '../../platform/queue/index.js';
import type { Clock } from '../../platform/clock.js';
import type { NotificationKind } from './notification-kinds.js';
import type { emailPayload } from './notifications.jobs.js';
import {
  filterMembers,
  findCommentFacts,
  findContentSummary,
  findReviewRequestFacts,
  insertNotification,
  listOpenReviewers,
  listWorkspaceAdmins,
  readPreferences,
} from './notifications.repo.js';

export const NOTIFICATIONS_CONSUMER = 'notifications';

interface Draft {
  userId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  data: Record<string, unknown>;
  /** Path (under the public URL) the email points to. */
  link?: string;
}

const contentRef = z.looseObject({ contentId: z.uuid() });
const transitioned = contentRef.extend({
  from: z.string(),
  to: z.string(),
  action: z.string(),
  reason: z.string().nullable().optional(),
  /** Carried by events since 2026-12; older events are looked up. */
  title: z.string().optional(),
  ownerId: z.uuid().optional(),
});
const commentCreated = contentRef.extend({ commentId: z.uuid() });
const reviewRequested = contentRef.extend({ requestId: z.uuid() });

export interface NotificationConsumerDeps {
  clock: Clock;
  publicUrl: string;
  jobs: JobCatalog<{ 'notifications.email': typeof emailPayload }>;
}

export function defineNotificationsConsumer(deps: NotificationConsumerDeps): EventConsumer {
  return defineEventConsumer({
    name: NOTIFICATIONS_CONSUMER,
    types: ['content.transitioned', 'comment.created', 'review.requested', 'webhook.subscription_disabled'],
    handle: async (tx, event) => {
      const drafts = await draftNotifications(tx, event);
      if (drafts.length === 0) return;
      await deliver(tx, event, drafts, deps);
    },
  });
}

async function draftNotifications(tx: Executor, event: DomainEvent): Promise<Draft[]> {
  const ws = event.workspaceId;
  switch (event.type) {
    case 'review.requested': {
      const p = reviewRequested.safeParse(event.payload);
      if (!p.success) return [];
      const request = await findReviewRequestFacts(tx, ws, p.data.requestId);
      const content = request && (await findContentSummary(tx, ws, request.contentId));
      if (!request || !content || request.status !== 'pending') return [];
      return [
        {
          userId: request.reviewerUserId,
          kind: 'review_requested',
          title: `Review requested: ${content.title}`,
          body: request.message,
          data: { contentId: request.contentId, requestId: p.data.requestId },
        },
      ];
    }
    case 'comment.created': {
      const p = commentCreated.safeParse(event.payload);
      if (!p.success) return [];
      const comment = await findCommentFacts(tx, ws, p.data.commentId);
      const content = comment && (await findContentSummary(tx, ws, comment.contentId));
      if (!comment || !content) return [];
      const who = comment.authorName || 'Someone';
      const data = { contentId: comment.contentId, commentId: p.data.commentId };
      const excerpt = comment.body.slice(0, 500);
      const out: Draft[] = comment.mentions.map((userId) => ({
        userId,
        kind: 'mentioned',
        title: `${who} mentioned you on ${content.title}`,
        body: excerpt,
        data,
      }));
      for (const userId of [content.ownerId, comment.parentAuthorId]) {
        if (userId && !comment.mentions.includes(userId)) {
          out.push({
            userId,
            kind: 'commented',
            title: `${who} commented on ${content.title}`,
            body: excerpt,
            data,
          });
        }
      }
      return out;
    }
    case 'content.transitioned': {
      const p = transitioned.safeParse(event.payload);
      if (!p.success) return [];
      const content =
        p.data.title !== undefined && p.data.ownerId !== undefined
          ? { title: p.data.title, ownerId: p.data.ownerId }
          : await findContentSummary(tx, ws, p.data.contentId);
      if (!content) return [];
      const data = { contentId: p.data.contentId, from: p.data.from, to: p.data.to, action: p.data.action };
      const reason = p.data.reason ?? '';
      const out: Draft[] = [
        p.data.action === 'reject'
          ? {
              userId: content.ownerId,
              kind: 'rejected',
              title: `Changes requested on ${content.title}`,
              body: reason,
              data,
            }
          : {
              userId: content.ownerId,
              kind: 'state_changed',
              title: `${content.title}: ${p.data.from} → ${p.data.to}`,
              body: reason,
              data,
            },
      ];
      for (const userId of await listOpenReviewers(tx, p.data.contentId)) {
        out.push({
          userId,
          kind: 'state_changed',
          title: `${content.title}: ${p.data.from} → ${p.data.to}`,
          body: reason,
          data,
        });
      }
      return out;
    }
    case 'webhook.subscription_disabled': {
      const p = TYPED_EVENT_PAYLOADS['webhook.subscription_disabled'].safeParse(event.payload);
      if (!p.success) return [];
      const { subscriptionId, url, cause, reason } = p.data;
      return (await listWorkspaceAdmins(tx, ws)).map((userId) => ({
        userId,
        kind: 'webhook_disabled',
        title: `Webhook disabled: ${url}`,
        body:
          `Switchboard disabled the webhook subscription ${subscriptionId} (${url}): ${reason}. ` +
          'Fix the receiver, re-enable the subscription and replay its dead messages.',
        data: { subscriptionId, url, cause, reason },
        link: '/webhooks',
      }));
    }
    default:
      return [];
  }
}

async function deliver(tx: Executor, event: DomainEvent, drafts: Draft[], deps: NotificationConsumerDeps) {
  const ws = event.workspaceId;
  // One notification per (user, kind) per event; the cause is never told about their own action.
  const unique = new Map<string, Draft>();
  for (const d of drafts) {
    if (d.userId === event.actor.userId) continue;
    unique.set(`${d.userId}:${d.kind}`, d);
  }
  const members = new Set(
    await filterMembers(tx, ws, [...new Set([...unique.values()].map((d) => d.userId))]),
  );
  const recipients = [...unique.values()].filter((d) => members.has(d.userId));
  const prefs = await readPreferences(tx, ws, [...members]);
  const base = deps.publicUrl.replace(/\/$/, '');
  for (const d of recipients) {
    const p = prefs.get(d.userId)![d.kind];
    if (p.inApp) {
      await insertNotification(tx, {
        workspaceId: ws,
        userId: d.userId,
        kind: d.kind,
        title: d.title,
        body: d.body,
        subject: event.subject,
        eventSeq: event.seq,
        data: d.data,
        createdAt: deps.clock.now(),
      });
    }
    if (p.email) {
      const path = d.link ?? (typeof d.data.contentId === 'string' ? `/content/${d.data.contentId}` : null);
      const link = path ? `\n\n${base}${path}` : '';
      await enqueue(tx, deps.jobs, 'notifications.email', {
        workspaceId: ws,
        userId: d.userId,
        subject: d.title.slice(0, 300),
        text: `${d.body ? d.body + '\n' : ''}${link}`.trim().slice(0, 20_000) || d.title,
      });
    }
  }
}
