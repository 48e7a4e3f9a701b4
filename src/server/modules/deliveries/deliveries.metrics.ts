/** Ledger metrics: `switchboard_deliveries_total{vendor,action,outcome}` and the attempt latency histogram. */
import { Counter, Histogram, type Registry } from 'prom-client';
import { registeredMetric } from '../../platform/metrics.js';

export interface DeliveryMetrics {
  /** One per finished attempt (outcome: succeeded or the error kind) and per final decision (failed, reconciled …). */
  count(vendor: string, action: string, outcome: string): void;
  observeAttempt(vendor: string, action: string, outcome: string, seconds: number): void;
}

export function createDeliveryMetrics(registry: Registry): DeliveryMetrics {
  const total = registeredMetric(
    registry,
    'switchboard_deliveries_total',
    () =>
      new Counter({
        name: 'switchboard_deliveries_total',
        help: 'Delivery attempts and decisions by vendor, action and outcome',
        labelNames: ['vendor', 'action', 'outcome'],
        registers: [registry],
      }),
  );
  const latency = registeredMetric(
    registry,
    'switchboard_delivery_attempt_seconds',
    () =>
      new Histogram({
        name: 'switchboard_delivery_attempt_seconds',
        help: 'Duration of delivery attempts (vendor call including the connector layer), by vendor, action, outcome',
        labelNames: ['vendor', 'action', 'outcome'],
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
        registers: [registry],
      }),
  );
  return {
    count: (vendor, action, outcome) => total.inc({ vendor, action, outcome }),
    observeAttempt: (vendor, action, outcome, seconds) =>
      latency.observe({ vendor, action, outcome }, seconds),
  };
}
