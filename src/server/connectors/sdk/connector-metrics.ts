/**
 * Connector metrics on the process's prom-client registry (DESIGN §8):
 * - `switchboard_connector_request_seconds{vendor,operation,outcome}`: latency of every attempt on the wire, outcome
 *   `success` or the `ConnectorError` kind;
 * - `switchboard_connector_breaker_state{connection_id,vendor}`: 0 closed, 1 half-open, 2 open;
 * - `switchboard_connector_rate_limit_wait_seconds{vendor}`: how long requests waited for the limiter.
 * `switchboard_deliveries_total` belongs to the deliveries module.
 */
import { Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import { registeredMetric } from '../../platform/metrics.js';
import type { BreakerState } from './runtime-types.js';

export interface ConnectorMetrics {
  observeAttempt(labels: { vendor: string; operation: string; outcome: string }, seconds: number): void;
  setBreakerState(labels: { connectionId: string; vendor: string }, state: BreakerState): void;
  observeRateLimitWait(labels: { vendor: string }, seconds: number): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/** Registers (once per registry) and returns the connector metrics. */
export function createConnectorMetrics(registry: Registry): ConnectorMetrics {
  const request = registeredMetric(
    registry,
    'switchboard_connector_request_seconds',
    () =>
      new Histogram({
        name: 'switchboard_connector_request_seconds',
        help: 'Latency of connector HTTP attempts, by vendor, operation and outcome (success or error kind).',
        labelNames: ['vendor', 'operation', 'outcome'],
        buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
  );
  const breaker = registeredMetric(
    registry,
    'switchboard_connector_breaker_state',
    () =>
      new Gauge({
        name: 'switchboard_connector_breaker_state',
        help: 'Circuit breaker state per connection: 0 closed, 1 half-open, 2 open.',
        labelNames: ['connection_id', 'vendor'],
        registers: [registry],
      }),
  );
  const waits = registeredMetric(
    registry,
    'switchboard_connector_rate_limit_wait_seconds',
    () =>
      new Histogram({
        name: 'switchboard_connector_rate_limit_wait_seconds',
        help: 'Time connector requests waited for the per-connection rate limiter, by vendor.',
        labelNames: ['vendor'],
        buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 20, 60],
        registers: [registry],
      }),
  );
  return {
    observeAttempt(labels, seconds) {
      request.observe(labels, seconds);
    },
    setBreakerState(labels, state) {
      breaker.set({ connection_id: labels.connectionId, vendor: labels.vendor }, BREAKER_VALUE[state]);
    },
    observeRateLimitWait(labels, seconds) {
      waits.observe(labels, seconds);
    },
  };
}

/** Metrics that go nowhere (CLI one-offs, OAuth helpers used outside a runtime). */
export const noopConnectorMetrics: ConnectorMetrics = {
  observeAttempt: () => undefined,
  setBreakerState: () => undefined,
  observeRateLimitWait: () => undefined,
};
