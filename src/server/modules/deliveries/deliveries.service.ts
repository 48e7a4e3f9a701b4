/**
 * Ledger use cases: recording a delivery (in the caller's transaction, with its attempt job: outbox), reading the
 * ledger, replaying dead letters (a new generation and attempt, history kept), human decisions on unknown outcomes,
 * and resuming deliveries parked while their connection needed re-authorisation.
 */
import { createHash } from 'node:crypto';
import { authorize, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import { enqueue } from '../../platform/queue/index.js';
import type { DeliveriesContext } from './deliveries.context.js';
import { DeliveryStatusConflictError, ResolutionInvalidError } from './deliveries.errors.js';
import { attemptDedupeKey, type DeliveryJobPayload } from './deliveries.jobs.js';
import {
  assertMove,
  statusAfterResolve,
  type DeliveryStatus,
  type ResolveOutcome,
} from './deliveries.machine.js';
import {
  findDelivery,
  insertDelivery,
  listAttempts,
  listDeliveries,
  listFailedDeliveryIds,
  listPausedDeliveryIds,
  updateDelivery,
  type Delivery,
  type DeliveryAttempt,
  type DeliveryQuery,
  type NewDelivery,
} from './deliveries.repo.js';

export const subjectOf = (id: string) => `delivery:${id}`;

/** A stable, vendor-safe idempotency key (also the marker embedded in the vendor object): `sb-` + 32 hex. */
export function deriveIdempotencyKey(parts: readonly string[]): string {
  return `sb-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32)}`;
}

export function summarizeDelivery(d: Delivery) {
  return {
    id: d.id,
    connectionId: d.connectionId,
    action: d.action,
    contentId: d.contentId,
    contentVersion: d.contentVersion,
    status: d.status,
    externalId: d.externalId,
    externalUrl: d.externalUrl,
    attemptCount: d.attemptCount,
  };
}

export function jobPayloadOf(d: Delivery): DeliveryJobPayload {
  return {
    workspaceId: d.workspaceId,
    deliveryId: d.id,
    connectionId: d.connectionId,
    generation: d.generation,
  };
}

/** Enqueues the attempt job of the delivery's current generation on `tx` (deduplicated per generation). */
export async function enqueueAttempt(ctx: DeliveriesContext, tx: Executor, d: Delivery): Promise<void> {
  const payload = jobPayloadOf(d);
  await enqueue(tx, ctx.jobs, 'delivery.attempt', payload, { dedupeKey: attemptDedupeKey(payload) });
}

/**
 * Records one external effect and its attempt job in the caller's transaction. Idempotent: the same idempotency key
 * returns the existing delivery and enqueues nothing.
 */
export async function recordDelivery(
  ctx: DeliveriesContext,
  tx: Executor,
  d: NewDelivery,
): Promise<{ delivery: Delivery; created: boolean }> {
  const r = await insertDelivery(tx, d, ctx.clock.now());
  if (!r.created) return r;
  await enqueueAttempt(ctx, tx, r.delivery);
  await ctx.events.append(tx, {
    workspaceId: d.workspaceId,
    type: 'delivery.created',
    subject: subjectOf(r.delivery.id),
    actor: { kind: 'system', userId: null, tokenId: null, origin: 'job' },
    payload: summarizeDelivery(r.delivery),
  });
  return r;
}

export async function pageDeliveries(
  ctx: DeliveriesContext,
  actor: Actor,
  q: Omit<DeliveryQuery, 'workspaceId' | 'limit'> & { limit: number },
): Promise<{ items: Delivery[]; next: { createdAt: string; id: string } | null }> {
  authorize(actor, 'deliveries.read', { workspaceId: actor.workspaceId });
  const rows = await listDeliveries(ctx.db, { ...q, workspaceId: actor.workspaceId, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return {
    items,
    next: rows.length > q.limit && last ? { createdAt: last.createdAt.toISOString(), id: last.id } : null,
  };
}

export async function showDelivery(
  ctx: DeliveriesContext,
  actor: Actor,
  id: string,
): Promise<{ delivery: Delivery; attempts: DeliveryAttempt[] }> {
  authorize(actor, 'deliveries.read', { workspaceId: actor.workspaceId });
  const delivery = await findDelivery(ctx.db, id, { workspaceId: actor.workspaceId });
  if (!delivery) throw new NotFoundError('Delivery', id);
  return { delivery, attempts: await listAttempts(ctx.db, id) };
}

/** Sends a failed delivery again: back to pending in a new generation with its own attempt job; history kept. */
export async function replayDelivery(ctx: DeliveriesContext, actor: Actor, id: string): Promise<Delivery> {
  authorize(actor, 'deliveries.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const d = await findDelivery(tx, id, { workspaceId: actor.workspaceId, forUpdate: true });
    if (!d) throw new NotFoundError('Delivery', id);
    if (d.status !== 'failed') throw new DeliveryStatusConflictError('replay', d.status, ['failed']);
    return replayLocked(ctx, tx, actor, d);
  });
}

async function replayLocked(
  ctx: DeliveriesContext,
  tx: Executor,
  actor: Actor,
  d: Delivery,
): Promise<Delivery> {
  assertMove(d.status, 'pending');
  const updated = await updateDelivery(
    tx,
    d.id,
    { status: 'pending', bumpGeneration: true, finished: false, nextAttemptAt: null, pausedReason: null },
    ctx.clock.now(),
  );
  await enqueueAttempt(ctx, tx, updated);
  await ctx.events.append(tx, {
    workspaceId: d.workspaceId,
    type: 'delivery.replayed',
    subject: subjectOf(d.id),
    actor,
    payload: summarizeDelivery(updated),
  });
  await ctx.audit.record(tx, actor, {
    action: 'deliveries.replay',
    subject: subjectOf(d.id),
    before: { status: d.status, generation: d.generation },
    after: { status: updated.status, generation: updated.generation },
  });
  return updated;
}

/** Replays every failed delivery (of a connection, since a time), up to `limit`, in one transaction. */
export async function replayFailedDeliveries(
  ctx: DeliveriesContext,
  actor: Actor,
  q: { connectionId?: string | undefined; since?: Date | undefined; limit?: number | undefined },
): Promise<{ replayed: string[] }> {
  authorize(actor, 'deliveries.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const ids = await listFailedDeliveryIds(tx, {
      workspaceId: actor.workspaceId,
      connectionId: q.connectionId,
      since: q.since,
      limit: q.limit ?? 1000,
    });
    for (const id of ids) {
      const d = await findDelivery(tx, id);
      if (d) await replayLocked(ctx, tx, actor, d);
    }
    return { replayed: ids };
  });
}

export interface ResolveInput {
  outcome: ResolveOutcome;
  externalId?: string | undefined;
  externalUrl?: string | undefined;
  note: string;
}

/** A human decides an `unknown` delivery after looking at the vendor (the attempts are the evidence). */
export async function resolveDelivery(
  ctx: DeliveriesContext,
  actor: Actor,
  id: string,
  input: ResolveInput,
): Promise<Delivery> {
  authorize(actor, 'deliveries.manage', { workspaceId: actor.workspaceId });
  if (input.outcome === 'succeeded' && !input.externalId) {
    throw new ResolutionInvalidError(
      'Resolving as succeeded needs the externalId of the object at the vendor',
    );
  }
  return inTransaction(ctx.db, async (tx) => {
    const d = await findDelivery(tx, id, { workspaceId: actor.workspaceId, forUpdate: true });
    if (!d) throw new NotFoundError('Delivery', id);
    if (d.status !== 'unknown') throw new DeliveryStatusConflictError('resolve', d.status, ['unknown']);
    const to: DeliveryStatus = statusAfterResolve(input.outcome);
    assertMove(d.status, to);
    const now = ctx.clock.now();
    const updated = await updateDelivery(
      tx,
      d.id,
      {
        status: to,
        resolution: {
          outcome: input.outcome,
          note: input.note,
          by: actor.userId ?? actor.kind,
          at: now.toISOString(),
          ...(input.externalId ? { externalId: input.externalId } : {}),
        },
        ...(input.outcome === 'succeeded'
          ? { externalId: input.externalId ?? null, externalUrl: input.externalUrl ?? null, finished: true }
          : {}),
        ...(input.outcome === 'failed' ? { finished: true } : {}),
        ...(input.outcome === 'retry' ? { bumpGeneration: true } : {}),
      },
      now,
    );
    if (input.outcome === 'retry') await enqueueAttempt(ctx, tx, updated);
    await ctx.events.append(tx, {
      workspaceId: d.workspaceId,
      type: 'delivery.resolved',
      subject: subjectOf(d.id),
      actor,
      payload: { ...summarizeDelivery(updated), outcome: input.outcome },
    });
    await ctx.audit.record(tx, actor, {
      action: 'deliveries.resolve',
      subject: subjectOf(d.id),
      before: { status: d.status },
      after: {
        status: updated.status,
        outcome: input.outcome,
        note: input.note,
        externalId: updated.externalId,
      },
    });
    return updated;
  });
}

/** The connection works again: its parked deliveries get a new generation and attempt job each. */
export async function resumePausedDeliveries(
  ctx: DeliveriesContext,
  tx: Executor,
  connectionId: string,
): Promise<number> {
  const ids = await listPausedDeliveryIds(tx, connectionId);
  for (const id of ids) {
    const updated = await updateDelivery(
      tx,
      id,
      { pausedReason: null, bumpGeneration: true, nextAttemptAt: null },
      ctx.clock.now(),
    );
    await enqueueAttempt(ctx, tx, updated);
  }
  return ids.length;
}
