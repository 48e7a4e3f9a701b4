/**
 * events: the append-only log of domain events (DESIGN §6) and its real-time delivery.
 *
 * Terminology:
 * - event: one row of `events` — `{ workspaceId, seq, type, subject, payload, actor, occurredAt }`, written in the
 *   same transaction as the state change it describes.
 * - seq: the event's position in its workspace's log, 1, 2, 3 … with no gaps in commit order (ADR 0004). It is the
 *   cursor of every reader: REST `after`, SSE `id` / `Last-Event-ID`.
 * - type: dotted, area first (`content.published`); a filter names a type or a prefix (`content.*`).
 * - bus: the one per-process subscriber to the `switchboard_events` NOTIFY channel that fans events out locally.
 * - feed (`followEvents`): stored events after a resume point, then live ones, no gap, no duplicate.
 */
import type { Clock } from '../clock.js';
import type { Db, Executor } from '../db/index.js';
import type { HttpApp } from '../http/index.js';
import type { Logger } from '../logger.js';
import type { Registry } from '../metrics.js';
import { EventBus } from './event-bus.js';
import { appendEvent, type AppendEventInput, type DomainEvent } from './events.repo.js';
import { createEventMetrics } from './events.metrics.js';
import { registerEventRoutes } from './events.routes.js';
import { defineEventConsumerJobs, EventConsumerRegistry } from './consumers/index.js';
import type { JobCatalog } from '../queue/index.js';

export { EventBus, type EventListener, type EventBusOptions } from './event-bus.js';
export { followEvents, type FollowEventsOptions } from './event-feed.js';
export {
  appendEvent,
  listEvents,
  readEventHead,
  toEventActor,
  EVENTS_CHANNEL,
  type AppendEventInput,
  type AppendEventOptions,
  type DomainEvent,
  type EventQuery,
} from './events.repo.js';
export {
  EVENT_TYPE_PATTERN,
  RESERVED_EVENT_PREFIXES,
  isReservedEventType,
  isValidEventType,
  matchesTypeFilter,
  parseTypeFilter,
  type TypeFilter,
} from './event-types.js';
export {
  appendCustomEvent,
  pageEvents,
  ReservedEventTypeError,
  type CustomEventInput,
} from './events.service.js';
export { registerEventRoutes, eventSchema, type EventRoutesDeps } from './events.routes.js';
export { formatSseEvent, serializeEvent } from './sse-writer.js';
export type { EventActor } from './events.tables.js';
export * from './consumers/index.js';

export interface EventsDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  /** Bus safety poll (lost notifications); default 10 s. */
  pollIntervalMs?: number;
  /** SSE heartbeat; default 15 s. */
  heartbeatMs?: number;
}

export interface Events {
  /** Appends in the caller's transaction, stamped with the injected clock and counted in metrics. */
  append(executor: Executor, input: AppendEventInput): Promise<DomainEvent>;
  readonly bus: EventBus;
  /** Durable consumers: register them before serving/working; `append` enqueues their delivery jobs. */
  readonly consumers: EventConsumerRegistry;
  /** `events.consume` and `events.sweep`; merge into the process catalog (cron: `EVENTS_SWEEP_CRON`). */
  readonly jobs: JobCatalog;
  registerRoutes(app: HttpApp): void;
  /** Starts the bus (LISTEN); call before serving. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createEvents(deps: EventsDeps): Events {
  const metrics = createEventMetrics(deps.metrics);
  const bus = new EventBus({
    db: deps.db,
    logger: deps.logger,
    ...(deps.pollIntervalMs !== undefined ? { pollIntervalMs: deps.pollIntervalMs } : {}),
  });
  const consumers = new EventConsumerRegistry();
  const consumerJobs = defineEventConsumerJobs({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    registry: consumers,
  });
  const append = async (executor: Executor, input: AppendEventInput) => {
    const event = await appendEvent(executor, input, {
      clock: deps.clock,
      onAppended: (e) => metrics.countAppended(e.type),
    });
    // Same transaction as the event: a consumer's delivery job exists if and only if the event does.
    await consumerJobs.enqueueConsumers(executor, event);
    return event;
  };
  return {
    append,
    bus,
    consumers,
    jobs: consumerJobs.catalog,
    registerRoutes: (app) =>
      registerEventRoutes(app, {
        db: deps.db,
        bus,
        metrics,
        logger: deps.logger,
        append,
        ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}),
      }),
    start: () => bus.start(),
    stop: () => bus.stop(),
  };
}
