/**
 * The ledger's jobs. `delivery.attempt` makes one delivery happen; `delivery.reconcile` asks the vendor about an
 * `unknown` one. Both are enqueued in the transaction that created or changed the delivery (outbox), deduplicated
 * per delivery and generation (a replay starts a new generation, hence a new job), and run in one ordering lane per
 * connection, so a connection's effects happen in the order they were recorded and a backlog drains one by one at
 * the pace the connection's rate limiter allows.
 *
 * The job's own retry budget is deliberately huge: waiting (open breaker, paused connection, Retry-After) is a
 * RetryAfterError, which the queue counts as an attempt. The ledger counts vendor attempts itself and decides when a
 * delivery fails (`SWITCHBOARD_DELIVERY_MAX_ATTEMPTS`).
 */
import { z } from 'zod';
import { defineJobs, type JobContext } from '../../platform/queue/index.js';

export const deliveryJobPayload = z
  .object({
    workspaceId: z.uuid(),
    deliveryId: z.uuid(),
    connectionId: z.uuid(),
    generation: z.number().int().positive(),
  })
  .strict();
export type DeliveryJobPayload = z.output<typeof deliveryJobPayload>;

export type DeliveryJobSchemas = {
  'delivery.attempt': typeof deliveryJobPayload;
  'delivery.reconcile': typeof deliveryJobPayload;
};

export const ATTEMPT_JOB = 'delivery.attempt';
export const RECONCILE_JOB = 'delivery.reconcile';

export const deliveryLane = (connectionId: string) => `delivery.connection:${connectionId}`;

export function attemptDedupeKey(p: DeliveryJobPayload): string {
  return `${ATTEMPT_JOB}:${p.deliveryId}:${p.generation}`;
}
export function reconcileDedupeKey(p: DeliveryJobPayload): string {
  return `${RECONCILE_JOB}:${p.deliveryId}:${p.generation}`;
}

/** Job-level retries only cover waiting and crashes; see the file comment. */
const JOB_RETRY = { maxAttempts: 100_000, baseMs: 1_000, maxMs: 15 * 60_000 };

export function defineDeliveryJobs(handlers: {
  attempt: (payload: DeliveryJobPayload, ctx: JobContext) => Promise<void>;
  reconcile: (payload: DeliveryJobPayload, ctx: JobContext) => Promise<void>;
}) {
  return defineJobs<DeliveryJobSchemas>({
    'delivery.attempt': {
      payload: deliveryJobPayload,
      handler: handlers.attempt,
      // Longer than the connector timeout plus the limiter's longest in-process wait.
      leaseMs: 2 * 60_000,
      retry: JOB_RETRY,
      priority: 10,
      orderingKey: (p) => deliveryLane(p.connectionId),
    },
    'delivery.reconcile': {
      payload: deliveryJobPayload,
      handler: handlers.reconcile,
      leaseMs: 2 * 60_000,
      retry: JOB_RETRY,
      priority: 10,
      orderingKey: (p) => deliveryLane(p.connectionId),
    },
  });
}
