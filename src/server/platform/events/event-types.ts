/**
 * Event type names and the filters readers use to pick them.
 *
 * A type is dotted lower-case, area first: `content.published`, `delivery.failed`. Filters name a type exactly or a
 * prefix ending in `.*` (`content.*` matches `content.published` and `content.version.created`).
 */
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/;

/**
 * First segments owned by built-in areas. Custom events (POST /api/v1/events, integrations) may not use them, so
 * a consumer can trust that `content.published` really came from the content workflow.
 */
export const RESERVED_EVENT_PREFIXES = [
  'analytics',
  'audience',
  'audit',
  'auth',
  'automation',
  'bundle',
  'campaign',
  'catalog',
  'comment',
  'connection',
  'contact',
  'content',
  'delivery',
  'email',
  'event',
  'insight',
  'job',
  'list',
  'metric',
  'notification',
  'product',
  'review',
  'schedule',
  'segment',
  'social',
  'switchboard',
  'system',
  'token',
  'user',
  'webhook',
  'workflow',
  'workspace',
] as const;

const RESERVED = new Set<string>(RESERVED_EVENT_PREFIXES);

/**
 * Built-in events that another area consumes, with the payload schema that is the contract between the module that
 * appends them and its consumers (modules talk through events, so this is where they agree). The appender writes
 * `satisfies TypedEventPayload<type>`; a consumer parses with the schema (and treats a mismatch as handled, not as a
 * poison event).
 */
export const TYPED_EVENT_PAYLOADS = {
  /**
   * An outbound webhook subscription was disabled automatically: the receiver answered 410 Gone (`receiver_gone`)
   * or every delivery failed for the auto-disable period (`failing`). Appended in the transaction that disables it.
   */
  'webhook.subscription_disabled': z.looseObject({
    subscriptionId: z.uuid(),
    url: z.string(),
    cause: z.enum(['receiver_gone', 'failing']),
    /** Human-readable, e.g. "every delivery failed for 3 days". */
    reason: z.string(),
  }),
} as const;

export type TypedEventType = keyof typeof TYPED_EVENT_PAYLOADS;
export type TypedEventPayload<T extends TypedEventType> = z.output<(typeof TYPED_EVENT_PAYLOADS)[T]>;

export function isValidEventType(type: string): boolean {
  return type.length <= 200 && EVENT_TYPE_PATTERN.test(type);
}

export function isReservedEventType(type: string): boolean {
  return RESERVED.has(type.split('.', 1)[0] ?? '');
}

/** Throws a 400 unless `type` is well-formed. */
export function assertEventType(type: string): void {
  if (!isValidEventType(type)) {
    throw new ValidationError(
      `Invalid event type "${type}": use dotted lower-case such as "shop.order_paid"`,
      {
        fields: [{ location: 'body', path: 'type', message: `must match ${EVENT_TYPE_PATTERN.source}` }],
      },
    );
  }
}

/** A parsed type filter: exact names and prefixes (without the trailing `*`, with the dot: `content.`). */
export interface TypeFilter {
  exact: string[];
  prefixes: string[];
}

const PREFIX_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\.\*$/;

/** Parses `a.b,c.*` into a filter; null for "all types". Throws a 400 naming the bad entry. */
export function parseTypeFilter(text: string | undefined): TypeFilter | null {
  if (text === undefined || text.trim() === '') return null;
  const filter: TypeFilter = { exact: [], prefixes: [] };
  for (const raw of text.split(',')) {
    const entry = raw.trim();
    if (entry === '') continue;
    if (PREFIX_PATTERN.test(entry)) filter.prefixes.push(entry.slice(0, -1));
    else if (isValidEventType(entry)) filter.exact.push(entry);
    else {
      throw new ValidationError(
        `Invalid type filter "${entry}": use an event type or a prefix such as "content.*"`,
        {
          fields: [{ location: 'querystring', path: 'types', message: 'is not an event type or prefix' }],
        },
      );
    }
  }
  if (filter.exact.length + filter.prefixes.length > 50) {
    throw new ValidationError('At most 50 type filters');
  }
  return filter.exact.length || filter.prefixes.length ? filter : null;
}

export function matchesTypeFilter(type: string, filter: TypeFilter | null): boolean {
  if (!filter) return true;
  return filter.exact.includes(type) || filter.prefixes.some((p) => type.startsWith(p));
}
