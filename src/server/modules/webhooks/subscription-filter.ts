/**
 * Which events a subscription receives: event type filters (exact names and `prefix.*`, none = every event) and an
 * optional payload filter `{ "path.to.field": value | [values] }` — every entry must match; a list means "any of";
 * paths walk nested objects with dots. Pure, so it is unit tested without a database.
 */
import { matchesTypeFilter, parseTypeFilter, type TypeFilter } from '../../platform/events/index.js';
import { WebhookFilterInvalidError } from './webhooks.errors.js';
import type { PayloadFilter } from './webhooks.tables.js';

type Scalar = string | number | boolean | null;

const MAX_FILTER_ENTRIES = 20;

/** Parses stored/submitted type filters; throws a 400 naming a bad entry. Null = every event. */
export function parseEventTypeFilters(types: readonly string[]): TypeFilter | null {
  if (types.some((t) => t.includes(',')))
    throw new WebhookFilterInvalidError('Event type filters contain a comma');
  return parseTypeFilter(types.join(','));
}

/** Checks a payload filter's shape: dotted keys, scalar values or non-empty lists of scalars. */
export function validatePayloadFilter(filter: PayloadFilter): void {
  const entries = Object.entries(filter);
  if (entries.length > MAX_FILTER_ENTRIES)
    throw new WebhookFilterInvalidError(`A payload filter has at most ${MAX_FILTER_ENTRIES} entries`);
  for (const [path, expected] of entries) {
    if (!/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/.test(path))
      throw new WebhookFilterInvalidError(
        `Payload filter key "${path}" must be a dotted path such as "content.type"`,
      );
    const values = Array.isArray(expected) ? expected : [expected];
    if (values.length === 0 || !values.every(isScalar))
      throw new WebhookFilterInvalidError(
        `Payload filter "${path}" must be a string, number, boolean, null or a non-empty list of them`,
      );
  }
}

export function matchesPayloadFilter(payload: unknown, filter: PayloadFilter | null): boolean {
  if (!filter) return true;
  for (const [path, expected] of Object.entries(filter)) {
    const actual = readPath(payload, path);
    const options = (Array.isArray(expected) ? expected : [expected]) as Scalar[];
    if (!options.some((o) => o === actual)) return false;
  }
  return true;
}

/** Whether an event reaches a subscription with these filters. */
export function matchesSubscription(
  event: { type: string; payload: unknown },
  sub: { typeFilter: TypeFilter | null; payloadFilter: PayloadFilter | null },
): boolean {
  return (
    matchesTypeFilter(event.type, sub.typeFilter) && matchesPayloadFilter(event.payload, sub.payloadFilter)
  );
}

function readPath(value: unknown, path: string): unknown {
  let cur: unknown = value;
  for (const key of path.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function isScalar(v: unknown): v is Scalar {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}
