/**
 * Durable event consumers: how one area reacts to another's events without calling it.
 *
 * A consumer names the event types it wants (`content.*`, `comment.created`) and a handler that runs inside the
 * transaction that also advances its cursor. Handlers must therefore do their work with the `tx` they are given
 * (writes, `enqueue` of follow-up jobs such as emails): that is what makes their effects exactly-once. Anything
 * with effects outside the database belongs in a job the handler enqueues.
 */
import type { Clock } from '../../clock.js';
import type { Executor } from '../../db/index.js';
import type { Logger } from '../../logger.js';
import { matchesTypeFilter, parseTypeFilter, type TypeFilter } from '../event-types.js';
import type { DomainEvent } from '../events.repo.js';

/** What a handler receives besides the transaction and the event. */
export interface ConsumerContext {
  consumer: string;
  workspaceId: string;
  clock: Clock;
  logger: Logger;
  /** Aborted when the job running the consumer is shutting down or lost its lease. */
  signal: AbortSignal;
}

export interface EventConsumerDefinition {
  /** Stable identifier, dotted lower case (`notifications`, `campaigns.content_sync`); keys its cursors. */
  name: string;
  /** Exact types and `area.*` prefixes; only these reach `handle` (the cursor still moves past the others). */
  types: readonly string[];
  handle: (tx: Executor, event: DomainEvent, ctx: ConsumerContext) => Promise<void>;
  /** Events handled per transaction; default 100. */
  batchSize?: number;
}

export interface EventConsumer extends Readonly<Required<EventConsumerDefinition>> {
  readonly filter: TypeFilter;
}

const CONSUMER_NAME = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/;

/** Validates a consumer definition (name, type filters) once, at definition time. */
export function defineEventConsumer(def: EventConsumerDefinition): EventConsumer {
  if (!CONSUMER_NAME.test(def.name) || def.name.length > 100) {
    throw new Error(`event consumer name "${def.name}" must be dotted lower case, e.g. "notifications"`);
  }
  const filter = parseTypeFilter(def.types.join(','));
  if (!filter) throw new Error(`event consumer "${def.name}" must name at least one event type`);
  const batchSize = def.batchSize ?? 100;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`event consumer "${def.name}": batchSize must be a positive integer`);
  }
  return { ...def, batchSize, filter };
}

/** The consumers known to this process. Append-time enqueueing and the sweep look them up here. */
export class EventConsumerRegistry {
  private readonly byName = new Map<string, EventConsumer>();

  register(...consumers: EventConsumer[]): void {
    for (const c of consumers) {
      if (this.byName.has(c.name)) throw new Error(`event consumer "${c.name}" is registered twice`);
      this.byName.set(c.name, c);
    }
  }

  get(name: string): EventConsumer | undefined {
    return this.byName.get(name);
  }

  list(): EventConsumer[] {
    return [...this.byName.values()];
  }

  /** Consumers that want events of `type`. */
  matching(type: string): EventConsumer[] {
    return this.list().filter((c) => matchesTypeFilter(type, c.filter));
  }
}
