/** What every webhooks use case receives: explicit dependencies, no singletons. */
import type { Audit } from '../../platform/audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { Events } from '../../platform/events/index.js';
import type { Logger } from '../../platform/logger.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import type { IngestPriority } from './inbound-priority.js';
import type { InboundWriter } from './inbound-writer.js';
import type { WebhookAgents } from '../../platform/http/index.js';
import type { WebhookJobSchemas } from './webhooks.jobs.js';
import type { WebhookMetrics } from './webhooks.metrics.js';

/** A connection as inbound webhooks need it: whose it is, which vendor's scheme verifies it, with what secret. */
export interface WebhookConnection {
  id: string;
  workspaceId: string;
  vendor: string;
  /** The vendor's webhook signing secret (HubSpot: the app's client secret); null when none is configured. */
  webhookSecret: string | null;
}

/** The connections module, as seen from here (wired in modules.ts through its index). */
export interface WebhookConnectionsPort {
  findWebhookConnection(connectionId: string): Promise<WebhookConnection | null>;
}

export interface WebhookOptions {
  /** Whole-attempt timeout (connect, send, response headers and the first 4 KiB); default 10 s. */
  deliveryTimeoutMs: number;
  /** Delays before retries 1..n; the message is dead after the last. Default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
  retryScheduleMs: readonly number[];
  /** A subscription failing continuously this long is disabled; default 3 days. */
  autoDisableAfterMs: number;
  /** After a rotation the previous secret keeps signing this long; default 24 h. */
  rotationOverlapMs: number;
  /** Bodies over this size go out as thin events with a fetch URL; default 256 KiB. */
  thinPayloadBytes: number;
  /** Inbound body limit (413 above); default the server's body limit. */
  inboundBodyLimitBytes: number;
  /** Inbound timestamp tolerance; default 5 minutes. */
  inboundToleranceSeconds: number;
  /**
   * How long an inbound source (endpoint / connection and its secret) is cached per process; default 5 s. Changes
   * made on this node apply at once; on other nodes within this time.
   */
  sourceCacheMs: number;
  /**
   * Finished history older than this is pruned by `webhooks.prune`: processed and failed inbound requests (counted
   * from their last processing), succeeded and dead outbound messages with their attempts (from when they
   * finished). Default 30 days (`SWITCHBOARD_WEBHOOK_RETENTION_DAYS`).
   */
  retentionMs: number;
  /**
   * Inbound requests younger than this are never pruned, whatever the retention: their rows are the replay
   * protection (`UNIQUE (source, webhook id)`), and senders retry for up to a day or two (HubSpot 24 h, Standard
   * Webhooks senders ~28 h, Mailchimp 75 min). Default 7 days.
   */
  inboundDedupeWindowMs: number;
  /**
   * Inbound requests per second (in this process) above which processing waits for ingest, at most
   * `ingestFirstMaxDeferMs` per burst; 0 = off. Default 300 (`SWITCHBOARD_WEBHOOK_INGEST_FIRST_RATE`).
   */
  ingestFirstRate: number;
  /** Default 30 s. */
  ingestFirstMaxDeferMs: number;
  /** Rows deleted per statement by `webhooks.prune` (each statement is its own short transaction); default 500. */
  pruneBatchSize: number;
}

export const DEFAULT_WEBHOOK_OPTIONS: WebhookOptions = {
  deliveryTimeoutMs: 10_000,
  retryScheduleMs: [
    5_000,
    5 * 60_000,
    30 * 60_000,
    2 * 3_600_000,
    5 * 3_600_000,
    10 * 3_600_000,
    10 * 3_600_000,
  ],
  autoDisableAfterMs: 3 * 24 * 3_600_000,
  rotationOverlapMs: 24 * 3_600_000,
  thinPayloadBytes: 256 * 1024,
  inboundBodyLimitBytes: 1024 * 1024,
  inboundToleranceSeconds: 5 * 60,
  sourceCacheMs: 5_000,
  retentionMs: 30 * 24 * 3_600_000,
  inboundDedupeWindowMs: 7 * 24 * 3_600_000,
  pruneBatchSize: 500,
  ingestFirstRate: 300,
  ingestFirstMaxDeferMs: 30_000,
};

export interface WebhooksContext {
  db: Executor;
  clock: Clock;
  logger: Logger;
  events: Pick<Events, 'append' | 'appendMany'>;
  audit: Pick<Audit, 'record'>;
  secrets: SecretBox;
  jobs: JobCatalog<WebhookJobSchemas>;
  metrics: WebhookMetrics;
  agents: WebhookAgents;
  /** External base URL, for thin-event fetch links and the URI HubSpot signs. */
  publicUrl: string;
  options: WebhookOptions;
  connections: WebhookConnectionsPort | null;
  /** Group commit of verified inbound requests with their jobs. */
  inboundWriter: InboundWriter;
  /** Ingest first under bursts; one processing job per workspace at a time (inbound-priority.ts). */
  ingestPriority: IngestPriority;
  /** Inbound sources (endpoint or connection, with the opened secret) by id, for `sourceCacheMs`. */
  sourceCache: Map<string, { at: number; source: unknown }>;
}
