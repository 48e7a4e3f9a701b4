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
import { appendEvent, appendEvents, type AppendEventInput, type DomainEvent } from './events.repo.js';
import { createEventMetrics } from './events.metrics.js';
import { registerEventRoutes } from './events.routes.js';
import { registerConsumerRoutes } from './consumers.routes.js';
import { ConsumerRunner, EventConsumerRegistry } from './consumers/index.js';

export { EventBus, type EventListener, type EventBusOptions } from './event-bus.js';
export { followEvents, type FollowEventsOptions } from './event-feed.js';
export {
  appendEvent,
  appendEvents,
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
  TYPED_EVENT_PAYLOADS,
  type TypeFilter,
  type TypedEventPayload,
  type TypedEventType,
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
  /** Consumer runner safety poll; default 2 s. */
  consumerPollIntervalMs?: number;
  /** SSE heartbeat; default 15 s. */
  heartbeatMs?: number;
}

export interface Events {
  /** Appends in the caller's transaction, stamped with the injected clock and counted in metrics. */
  append(executor: Executor, input: AppendEventInput): Promise<DomainEvent>;
  /** Appends several events of one workspace in one statement, in order (batch writers). */
  appendMany(
    executor: Executor,
    workspaceId: string,
    inputs: readonly Omit<AppendEventInput, 'workspaceId'>[],
  ): Promise<DomainEvent[]>;
  readonly bus: EventBus;
  /** Durable consumers: register them before working; the runner of worker processes drives them. */
  readonly consumers: EventConsumerRegistry;
  /** Drives `consumers` from the log in worker processes; `drain()` runs them to the head (tests, CLI). */
  readonly runner: ConsumerRunner;
  registerRoutes(app: HttpApp): void;
  /** Starts the bus (LISTEN) and, with `consumers`, the consumer runner (worker role); call before serving. */
  start(opts?: { consumers?: boolean }): Promise<void>;
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
  const runner = new ConsumerRunner({
    db: deps.db,
    clock: deps.clock,
    logger: deps.logger,
    registry: consumers,
    onDeferred: (ms) => metrics.countConsumersDeferred(ms),
    ...(deps.consumerPollIntervalMs !== undefined ? { pollIntervalMs: deps.consumerPollIntervalMs } : {}),
  });
  bus.onAppended((workspaceId) => runner.notify(workspaceId));
  // The event row is the consumers' outbox: nothing else is written per append (ADR 0009).
  const append = (executor: Executor, input: AppendEventInput) =>
    appendEvent(executor, input, { clock: deps.clock, onAppended: (e) => metrics.countAppended(e.type) });
  const appendMany = (
    executor: Executor,
    workspaceId: string,
    inputs: readonly Omit<AppendEventInput, 'workspaceId'>[],
  ) =>
    appendEvents(executor, workspaceId, inputs, {
      clock: deps.clock,
      onAppended: (e) => metrics.countAppended(e.type),
    });
  return {
    append,
    appendMany,
    bus,
    consumers,
    runner,
    registerRoutes: (app) => {
      registerEventRoutes(app, {
        db: deps.db,
        bus,
        metrics,
        logger: deps.logger,
        append,
        ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}),
      });
      registerConsumerRoutes(app, { db: deps.db, registry: consumers });
    },
    start: async (opts) => {
      await bus.start();
      if (opts?.consumers) runner.start();
    },
    stop: async () => {
      await runner.stop();
      await bus.stop();
    },
  };
}
