/**
 * Event consumers: durable, exactly-once-in-the-database reactions to domain events (see event-consumer.ts).
 *
 * Terminology:
 * - consumer: a named handler of some event types, registered on `events.consumers`.
 * - cursor: per (consumer, workspace), the last seq it has moved past; advanced in the handler's transaction.
 * - runner: the worker-side loop that, woken by the event bus and a safety poll, hands each consumer its events.
 */
export {
  defineEventConsumer,
  EventConsumerRegistry,
  type ConsumerContext,
  type EventConsumer,
  type EventConsumerDefinition,
} from './event-consumer.js';
export { ConsumerRunner, type ConsumerRunnerOptions } from './consumer-runner.js';
export { listConsumerLag, listBehindCursors, type CursorRow } from './consumer-cursor.repo.js';
export { listConsumerLagRows, type ConsumerLagRow } from './consumer-cursor.repo.js';
export { listConsumerLagReport, listWorkspaceConsumerLag, type ConsumerLag } from './consumer-lag.js';
export type { EventConsumerTables } from './consumers.tables.js';
