/**
 * Outbound webhook subscriptions, their message log and the inbound log as the REST API returns them
 * (src/server/modules/webhooks/webhooks.http.ts). The signing secret appears only in the create and rotate answers.
 */
import { z } from 'zod';

export const WEBHOOK_MESSAGE_STATUSES = ['pending', 'succeeded', 'dead'] as const;
export const SUBSCRIPTION_ORDERINGS = ['ordered', 'parallel'] as const;
export const INBOUND_WEBHOOK_STATUSES = ['received', 'processed', 'failed'] as const;

export const subscriptionSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string(),
  /** Exact types and prefix.* entries; empty = every event. */
  eventTypes: z.array(z.string()),
  payloadFilter: z.record(z.string(), z.unknown()).nullable(),
  enabled: z.boolean(),
  ordering: z.enum(SUBSCRIPTION_ORDERINGS),
  disabledReason: z.string().nullable(),
  disabledAt: z.string().nullable(),
  failingSince: z.string().nullable(),
  /** While set, deliveries carry two signatures (old and new secret). */
  previousSecretValidUntil: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Subscription = z.infer<typeof subscriptionSchema>;

export const subscriptionWithSecretSchema = subscriptionSchema.extend({ secret: z.string() });

export const webhookMessageSchema = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventSeq: z.number().int().nullable(),
  eventType: z.string(),
  status: z.enum(WEBHOOK_MESSAGE_STATUSES),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  thin: z.boolean(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type WebhookMessage = z.infer<typeof webhookMessageSchema>;

export const webhookAttemptSchema = z.object({
  attempt: z.number().int(),
  url: z.string(),
  requestHeaders: z.record(z.string(), z.string()),
  responseStatus: z.number().int().nullable(),
  responseBody: z.string().nullable(),
  error: z.string().nullable(),
  outcome: z.string(),
  durationMs: z.number().int(),
  startedAt: z.string(),
});
export type WebhookAttempt = z.infer<typeof webhookAttemptSchema>;

export const webhookMessageDetailSchema = webhookMessageSchema.extend({
  body: z.string(),
  attemptLog: z.array(webhookAttemptSchema),
});
export type WebhookMessageDetail = z.infer<typeof webhookMessageDetailSchema>;

export const webhookReplayResultSchema = z.object({
  replayed: z.array(z.string()),
  skipped: z.number().int(),
});

export const webhookSettingsSchema = z.object({ allowedHosts: z.array(z.string()) });
export type WebhookSettings = z.infer<typeof webhookSettingsSchema>;

export const inboundWebhookSchema = z.object({
  id: z.string(),
  sourceKind: z.enum(['connection', 'endpoint']),
  sourceId: z.string(),
  vendor: z.string(),
  webhookId: z.string(),
  contentType: z.string(),
  status: z.enum(INBOUND_WEBHOOK_STATUSES),
  error: z.string().nullable(),
  eventsEmitted: z.number().int(),
  attempts: z.number().int(),
  receivedAt: z.string(),
  processedAt: z.string().nullable(),
});
export type InboundWebhook = z.infer<typeof inboundWebhookSchema>;
