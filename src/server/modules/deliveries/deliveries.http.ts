/** Response shapes of the ledger API. */
import { z } from 'zod';
import { DELIVERY_ACTIONS, DELIVERY_STATUSES } from './deliveries.machine.js';
import type { Delivery, DeliveryAttempt } from './deliveries.repo.js';

const json = z.record(z.string(), z.unknown()).nullable();
const iso = (d: Date | null) => d?.toISOString() ?? null;

export const deliverySchema = z
  .object({
    id: z.string(),
    connectionId: z.string(),
    action: z.enum(DELIVERY_ACTIONS),
    contentId: z.string().nullable(),
    contentVersionId: z.string().nullable(),
    contentVersion: z.number().int().nullable(),
    contentHash: z.string().nullable(),
    payloadHash: z.string(),
    idempotencyKey: z.string().describe('Also the marker embedded in the vendor object for reconciliation'),
    status: z.enum(DELIVERY_STATUSES),
    pausedReason: z.string().nullable().describe('Why a pending delivery is parked (needs_reauth, paused …)'),
    targetDeliveryId: z.string().nullable().describe('Unpublish: the publish delivery being taken down'),
    externalId: z.string().nullable(),
    externalUrl: z.string().nullable(),
    responseSummary: json,
    lastError: json.describe('The classified error of the last failed attempt'),
    attemptCount: z.number().int(),
    generation: z.number().int().describe('Bumped by every replay / retry decision'),
    nextAttemptAt: z.string().nullable(),
    resolution: json.describe('How an unknown outcome was decided (reconcile or a human, with the note)'),
    trigger: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .describe('One external effect in the publishing ledger');

export function toDeliveryBody(d: Delivery): z.infer<typeof deliverySchema> {
  return {
    id: d.id,
    connectionId: d.connectionId,
    action: d.action,
    contentId: d.contentId,
    contentVersionId: d.contentVersionId,
    contentVersion: d.contentVersion,
    contentHash: d.contentHash,
    payloadHash: d.payloadHash,
    idempotencyKey: d.idempotencyKey,
    status: d.status,
    pausedReason: d.pausedReason,
    targetDeliveryId: d.targetDeliveryId,
    externalId: d.externalId,
    externalUrl: d.externalUrl,
    responseSummary: d.responseSummary,
    lastError: d.lastError,
    attemptCount: d.attemptCount,
    generation: d.generation,
    nextAttemptAt: iso(d.nextAttemptAt),
    resolution: d.resolution,
    trigger: d.trigger,
    createdAt: d.createdAt.toISOString(),
    updatedAt: d.updatedAt.toISOString(),
    finishedAt: iso(d.finishedAt),
  };
}

export const attemptSchema = z.object({
  n: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  outcome: z
    .string()
    .nullable()
    .describe('succeeded | an error kind | worker_lost | skipped (not sent); null while in flight'),
  error: json,
  jobId: z.string().nullable(),
});

export function toAttemptBody(a: DeliveryAttempt): z.infer<typeof attemptSchema> {
  return {
    n: a.n,
    startedAt: a.startedAt.toISOString(),
    finishedAt: iso(a.finishedAt),
    durationMs: a.durationMs,
    outcome: a.outcome,
    error: a.error,
    jobId: a.jobId,
  };
}
