/**
 * The webhooks module's jobs.
 *
 * - `webhooks.deliver { messageId }`: one outbound message to one subscription. Enqueued in the transaction that
 *   creates the message (the events consumer, a ping, a replay), deduplicated per message generation, in the
 *   subscription's lane when it delivers in order. Each run is one HTTP attempt; the retry delay comes from the
 *   webhook schedule (or the receiver's Retry-After) through `RetryAfterError`, and the handler itself marks the
 *   message dead after the last attempt, so the job never dies with the message still pending.
 * - `webhooks.process_inbound { inboundId }`: parses one verified inbound request into canonical events. Enqueued in
 *   the ingest transaction; a payload that cannot be parsed is marked failed (the inbound dead letters) rather
 *   than retried, because a retry would fail the same way until the parser is fixed.
 * - `webhooks.prune {}`: deletes finished history older than the retention in bounded batches (retention.service.ts);
 *   fired hourly by the cron entry `WEBHOOKS_PRUNE_CRON`.
 */
import { z } from 'zod';
import { defineJobs, type CronEntry, type JobContext } from '../../platform/queue/index.js';

export const deliverPayload = z
  .object({ workspaceId: z.uuid(), messageId: z.string().min(1).max(100) })
  .strict();
export type DeliverPayload = z.output<typeof deliverPayload>;

export const processInboundPayload = z.object({ workspaceId: z.uuid(), inboundId: z.uuid() }).strict();
export type ProcessInboundPayload = z.output<typeof processInboundPayload>;

export const prunePayload = z.object({}).strict();

export type WebhookJobSchemas = {
  'webhooks.deliver': typeof deliverPayload;
  'webhooks.process_inbound': typeof processInboundPayload;
  'webhooks.prune': typeof prunePayload;
};

export const DELIVER_JOB = 'webhooks.deliver';
export const PROCESS_INBOUND_JOB = 'webhooks.process_inbound';
export const PRUNE_JOB = 'webhooks.prune';

/** Hourly retention run (minute 29, away from the kernel's and the queue's own pruning). */
export const WEBHOOKS_PRUNE_CRON: CronEntry = {
  name: PRUNE_JOB,
  cron: '29 * * * *',
  timezone: 'UTC',
  job: PRUNE_JOB,
  payload: {},
};

/** Lane of a subscription that delivers in order. */
export const subscriptionLane = (subscriptionId: string) => `webhooks.subscription:${subscriptionId}`;

/** One job per message generation: a replay bumps the generation and gets a fresh job. */
export const deliverDedupeKey = (messageId: string, generation: number) =>
  `${DELIVER_JOB}:${messageId}:${generation}`;

export function defineWebhookJobs(
  handlers: {
    deliver: (payload: DeliverPayload, ctx: JobContext) => Promise<void>;
    processInbound: (payload: ProcessInboundPayload, ctx: JobContext) => Promise<void>;
    prune: (ctx: JobContext) => Promise<void>;
  },
  opts: { maxDeliveryAttempts: number; deliveryTimeoutMs: number },
) {
  return defineJobs<WebhookJobSchemas>({
    'webhooks.deliver': {
      payload: deliverPayload,
      handler: handlers.deliver,
      // The attempt is bounded by the delivery timeout; the lease only has to outlive it.
      leaseMs: opts.deliveryTimeoutMs + 60_000,
      // Delays come from the webhook schedule via RetryAfterError; these only bound a crash loop.
      retry: { maxAttempts: opts.maxDeliveryAttempts, baseMs: 5_000, maxMs: 10 * 3_600_000 },
    },
    'webhooks.process_inbound': {
      payload: processInboundPayload,
      handler: handlers.processInbound,
      leaseMs: 60_000,
      retry: { maxAttempts: 10, baseMs: 1_000, maxMs: 10 * 60_000 },
      priority: 1,
    },
    'webhooks.prune': {
      payload: prunePayload,
      handler: (_payload, job) => handlers.prune(job),
      leaseMs: 10 * 60_000,
      retry: { maxAttempts: 3, baseMs: 60_000, maxMs: 10 * 60_000 },
      // Housekeeping yields to deliveries and inbound processing.
      priority: -10,
    },
  });
}
