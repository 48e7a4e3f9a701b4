/**
 * Delivery of events to consumers through the queue.
 *
 * - `events.consume { consumer, workspaceId }`: runs `consumeEvents`. Enqueued by `enqueueConsumers` when an event
 *   is appended (in the appending transaction: the outbox), with a dedupe key per (consumer, workspace) that holds
 *   only while the job waits — the job frees it when it starts — and an ordering key on the same pair, so at most
 *   one runs while at most one more waits.
 * - `events.sweep`: every minute, enqueues `events.consume` wherever a consumer is behind its workspace's head
 *   (events appended without the hook, consumers registered after the fact, a job that died).
 */
import { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { Db, Executor } from '../../db/index.js';
import type { Logger } from '../../logger.js';
import { defineJobs, enqueue, type CronEntry } from '../../queue/index.js';
import type { DomainEvent } from '../events.repo.js';
import { consumeEvents } from './consume-events.js';
import { awaitAppendsInFlight, listConsumerLag, releaseJobDedupeKey } from './consumer-cursor.repo.js';
import type { EventConsumerRegistry } from './event-consumer.js';

export interface EventConsumerJobDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  registry: EventConsumerRegistry;
}

const consumePayload = z.object({ consumer: z.string().min(1), workspaceId: z.uuid() }).strict();

const laneOf = (p: { consumer: string; workspaceId: string }) =>
  `events.consume:${p.consumer}:${p.workspaceId}`;

export function defineEventConsumerJobs(deps: EventConsumerJobDeps) {
  const catalog = defineJobs({
    'events.consume': {
      payload: consumePayload,
      leaseMs: 2 * 60_000,
      retry: { maxAttempts: 25, baseMs: 1_000, maxMs: 10 * 60_000 },
      priority: 5,
      orderingKey: laneOf,
      handler: async (payload, ctx) => {
        const consumer = deps.registry.get(payload.consumer);
        if (!consumer) {
          // Removed or renamed since enqueue; its cursor stays for when it comes back.
          ctx.logger.warn({ consumer: payload.consumer }, 'events.consume: unknown consumer; skipped');
          return;
        }
        await releaseJobDedupeKey(deps.db.kysely, ctx.jobId);
        await awaitAppendsInFlight(deps.db.kysely, payload.workspaceId);
        const result = await consumeEvents({
          db: deps.db,
          consumer,
          workspaceId: payload.workspaceId,
          clock: deps.clock,
          logger: ctx.logger,
          signal: ctx.signal,
        });
        // Stopped early with more to do: continue in a fresh job, behind anything else queued.
        if (!result.caughtUp && !ctx.signal.aborted) {
          await enqueue(deps.db.kysely, catalog, 'events.consume', payload, { dedupeKey: laneOf(payload) });
        }
      },
    },
    'events.sweep': {
      payload: z.object({}).strict(),
      leaseMs: 5 * 60_000,
      retry: { maxAttempts: 3, baseMs: 10_000, maxMs: 60_000 },
      handler: async (_payload, ctx) => {
        let enqueued = 0;
        for (const consumer of deps.registry.list()) {
          for (const row of await listConsumerLag(deps.db.kysely, consumer.name)) {
            if (row.lastSeq >= row.head) continue;
            const p = { consumer: consumer.name, workspaceId: row.workspaceId };
            const r = await enqueue(deps.db.kysely, catalog, 'events.consume', p, { dedupeKey: laneOf(p) });
            if (!r.deduplicated) enqueued++;
          }
        }
        if (enqueued) ctx.logger.info({ enqueued }, 'events.sweep: consumers behind; delivery enqueued');
      },
    },
  });

  /** In the appending transaction: one delivery job per consumer that wants this event (deduplicated). */
  async function enqueueConsumers(tx: Executor, event: DomainEvent): Promise<void> {
    for (const consumer of deps.registry.matching(event.type)) {
      const p = { consumer: consumer.name, workspaceId: event.workspaceId };
      await enqueue(tx, catalog, 'events.consume', p, { dedupeKey: laneOf(p) });
    }
  }

  return { catalog, enqueueConsumers };
}

export const EVENTS_SWEEP_CRON: CronEntry = {
  name: 'events.sweep',
  cron: '* * * * *',
  timezone: 'UTC',
  job: 'events.sweep',
  payload: {},
};
