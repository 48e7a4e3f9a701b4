/**
 * Outbound messages: creating them from events (the consumer), pings, replays, the message log and the thin-event
 * payload fetch. A message and its delivery job are always written in the same transaction.
 */
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { Actor } from '../../platform/auth/index.js';
import { authorize } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import type { DomainEvent } from '../../platform/events/index.js';
import { enqueue } from '../../platform/queue/index.js';
import { decodeWebhookSecret } from './standard-webhooks.js';
import { matchesSubscription, parseEventTypeFilters } from './subscription-filter.js';
import {
  findMessage,
  insertMessage,
  listAttempts,
  listMessages,
  listReplayable,
  resetMessageForReplay,
  type Attempt,
  type Message,
  type MessageQuery,
} from './messages.repo.js';
import { findSubscription, listSubscriptions, type Subscription } from './subscriptions.repo.js';
import { openSigningSecrets } from './subscriptions.service.js';
import type { WebhooksContext } from './webhooks.context.js';
import { WebhookPayloadTokenInvalidError, WebhookSubscriptionDisabledError } from './webhooks.errors.js';
import { deliverDedupeKey, subscriptionLane } from './webhooks.jobs.js';
import type { MessageStatus } from './webhooks.tables.js';

export const PING_EVENT_TYPE = 'webhook.ping';
/** Replays touch at most this many messages per call; call again for more. */
export const MAX_REPLAY = 10_000;

/** A Standard Webhooks message id. */
export const newMessageId = () => `msg_${randomUUID().replace(/-/g, '')}`;

/** The token that authorizes fetching a thin event's full payload: HMAC of the message id under the secret. */
export function payloadToken(secret: string, messageId: string): string {
  return createHmac('sha256', decodeWebhookSecret(secret)).update(`payload:${messageId}`).digest('base64url');
}

/**
 * The body sent for an event (Standard Webhooks shape: `type`, `timestamp`, `data`, plus the event's coordinates).
 * Over the size limit, the body becomes a thin event whose `payloadUrl` returns the full one.
 */
function buildBodies(
  ctx: WebhooksContext,
  sub: Subscription,
  messageId: string,
  e: {
    type: string;
    occurredAt: Date;
    payload: unknown;
    seq: number | null;
    subject: string;
    eventId: string | null;
  },
): { body: string; fullBody: string | null } {
  const event = { id: e.eventId, seq: e.seq, subject: e.subject, workspaceId: sub.workspaceId };
  const full = JSON.stringify({
    type: e.type,
    timestamp: e.occurredAt.toISOString(),
    data: e.payload ?? {},
    event,
  });
  if (Buffer.byteLength(full) <= ctx.options.thinPayloadBytes) return { body: full, fullBody: null };
  const secret = openSigningSecrets(ctx, sub, ctx.clock.now())[0]!;
  const payloadUrl =
    `${ctx.publicUrl}/api/v1/webhooks/messages/${messageId}/payload?token=` + payloadToken(secret, messageId);
  const thin = JSON.stringify({
    type: e.type,
    timestamp: e.occurredAt.toISOString(),
    data: null,
    thin: true,
    payloadUrl,
    event,
  });
  return { body: thin, fullBody: full };
}

async function enqueueDelivery(
  ctx: WebhooksContext,
  tx: Executor,
  sub: Subscription,
  messageId: string,
  generation: number,
): Promise<void> {
  await enqueue(
    tx,
    ctx.jobs,
    'webhooks.deliver',
    { workspaceId: sub.workspaceId, messageId },
    {
      dedupeKey: deliverDedupeKey(messageId, generation),
      ...(sub.ordering === 'ordered' ? { orderingKey: subscriptionLane(sub.id) } : {}),
    },
  );
}

/**
 * The enabled subscriptions of a workspace, read once per consumer transaction: a pass hands the consumer up to a
 * batch of events in one transaction, and reading them per event was one query per event for nothing.
 */
const subscriptionsByTx = new WeakMap<Executor, Map<string, Subscription[]>>();
async function enabledSubscriptionsIn(tx: Executor, workspaceId: string): Promise<Subscription[]> {
  let byWs = subscriptionsByTx.get(tx);
  if (!byWs) subscriptionsByTx.set(tx, (byWs = new Map()));
  let subs = byWs.get(workspaceId);
  if (!subs) byWs.set(workspaceId, (subs = await listSubscriptions(tx, workspaceId, { enabledOnly: true })));
  return subs;
}

/**
 * The consumer's work for one event, in its transaction: one message + delivery job per enabled subscription
 * whose filters match. Idempotent per (subscription, event).
 */
export async function fanOutEvent(ctx: WebhooksContext, tx: Executor, event: DomainEvent): Promise<number> {
  const subs = await enabledSubscriptionsIn(tx, event.workspaceId);
  let created = 0;
  for (const sub of subs) {
    const typeFilter = sub.eventTypes.length ? parseEventTypeFilters(sub.eventTypes) : null;
    if (!matchesSubscription(event, { typeFilter, payloadFilter: sub.payloadFilter })) continue;
    const id = newMessageId();
    const bodies = buildBodies(ctx, sub, id, {
      type: event.type,
      occurredAt: event.occurredAt,
      payload: event.payload,
      seq: event.seq,
      subject: event.subject,
      eventId: event.id,
    });
    const inserted = await insertMessage(tx, {
      id,
      workspaceId: event.workspaceId,
      subscriptionId: sub.id,
      eventSeq: event.seq,
      eventType: event.type,
      ...bodies,
      createdAt: ctx.clock.now(),
    });
    if (!inserted) continue;
    await enqueueDelivery(ctx, tx, sub, id, 0);
    created++;
  }
  return created;
}

/** Sends a `webhook.ping` test message to a subscription now; returns the message. */
export async function pingSubscription(
  ctx: WebhooksContext,
  actor: Actor,
  subscriptionId: string,
): Promise<Message> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const sub = await findSubscription(tx, actor.workspaceId, subscriptionId);
    if (!sub) throw new NotFoundError('Webhook subscription', subscriptionId);
    if (!sub.enabled) throw new WebhookSubscriptionDisabledError(sub.id);
    const id = newMessageId();
    const now = ctx.clock.now();
    const bodies = buildBodies(ctx, sub, id, {
      type: PING_EVENT_TYPE,
      occurredAt: now,
      payload: { subscriptionId: sub.id, message: 'Test message from Switchboard' },
      seq: null,
      subject: `webhook_subscription:${sub.id}`,
      eventId: null,
    });
    await insertMessage(tx, {
      id,
      workspaceId: sub.workspaceId,
      subscriptionId: sub.id,
      eventSeq: null,
      eventType: PING_EVENT_TYPE,
      ...bodies,
      createdAt: now,
    });
    await enqueueDelivery(ctx, tx, sub, id, 0);
    return (await findMessage(tx, id))!;
  });
}

export type ReplayRequest =
  | { kind: 'message'; messageId: string }
  | { kind: 'dead'; subscriptionId: string }
  | { kind: 'since'; since: Date; subscriptionId?: string | undefined };

/**
 * Sends finished messages again with their original id and body (a fresh signature and attempt schedule):
 * one message, every dead message of a subscription, or every finished message since a time. Messages of disabled
 * subscriptions are skipped (a single-message replay of one is refused). Returns the replayed message ids, oldest first.
 */
export async function replayMessages(
  ctx: WebhooksContext,
  actor: Actor,
  req: ReplayRequest,
): Promise<{ replayed: string[]; skipped: number }> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    let messages: Message[];
    if (req.kind === 'message') {
      const m = await findMessage(tx, req.messageId, { workspaceId: actor.workspaceId, forUpdate: true });
      if (!m) throw new NotFoundError('Webhook message', req.messageId);
      messages = m.status === 'pending' ? [] : [m];
    } else {
      if (req.subscriptionId && !(await findSubscription(tx, actor.workspaceId, req.subscriptionId)))
        throw new NotFoundError('Webhook subscription', req.subscriptionId);
      messages = await listReplayable(tx, {
        workspaceId: actor.workspaceId,
        subscriptionId: req.subscriptionId,
        deadOnly: req.kind === 'dead',
        since: req.kind === 'since' ? req.since : undefined,
        limit: MAX_REPLAY,
      });
    }
    const subs = new Map<string, Subscription | null>();
    const replayed: string[] = [];
    let skipped = 0;
    for (const m of messages) {
      if (!subs.has(m.subscriptionId))
        subs.set(m.subscriptionId, await findSubscription(tx, actor.workspaceId, m.subscriptionId));
      const sub = subs.get(m.subscriptionId);
      if (!sub?.enabled) {
        if (req.kind === 'message') throw new WebhookSubscriptionDisabledError(m.subscriptionId);
        skipped++;
        continue;
      }
      const generation = await resetMessageForReplay(tx, m.id, ctx.clock.now());
      await enqueueDelivery(ctx, tx, sub, m.id, generation);
      replayed.push(m.id);
    }
    if (replayed.length) {
      await ctx.audit.record(tx, actor, {
        action: 'webhooks.replay',
        subject:
          req.kind === 'message' ? `webhook_message:${req.messageId}` : `workspace:${actor.workspaceId}`,
        after: { kind: req.kind, count: replayed.length },
      });
    }
    return { replayed, skipped };
  });
}

export async function pageMessages(
  ctx: WebhooksContext,
  actor: Actor,
  q: Omit<MessageQuery, 'workspaceId' | 'limit'> & { limit: number },
): Promise<{ items: Message[]; next: Message | null }> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const rows = await listMessages(ctx.db, { ...q, workspaceId: actor.workspaceId, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  return { items, next: rows.length > q.limit ? (items.at(-1) ?? null) : null };
}

export async function getMessageWithAttempts(
  ctx: WebhooksContext,
  actor: Actor,
  id: string,
): Promise<{ message: Message; attempts: Attempt[] }> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const message = await findMessage(ctx.db, id, { workspaceId: actor.workspaceId });
  if (!message) throw new NotFoundError('Webhook message', id);
  return { message, attempts: await listAttempts(ctx.db, id) };
}

/**
 * The full body of a thin event, for whoever holds the token from its `payloadUrl` (derived from the
 * subscription's secret, so only the receiver can compute or know it). Tokens of a rotated-out secret work during
 * the rotation window.
 */
export async function readThinPayload(
  ctx: WebhooksContext,
  messageId: string,
  token: string,
): Promise<string> {
  const m = await findMessage(ctx.db, messageId);
  const sub = m && (await findSubscription(ctx.db, m.workspaceId, m.subscriptionId));
  if (!m || !sub) throw new NotFoundError('Webhook message', messageId);
  const given = Buffer.from(token);
  const ok = openSigningSecrets(ctx, sub, ctx.clock.now()).some((secret) => {
    const expected = Buffer.from(payloadToken(secret, messageId));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  if (!ok) throw new WebhookPayloadTokenInvalidError();
  return m.fullBody ?? m.body;
}

export type { MessageStatus };
