/** Event metrics, registered on the process registry passed in (never prom-client's global one). */
import { Counter, Gauge, type Registry } from 'prom-client';
import { registeredMetric } from '../metrics.js';
import { isReservedEventType } from './event-types.js';

export interface EventMetrics {
  /** Counts an appended event (at append time: a rolled-back transaction still counts, which is rare). */
  countAppended(type: string): void;
  sseClients: Gauge;
  /** Time consumer rounds waited for a busy yield source (ingest first). */
  countConsumersDeferred(ms: number): void;
}

export function createEventMetrics(registry: Registry): EventMetrics {
  const appended = registeredMetric(
    registry,
    'switchboard_events_appended_total',
    () =>
      new Counter({
        name: 'switchboard_events_appended_total',
        help: 'Domain events appended, by type (custom event types are counted under "custom")',
        labelNames: ['type'],
        registers: [registry],
      }),
  );
  const sseClients = registeredMetric(
    registry,
    'switchboard_sse_clients',
    () =>
      new Gauge({
        name: 'switchboard_sse_clients',
        help: 'Server-Sent Events clients connected to this process',
        registers: [registry],
      }),
  );
  const deferred = registeredMetric(
    registry,
    'switchboard_event_consumers_deferred_seconds_total',
    () =>
      new Counter({
        name: 'switchboard_event_consumers_deferred_seconds_total',
        help: 'Time event consumer rounds waited while this process gave inbound webhooks priority (ingest first)',
        registers: [registry],
      }),
  );
  return {
    // Custom types are chosen by API callers: one label value each would let them grow the series without bound.
    countAppended: (type) => appended.inc({ type: isReservedEventType(type) ? type : 'custom' }),
    sseClients,
    countConsumersDeferred: (ms) => deferred.inc(ms / 1000),
  };
}
