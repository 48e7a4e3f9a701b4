/**
 * Event use cases shared by REST, CLI and integrations: authorize → validate → read/append.
 */
import type { Actor } from '../auth/actor.js';
import { authorize } from '../auth/policy.js';
import { inTransaction, type Executor } from '../db/index.js';
import { AppError, ValidationError } from '../errors/index.js';
import { listEvents, type AppendEventInput, type DomainEvent } from './events.repo.js';
import {
  assertEventType,
  isReservedEventType,
  RESERVED_EVENT_PREFIXES,
  type TypeFilter,
} from './event-types.js';

/** Custom payloads travel to every SSE client and webhook: keep them small. */
export const MAX_CUSTOM_PAYLOAD_BYTES = 64 * 1024;

export class ReservedEventTypeError extends AppError {
  constructor(type: string) {
    super(
      'EVENT_TYPE_RESERVED',
      400,
      `Event type "${type}" uses a prefix reserved for built-in events; choose your own first segment`,
      { type, reserved: RESERVED_EVENT_PREFIXES },
    );
    this.name = 'ReservedEventTypeError';
  }
}

export interface EventPageQuery {
  after: number;
  limit: number;
  types: TypeFilter | null;
  subject?: string | undefined;
}

/** One page of the actor's workspace events in seq order; `nextAfter` is null when the page was not full. */
export async function pageEvents(
  executor: Executor,
  actor: Actor,
  q: EventPageQuery,
): Promise<{ items: DomainEvent[]; nextAfter: number | null }> {
  authorize(actor, 'events.read', { workspaceId: actor.workspaceId });
  const items = await listEvents(executor, { workspaceId: actor.workspaceId, ...q });
  const last = items[items.length - 1];
  return { items, nextAfter: last && items.length === q.limit ? last.seq : null };
}

export interface CustomEventInput {
  type: string;
  subject?: string | undefined;
  payload?: unknown;
}

/**
 * Appends an integration-defined event to the actor's workspace. Built-in prefixes are refused so that consumers
 * can trust `content.*` & co. to come from Switchboard itself.
 */
export async function appendCustomEvent(
  executor: Executor,
  actor: Actor,
  input: CustomEventInput,
  append: (executor: Executor, input: AppendEventInput) => Promise<DomainEvent>,
): Promise<DomainEvent> {
  authorize(actor, 'events.write', { workspaceId: actor.workspaceId });
  assertEventType(input.type);
  if (isReservedEventType(input.type)) throw new ReservedEventTypeError(input.type);
  const bytes = Buffer.byteLength(JSON.stringify(input.payload ?? {}) ?? '');
  if (bytes > MAX_CUSTOM_PAYLOAD_BYTES) {
    throw new ValidationError(`Event payload is ${bytes} bytes; the limit is ${MAX_CUSTOM_PAYLOAD_BYTES}`, {
      fields: [{ location: 'body', path: 'payload', message: 'is too large' }],
    });
  }
  return inTransaction(executor, (tx) =>
    append(tx, {
      workspaceId: actor.workspaceId,
      type: input.type,
      subject: input.subject ?? '',
      payload: input.payload ?? {},
      actor,
    }),
  );
}
