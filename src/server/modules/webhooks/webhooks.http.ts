/** Response shapes of the webhooks routes (secrets never appear, except once at create/rotate). */
import { z } from 'zod';
import type { Attempt, Message } from './messages.repo.js';
import type { Subscription } from './subscriptions.repo.js';
import type { InboundEndpoint, InboundWebhook } from './inbound.repo.js';
import {
  ATTEMPT_OUTCOMES,
  INBOUND_SCHEMES,
  INBOUND_STATUSES,
  MESSAGE_STATUSES,
  SUBSCRIPTION_ORDERINGS,
} from './webhooks.tables.js';

const iso = (d: Date | null) => d?.toISOString() ?? null;

export const cursorByTime = z.object({ t: z.string(), id: z.string() });

export const subscriptionSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(z.string()).describe('Exact types and prefix.* entries; empty = every event'),
    payloadFilter: z.record(z.string(), z.unknown()).nullable(),
    enabled: z.boolean(),
    ordering: z.enum(SUBSCRIPTION_ORDERINGS),
    disabledReason: z.string().nullable(),
    disabledAt: z.string().nullable(),
    failingSince: z.string().nullable(),
    previousSecretValidUntil: z.string().nullable().describe('While set, deliveries carry two signatures'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('An outbound webhook subscription');

export function toSubscriptionBody(s: Subscription, now: Date): z.infer<typeof subscriptionSchema> {
  const rotating = s.previousSecretUntil && s.previousSecretUntil.getTime() > now.getTime();
  return {
    id: s.id,
    url: s.url,
    description: s.description,
    eventTypes: s.eventTypes,
    payloadFilter: s.payloadFilter,
    enabled: s.enabled,
    ordering: s.ordering,
    disabledReason: s.disabledReason,
    disabledAt: iso(s.disabledAt),
    failingSince: iso(s.failingSince),
    previousSecretValidUntil: rotating ? iso(s.previousSecretUntil) : null,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export const messageSchema = z.object({
  id: z.string().describe('The webhook-id header of every attempt'),
  subscriptionId: z.string(),
  eventSeq: z.number().int().nullable(),
  eventType: z.string(),
  status: z.enum(MESSAGE_STATUSES),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  thin: z.boolean().describe('Sent as a thin event with a payloadUrl'),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export function toMessageBody(m: Message): z.infer<typeof messageSchema> {
  return {
    id: m.id,
    subscriptionId: m.subscriptionId,
    eventSeq: m.eventSeq,
    eventType: m.eventType,
    status: m.status,
    attempts: m.attempts,
    lastStatus: m.lastStatus,
    lastError: m.lastError,
    nextAttemptAt: iso(m.nextAttemptAt),
    thin: m.fullBody !== null,
    createdAt: m.createdAt.toISOString(),
    finishedAt: iso(m.finishedAt),
  };
}

export const attemptSchema = z.object({
  attempt: z.number().int(),
  url: z.string(),
  requestHeaders: z.record(z.string(), z.string()),
  responseStatus: z.number().int().nullable(),
  responseBody: z.string().nullable().describe('First 4 KiB'),
  error: z.string().nullable(),
  outcome: z.enum(ATTEMPT_OUTCOMES),
  durationMs: z.number().int(),
  startedAt: z.string(),
});

export function toAttemptBody(a: Attempt): z.infer<typeof attemptSchema> {
  return {
    attempt: a.attempt,
    url: a.url,
    requestHeaders: a.requestHeaders,
    responseStatus: a.responseStatus,
    responseBody: a.responseBody,
    error: a.error,
    outcome: a.outcome,
    durationMs: a.durationMs,
    startedAt: a.startedAt.toISOString(),
  };
}

export const endpointSchema = z.object({
  id: z.string(),
  name: z.string(),
  scheme: z.enum(INBOUND_SCHEMES),
  url: z.string().describe('Where the sender posts'),
  signatureHeader: z.string().nullable(),
  signatureEncoding: z.enum(['hex', 'base64']).nullable(),
  signaturePrefix: z.string(),
  eventType: z.string(),
  enabled: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export function toEndpointBody(e: InboundEndpoint, publicUrl: string): z.infer<typeof endpointSchema> {
  return {
    id: e.id,
    name: e.name,
    scheme: e.scheme,
    url: `${publicUrl}/hooks/generic/${e.id}`,
    signatureHeader: e.signatureHeader,
    signatureEncoding: e.signatureEncoding,
    signaturePrefix: e.signaturePrefix,
    eventType: e.eventType,
    enabled: e.enabled,
    createdAt: e.createdAt.toISOString(),
    updatedAt: e.updatedAt.toISOString(),
  };
}

/** Stored bodies are shown as text up to this size in the inbound detail. */
const BODY_PREVIEW_BYTES = 64 * 1024;

export const inboundSchema = z.object({
  id: z.string(),
  sourceKind: z.enum(['connection', 'endpoint']),
  sourceId: z.string(),
  vendor: z.string(),
  webhookId: z.string().describe('The dedupe key: the sender’s id or sha256 of the body'),
  contentType: z.string(),
  status: z.enum(INBOUND_STATUSES),
  error: z.string().nullable(),
  eventsEmitted: z.number().int(),
  attempts: z.number().int(),
  receivedAt: z.string(),
  processedAt: z.string().nullable(),
});

export const inboundDetailSchema = inboundSchema.extend({
  headers: z.record(z.string(), z.string()),
  body: z.string().describe('The raw body as UTF-8 text (first 64 KiB)'),
  bodyBytes: z.number().int(),
});

export function toInboundBody(r: InboundWebhook): z.infer<typeof inboundSchema> {
  return {
    id: r.id,
    sourceKind: r.sourceKind,
    sourceId: r.sourceId,
    vendor: r.vendor,
    webhookId: r.dedupeId,
    contentType: r.contentType,
    status: r.status,
    error: r.error,
    eventsEmitted: r.eventsEmitted,
    attempts: r.attempts,
    receivedAt: r.receivedAt.toISOString(),
    processedAt: iso(r.processedAt),
  };
}

export function toInboundDetailBody(r: InboundWebhook): z.infer<typeof inboundDetailSchema> {
  return {
    ...toInboundBody(r),
    headers: r.headers,
    body: r.body.subarray(0, BODY_PREVIEW_BYTES).toString('utf8'),
    bodyBytes: r.body.length,
  };
}
