/**
 * Event consumers: durable, exactly-once-in-the-database reactions to domain events (see event-consumer.ts).
 *
 * Terminology:
 * - consumer: a named handler of some event types, registered on `events.consumers`.
 * - cursor: per (consumer, workspace), the last seq it has moved past; advanced in the handler's transaction.
 * - delivery job: `events.consume`, enqueued by the append that produced a wanted event, and by the sweep.
 */
export {
  defineEventConsumer,
  EventConsumerRegistry,
  type ConsumerContext,
  type EventConsumer,
  type EventConsumerDefinition,
} from './event-consumer.js';
export { consumeEvents, type ConsumeEventsOptions, type ConsumeEventsResult } from './consume-events.js';
export { defineEventConsumerJobs, EVENTS_SWEEP_CRON, type EventConsumerJobDeps } from './consumer.jobs.js';
export { listConsumerLag, type CursorRow } from './consumer-cursor.repo.js';
export type { EventConsumerTables } from './consumers.tables.js';
