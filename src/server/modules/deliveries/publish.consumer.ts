/**
 * `deliveries.publish`: turns content and connection events into deliveries.
 * - `content.transitioned` into a state of kind `published` (from one that is not): one delivery per destination;
 * - `content.unpublish_requested` (unpublish, rollback, archive from published): one unpublish delivery per
 *   destination whose connector can unpublish and where the content is live;
 * - `connection.resumed`: deliveries parked while the connection needed re-authorisation get new attempt jobs.
 *
 * The consumer runs in its own transaction, which also advances its cursor. The state change that caused the event
 * committed the event row (the outbox) first, so the intent is durable before any delivery exists; the deliveries
 * are then written with their jobs in one transaction. Idempotency keys include the event's seq, so a re-run of the
 * consumer never doubles a delivery, while publishing the same version again later is a new effect.
 */
import { z } from 'zod';
import { systemActor } from '../../platform/auth/index.js';
import type { Executor } from '../../platform/db/index.js';
import { defineEventConsumer, type DomainEvent, type EventConsumer } from '../../platform/events/index.js';
import { hashPayload, loadContentPayload } from './content-payload.js';
import type { DeliveriesContext } from './deliveries.context.js';
import { findLivePublish } from './deliveries.repo.js';
import { deriveIdempotencyKey, recordDelivery, resumePausedDeliveries } from './deliveries.service.js';
import { listDestinations } from './destinations.service.js';

const transitioned = z.looseObject({
  contentId: z.uuid().optional(),
  from: z.string(),
  to: z.string(),
  contentVersion: z.number().int().positive(),
  /** State kinds, carried by events since 2026-12 (older events are looked up in the workflow definition). */
  fromKind: z.string().nullable().optional(),
  toKind: z.string().nullable().optional(),
});
const unpublish = z.looseObject({ contentId: z.uuid() });
const resumed = z.looseObject({ connectionId: z.uuid() });

export function definePublishConsumer(ctx: DeliveriesContext): EventConsumer {
  return defineEventConsumer({
    name: 'deliveries.publish',
    types: ['content.transitioned', 'content.unpublish_requested', 'connection.resumed'],
    batchSize: 20,
    handle: async (tx, event) => {
      switch (event.type) {
        case 'content.transitioned':
          return fanOutPublish(ctx, tx, event);
        case 'content.unpublish_requested':
          return fanOutUnpublish(ctx, tx, event);
        case 'connection.resumed': {
          const p = resumed.safeParse(event.payload);
          if (p.success) await resumePausedDeliveries(ctx, tx, p.data.connectionId);
          return;
        }
      }
    },
  });
}

const contentIdOf = (event: DomainEvent, payloadId: string | undefined): string | null =>
  payloadId ?? (event.subject?.startsWith('content:') ? event.subject.slice('content:'.length) : null);

async function fanOutPublish(ctx: DeliveriesContext, tx: Executor, event: DomainEvent): Promise<void> {
  const p = transitioned.safeParse(event.payload);
  if (!p.success) return;
  const contentId = contentIdOf(event, p.data.contentId);
  if (!contentId) return;
  // Most transitions are not publications: decided from the event alone when it carries the state kinds.
  if (p.data.toKind !== undefined && (p.data.toKind !== 'published' || p.data.fromKind === 'published'))
    return;
  if (p.data.toKind === undefined) {
    const content = ctx.content(tx);
    const actor = systemActor(event.workspaceId);
    const detail = await content.get(actor, contentId).catch(() => null);
    if (!detail) return;
    const def = await content.showWorkflow(actor, detail.item.definitionKey, detail.item.definitionVersion);
    const kindOf = (state: string) => def.definition.states.find((s) => s.key === state)?.kind;
    if (kindOf(p.data.to) !== 'published' || kindOf(p.data.from) === 'published') return;
  }
  const destinations = await listDestinations(tx, contentId);
  if (destinations.length === 0) return;
  const payload = await loadContentPayload(ctx.content, tx, {
    workspaceId: event.workspaceId,
    contentId,
    version: p.data.contentVersion,
  });
  for (const dest of destinations) {
    await recordDelivery(ctx, tx, {
      workspaceId: event.workspaceId,
      connectionId: dest.connectionId,
      action: dest.action,
      contentId,
      contentVersionId: payload.versionId,
      contentVersion: payload.version,
      contentHash:
        typeof event.payload === 'object' && event.payload !== null
          ? String((event.payload as { contentHash?: unknown }).contentHash ?? '') || null
          : null,
      payloadHash: hashPayload(dest.action, payload),
      idempotencyKey: deriveIdempotencyKey([
        event.workspaceId,
        dest.action,
        payload.versionId,
        dest.connectionId,
        `event:${event.seq}`,
      ]),
      targetDeliveryId: null,
      trigger: `content.transitioned#${event.seq}`,
    });
  }
}

async function fanOutUnpublish(ctx: DeliveriesContext, tx: Executor, event: DomainEvent): Promise<void> {
  const p = unpublish.safeParse(event.payload);
  if (!p.success) return;
  const contentId = p.data.contentId;
  const destinations = await listDestinations(tx, contentId);
  for (const dest of destinations) {
    if (dest.action !== 'publishContent') continue;
    const live = await findLivePublish(tx, contentId, dest.connectionId);
    if (!live || live.contentVersion === null) continue;
    const connection = await ctx.connections.find(tx, event.workspaceId, dest.connectionId);
    const connector = connection ? ctx.connections.connectorOf(connection.vendor) : undefined;
    if (!connector?.manifest.capabilities.includes('unpublishContent')) continue;
    await recordDelivery(ctx, tx, {
      workspaceId: event.workspaceId,
      connectionId: dest.connectionId,
      action: 'unpublishContent',
      contentId,
      contentVersionId: live.contentVersionId,
      contentVersion: live.contentVersion,
      contentHash: live.contentHash,
      payloadHash: live.payloadHash,
      idempotencyKey: deriveIdempotencyKey([
        event.workspaceId,
        'unpublishContent',
        live.id,
        `event:${event.seq}`,
      ]),
      targetDeliveryId: live.id,
      trigger: `content.unpublish_requested#${event.seq}`,
    });
  }
}
