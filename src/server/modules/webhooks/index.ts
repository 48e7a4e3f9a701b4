/**
 * webhooks: Switchboard's events out to other systems, and other systems' webhooks in (issue 5, ADR 0008).
 *
 * Terminology:
 * - subscription: a workspace's outbound target — URL, event type filters (`content.*`), an optional payload
 *   filter, a `whsec_` signing secret (shown once, rotatable with a 24 h overlap), enabled, ordered or parallel.
 * - message: one event (or ping) for one subscription; its id (`msg_…`) is the Standard Webhooks `webhook-id`,
 *   kept across retries and replays. Status pending → succeeded | dead (dead letters, replayable).
 * - attempt: one HTTP POST of a message, stored with request headers (no secret), status, the first 4 KiB of the
 *   response and the duration.
 * - thin event: a message whose body exceeds 256 KiB goes out with `data: null` and a `payloadUrl` that returns
 *   the full body to whoever holds its token (derived from the subscription's secret).
 * - allowed hosts: per-workspace hosts that may resolve to private/loopback addresses (SSRF allow-list).
 * - inbound webhook: a verified request to `/hooks/{connectionId}` or `/hooks/generic/{endpointId}`, stored raw with
 *   its processing job; processed into canonical events (`contact.updated`, `email.bounced` …) or failed (the
 *   inbound dead letters, reprocessable).
 * - endpoint: a generic inbound source verified by Standard Webhooks or an HMAC-SHA256 header.
 * - retention: finished history (processed/failed inbound requests, succeeded/dead messages and their attempts) is
 *   deleted by the hourly `webhooks.prune` job after `SWITCHBOARD_WEBHOOK_RETENTION_DAYS`; inbound requests are kept
 *   at least the replay-protection window (7 days).
 */
import type { Registry } from 'prom-client';
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { EncryptedColumn, SecretBox } from '../../platform/crypto/index.js';
import { loadSecretBox } from '../../platform/crypto/index.js';
import type { BackgroundYield } from '../../platform/db/index.js';
import type { EventConsumer } from '../../platform/events/index.js';
import type { HttpApp } from '../../platform/http/index.js';
import type { CronEntry, JobCatalog } from '../../platform/queue/index.js';
import { deliverMessage } from './delivery.service.js';
import { processInbound } from './inbound.service.js';
import { IngestPriority } from './inbound-priority.js';
import { pruneWebhookHistory } from './retention.service.js';
import { InboundWriter } from './inbound-writer.js';
import { registerInboundApiRoutes, registerInboundHookRoutes } from './inbound.routes.js';
import { registerMessageRoutes } from './messages.routes.js';
import { createWebhookAgents, type WebhookAgents } from '../../platform/http/index.js';
import { registerSubscriptionRoutes } from './subscriptions.routes.js';
import {
  DEFAULT_WEBHOOK_OPTIONS,
  type WebhookConnectionsPort,
  type WebhookOptions,
  type WebhooksContext,
} from './webhooks.context.js';
import { defineWebhooksConsumer } from './webhooks.consumer.js';
import { defineWebhookJobs, WEBHOOKS_PRUNE_CRON, type WebhookJobSchemas } from './webhooks.jobs.js';
import { createWebhookMetrics } from './webhooks.metrics.js';

export type {
  WebhookConnection,
  WebhookConnectionsPort,
  WebhookOptions,
  WebhooksContext,
} from './webhooks.context.js';
export { DEFAULT_WEBHOOK_OPTIONS } from './webhooks.context.js';
export * from './webhooks.errors.js';
export {
  WebhookTargetRefusedError,
  WebhookTargetUnresolvableError,
  isBlockedAddress,
} from '../../platform/http/index.js';
export {
  buildWebhookHeaders,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
  SECRET_PREFIX,
} from './standard-webhooks.js';
export { WEBHOOKS_CONSUMER } from './webhooks.consumer.js';
export {
  DELIVER_JOB,
  PROCESS_INBOUND_JOB,
  PRUNE_JOB,
  WEBHOOKS_PRUNE_CRON,
  type WebhookJobSchemas,
} from './webhooks.jobs.js';
export type { PruneResult } from './retention.service.js';
export type { WebhookTables } from './webhooks.tables.js';

/**
 * The webhook columns holding SecretBox ciphertexts; `secrets rotate-key` must visit them (register them with the
 * EncryptedColumnRegistry once the composition root collects modules' columns).
 */
export const WEBHOOK_ENCRYPTED_COLUMNS = [
  { table: 'webhook_subscriptions', idColumn: 'id', column: 'secret_cipher' },
  { table: 'webhook_subscriptions', idColumn: 'id', column: 'previous_secret_cipher' },
  { table: 'inbound_webhook_endpoints', idColumn: 'id', column: 'secret_cipher' },
] as const satisfies readonly EncryptedColumn[];
export type { Subscription } from './subscriptions.repo.js';
export type { Message, Attempt } from './messages.repo.js';
export type { InboundEndpoint, InboundWebhook } from './inbound.repo.js';
export type { ReplayRequest } from './messages.service.js';

import * as subscriptions from './subscriptions.service.js';
import * as messages from './messages.service.js';
import * as inbound from './inbound.service.js';

type OmitCtx<F> = F extends (ctx: WebhooksContext, ...rest: infer A) => infer R ? (...args: A) => R : never;

/** The webhook use cases bound to their dependencies, for the CLI and tests (through this file only). */
export interface WebhookServices {
  createSubscription: OmitCtx<typeof subscriptions.createSubscription>;
  getSubscription: OmitCtx<typeof subscriptions.getSubscription>;
  pageSubscriptions: OmitCtx<typeof subscriptions.pageSubscriptions>;
  updateSubscription: OmitCtx<typeof subscriptions.updateSubscription>;
  deleteSubscription: OmitCtx<typeof subscriptions.deleteSubscription>;
  rotateSubscriptionSecret: OmitCtx<typeof subscriptions.rotateSubscriptionSecret>;
  getWebhookSettings: OmitCtx<typeof subscriptions.getWebhookSettings>;
  setWebhookSettings: OmitCtx<typeof subscriptions.setWebhookSettings>;
  pingSubscription: OmitCtx<typeof messages.pingSubscription>;
  replayMessages: OmitCtx<typeof messages.replayMessages>;
  pageMessages: OmitCtx<typeof messages.pageMessages>;
  getMessageWithAttempts: OmitCtx<typeof messages.getMessageWithAttempts>;
  ingestInbound: OmitCtx<typeof inbound.ingestInbound>;
  pageInbound: OmitCtx<typeof inbound.pageInbound>;
  reprocessInbound: OmitCtx<typeof inbound.reprocessInbound>;
  createEndpoint: OmitCtx<typeof inbound.createEndpoint>;
  /** Retention now (what the hourly `webhooks.prune` job runs); returns the rows deleted. */
  pruneHistory: OmitCtx<typeof pruneWebhookHistory>;
}

export interface WebhooksModuleDeps extends Pick<
  ModuleDeps,
  'config' | 'db' | 'clock' | 'logger' | 'metrics' | 'events' | 'audit'
> {
  /** The process's secret box; loaded from config when absent (same key file / env key). */
  secrets?: SecretBox;
  /** The connections module's lookup for `/hooks/{connectionId}`; without it those requests get 404. */
  connections?: WebhookConnectionsPort;
  options?: Partial<WebhookOptions>;
}

export type WebhooksModule = SwitchboardModule & {
  readonly jobs: JobCatalog<WebhookJobSchemas>;
  readonly cron: readonly CronEntry[];
  /** Register on `events.consumers` (the composition root does). */
  readonly consumers: readonly EventConsumer[];
  /** Ingest first: other background work waits on it during an inbound burst (the composition root registers it). */
  readonly ingestFirst: BackgroundYield;
  readonly services: WebhookServices;
  readonly context: WebhooksContext;
  registerRoutes(app: HttpApp): void;
  /** Closes the delivery HTTP agents (keep-alive sockets); `stop` does the same at shutdown. */
  close(): Promise<void>;
};

/** Metrics are registered once per registry even when a module is built twice (tests, CLI). */
const metricsByRegistry = new WeakMap<Registry, ReturnType<typeof createWebhookMetrics>>();

export function createWebhooksModule(deps: WebhooksModuleDeps): WebhooksModule {
  const options: WebhookOptions = {
    ...DEFAULT_WEBHOOK_OPTIONS,
    inboundBodyLimitBytes: deps.config.bodyLimitBytes,
    retentionMs: deps.config.webhookRetentionDays * 24 * 3_600_000,
    ingestFirstRate: deps.config.webhookIngestFirstRate,
    ...deps.options,
  };
  const secrets =
    deps.secrets ??
    loadSecretBox({
      secretKey: deps.config.secretKey,
      embedded: deps.config.embedded,
      dataDir: deps.config.dataDir,
    }).box;
  let metrics = metricsByRegistry.get(deps.metrics);
  if (!metrics) {
    metrics = createWebhookMetrics(deps.metrics);
    metricsByRegistry.set(deps.metrics, metrics);
  }
  const agents: WebhookAgents = createWebhookAgents({ connectTimeoutMs: options.deliveryTimeoutMs });
  const jobs = defineWebhookJobs(
    {
      deliver: (p, job) => deliverMessage(ctx, p, job),
      processInbound: (p, job) => processInbound(ctx, p, job),
      prune: async (job) => {
        const pruned = await pruneWebhookHistory(ctx, { signal: job.signal });
        job.logger.info(pruned, 'pruned webhook history');
      },
    },
    { maxDeliveryAttempts: options.retryScheduleMs.length + 1, deliveryTimeoutMs: options.deliveryTimeoutMs },
  );
  const ingestPriority = new IngestPriority({
    ratePerSecond: options.ingestFirstRate,
    maxDeferMs: options.ingestFirstMaxDeferMs,
  });
  const ctx: WebhooksContext = {
    db: deps.db.kysely,
    clock: deps.clock,
    logger: deps.logger,
    events: deps.events,
    audit: deps.audit,
    secrets,
    jobs,
    metrics,
    agents,
    publicUrl: deps.config.publicUrl,
    options,
    connections: deps.connections ?? null,
    inboundWriter: new InboundWriter(
      deps.db.kysely,
      jobs,
      // One session: nothing runs between the writer's check and its commit (see InboundWriter).
      deps.db.kind === 'pglite' ? (ws) => ingestPriority.joinRunning(ws) : () => false,
    ),
    ingestPriority,
    sourceCache: new Map(),
  };
  const bind =
    <A extends unknown[], R>(fn: (c: WebhooksContext, ...args: A) => R) =>
    (...args: A): R =>
      fn(ctx, ...args);
  return {
    name: 'webhooks',
    jobs,
    cron: [WEBHOOKS_PRUNE_CRON],
    consumers: [defineWebhooksConsumer(ctx)],
    ingestFirst: ingestPriority,
    context: ctx,
    services: {
      createSubscription: bind(subscriptions.createSubscription),
      getSubscription: bind(subscriptions.getSubscription),
      pageSubscriptions: bind(subscriptions.pageSubscriptions),
      updateSubscription: bind(subscriptions.updateSubscription),
      deleteSubscription: bind(subscriptions.deleteSubscription),
      rotateSubscriptionSecret: bind(subscriptions.rotateSubscriptionSecret),
      getWebhookSettings: bind(subscriptions.getWebhookSettings),
      setWebhookSettings: bind(subscriptions.setWebhookSettings),
      pingSubscription: bind(messages.pingSubscription),
      replayMessages: bind(messages.replayMessages),
      pageMessages: bind(messages.pageMessages),
      getMessageWithAttempts: bind(messages.getMessageWithAttempts),
      ingestInbound: bind(inbound.ingestInbound),
      pageInbound: bind(inbound.pageInbound),
      reprocessInbound: bind(inbound.reprocessInbound),
      createEndpoint: bind(inbound.createEndpoint),
      pruneHistory: bind(pruneWebhookHistory),
    },
    registerRoutes(app) {
      registerSubscriptionRoutes(app, ctx);
      registerMessageRoutes(app, ctx);
      registerInboundApiRoutes(app, ctx);
      registerInboundHookRoutes(app, ctx);
    },
    close: () => agents.close(),
    stop: () => agents.close(),
  };
}
