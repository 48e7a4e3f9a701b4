/**
 * The publishing ledger as the REST API returns it (src/server/modules/deliveries/deliveries.http.ts): deliveries,
 * their attempts with classified connector errors, and the per-destination results of a content item.
 * `test/browser/api-contracts.test.ts` parses real responses with these schemas, so drift fails a test.
 */
import { z } from 'zod';

export const DELIVERY_STATUSES = [
  'pending',
  'in_flight',
  'succeeded',
  'failed',
  'unknown',
  'reconciled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_ACTIONS = [
  'publishContent',
  'unpublishContent',
  'createCampaign',
  'uploadAsset',
] as const;
export type DeliveryAction = (typeof DELIVERY_ACTIONS)[number];

/** Actions a content destination may name. */
export const DESTINATION_ACTIONS = ['publishContent', 'createCampaign'] as const;
export type DestinationAction = (typeof DESTINATION_ACTIONS)[number];

/** A human's decision on an `unknown` delivery. */
export const RESOLVE_OUTCOMES = ['succeeded', 'retry', 'failed'] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

/** A classified connector error (`ConnectorError.toJSON()`); open, since connectors may add fields. */
export const connectorErrorSchema = z.looseObject({
  kind: z.string().optional(),
  message: z.string().optional(),
  vendorCode: z.string().optional(),
  httpStatus: z.number().optional(),
  correlationId: z.string().optional(),
  retryAfterMs: z.number().optional(),
});
export type ConnectorErrorJson = z.infer<typeof connectorErrorSchema>;

export const deliverySchema = z.object({
  id: z.string(),
  connectionId: z.string(),
  action: z.enum(DELIVERY_ACTIONS),
  contentId: z.string().nullable(),
  contentVersionId: z.string().nullable(),
  contentVersion: z.number().int().nullable(),
  contentHash: z.string().nullable(),
  payloadHash: z.string(),
  /** Also the marker embedded in the vendor object, the evidence for deciding an unknown outcome. */
  idempotencyKey: z.string(),
  status: z.enum(DELIVERY_STATUSES),
  pausedReason: z.string().nullable(),
  targetDeliveryId: z.string().nullable(),
  externalId: z.string().nullable(),
  externalUrl: z.string().nullable(),
  responseSummary: z.record(z.string(), z.unknown()).nullable(),
  lastError: connectorErrorSchema.nullable(),
  attemptCount: z.number().int(),
  generation: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  resolution: z.record(z.string(), z.unknown()).nullable(),
  trigger: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type Delivery = z.infer<typeof deliverySchema>;

export const deliveryAttemptSchema = z.object({
  n: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  durationMs: z.number().int().nullable(),
  /** succeeded | an error kind | worker_lost | skipped; null while in flight. */
  outcome: z.string().nullable(),
  error: connectorErrorSchema.nullable(),
  jobId: z.string().nullable(),
});
export type DeliveryAttempt = z.infer<typeof deliveryAttemptSchema>;

export const deliveryDetailSchema = deliverySchema.extend({ attempts: z.array(deliveryAttemptSchema) });
export type DeliveryDetail = z.infer<typeof deliveryDetailSchema>;

export const destinationSchema = z.object({
  connectionId: z.string(),
  action: z.enum(DESTINATION_ACTIONS),
});
export type Destination = z.infer<typeof destinationSchema>;

export const destinationsBodySchema = z.object({ destinations: z.array(destinationSchema) });

export const destinationResultSchema = destinationSchema.extend({
  /** Of the newest delivery to this destination. */
  status: z.string().nullable(),
  externalId: z.string().nullable(),
  /** Where the content is live, if anywhere. */
  externalUrl: z.string().nullable(),
  latest: deliverySchema.nullable(),
});
export type DestinationResult = z.infer<typeof destinationResultSchema>;

export const contentDeliveriesSchema = z.object({
  destinations: z.array(destinationResultSchema),
  deliveries: z.array(deliverySchema),
});
export type ContentDeliveries = z.infer<typeof contentDeliveriesSchema>;

export const bulkReplayResultSchema = z.object({ replayed: z.array(z.string()), count: z.number().int() });
export type BulkReplayResult = z.infer<typeof bulkReplayResultSchema>;

/** Statuses that need a person: the dead letters and the outcomes nobody could confirm. */
export const PROBLEM_STATUSES: readonly DeliveryStatus[] = ['failed', 'unknown'];
