/**
 * Webhook metrics: deliveries by outcome, attempt latency, inbound verified / rejected / duplicate counts, rows
 * pruned by retention, time inbound processing waited for an ingest burst.
 * Registered once per registry (several test apps may share none; each builds its own registry).
 */
import { Counter, Histogram, type Registry } from 'prom-client';

export interface WebhookMetrics {
  /** One per delivery attempt: outcome succeeded | failed | refused | timeout | gone. */
  attempt(outcome: string, seconds: number): void;
  /** Messages finished: succeeded | dead. */
  finished(status: 'succeeded' | 'dead'): void;
  inbound(result: 'verified' | 'rejected' | 'duplicate' | 'too_large', vendor: string): void;
  processed(result: 'processed' | 'failed', vendor: string): void;
  /** Rows deleted by `webhooks.prune`: inbound requests or outbound messages (with their attempts). */
  pruned(kind: 'inbound' | 'message', count: number): void;
  /** Inbound processing waited this long for an ingest burst (inbound-priority.ts). */
  processingDeferred(ms: number): void;
}

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const attempts = new Counter({
    name: 'switchboard_webhook_deliveries_total',
    help: 'Outbound webhook delivery attempts by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'switchboard_webhook_attempt_seconds',
    help: 'Outbound webhook attempt duration (request sent to response read)',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const messages = new Counter({
    name: 'switchboard_webhook_messages_finished_total',
    help: 'Outbound webhook messages that reached a final status',
    labelNames: ['status'],
    registers: [registry],
  });
  const inbound = new Counter({
    name: 'switchboard_webhook_inbound_total',
    help: 'Inbound webhook requests: verified (stored), rejected (401), duplicate (webhook id seen), too_large (413)',
    labelNames: ['result', 'vendor'],
    registers: [registry],
  });
  const processed = new Counter({
    name: 'switchboard_webhook_inbound_processed_total',
    help: 'Inbound webhooks parsed into canonical events (processed) or sent to the inbound dead letters (failed)',
    labelNames: ['result', 'vendor'],
    registers: [registry],
  });
  const pruned = new Counter({
    name: 'switchboard_webhook_pruned_total',
    help: 'Finished webhook history deleted by retention: inbound requests, outbound messages (attempts included)',
    labelNames: ['kind'],
    registers: [registry],
  });
  const deferred = new Counter({
    name: 'switchboard_webhook_inbound_processing_deferred_seconds_total',
    help: 'Time inbound processing waited while the process acknowledged an inbound burst first',
    registers: [registry],
  });
  return {
    attempt: (outcome, seconds) => {
      attempts.inc({ outcome });
      latency.observe({ outcome }, seconds);
    },
    finished: (status) => messages.inc({ status }),
    inbound: (result, vendor) => inbound.inc({ result, vendor }),
    processed: (result, vendor) => processed.inc({ result, vendor }),
    pruned: (kind, count) => pruned.inc({ kind }, count),
    processingDeferred: (ms) => deferred.inc(ms / 1000),
  };
}
