/**
 * deliveries: the publishing ledger (DESIGN §4) and the publish flow (issue 4).
 *
 * Terminology:
 * - delivery: one external effect (publish, unpublish, create campaign) at one connection, written before it is
 *   attempted, in the transaction of the change that causes it, with its `delivery.attempt` job.
 * - idempotency key: unique per effect (`sb-…`); also the marker connectors embed in the vendor object, so an
 *   `unknown` outcome can be reconciled with `findByIdempotencyMarker`.
 * - status: pending → in_flight → succeeded | failed | unknown → reconciled (see deliveries.machine.ts).
 * - attempt: one vendor call, a `delivery_attempts` row committed before the call and closed with its outcome.
 * - generation: bumped by replay / retry decisions / resume; jobs of older generations stop.
 * - dead letter: a failed delivery; replayable (one or in bulk), keeping its history.
 * - destination: `{ connectionId, action }` a content item is delivered to when it is published.
 * - asset: an image a version references (Markdown, `<img>`, `fields.featuredImage`), fetched right before the vendor
 *   call and handed to the connector, which uploads it and rewrites the ref to the vendor URL.
 */
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { HttpApp } from '../../platform/http/index.js';
import type { EventConsumer } from '../../platform/events/index.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import type { ConnectionsPort } from '../connections/index.js';
import { createAssetFetcher, type AssetFetchOptions } from './content-assets-fetch.js';
import type { ContentReader, DeliveriesContext } from './deliveries.context.js';
import { defineDeliveryJobs, type DeliveryJobSchemas } from './deliveries.jobs.js';
import { createDeliveryMetrics } from './deliveries.metrics.js';
import { registerDeliveryRoutes } from './deliveries.routes.js';
import { runDeliveryAttempt, runDeliveryReconcile } from './delivery-attempt.service.js';
import { definePublishConsumer } from './publish.consumer.js';
import * as service from './deliveries.service.js';
import * as destinations from './destinations.service.js';

export type { Delivery, DeliveryAttempt, NewDelivery } from './deliveries.repo.js';
export { deriveIdempotencyKey } from './deliveries.service.js';
export type { DeliveriesContext, ContentReader } from './deliveries.context.js';
export {
  DELIVERY_STATUSES,
  DELIVERY_ACTIONS,
  RESOLVE_OUTCOMES,
  type DeliveryStatus,
  type DeliveryAction,
  type ResolveOutcome,
} from './deliveries.machine.js';
export { DESTINATION_ACTIONS, type DestinationAction } from './destinations.service.js';
export * from './deliveries.errors.js';
export { ATTEMPT_JOB, RECONCILE_JOB, type DeliveryJobPayload } from './deliveries.jobs.js';
export { DEFAULT_ASSET_FETCH_OPTIONS, type AssetFetchOptions } from './content-assets-fetch.js';

type OmitCtx<F> = F extends (ctx: DeliveriesContext, ...rest: infer A) => infer R ? (...args: A) => R : never;

/** The ledger's use cases, bound to their dependencies: for the CLI and other modules. */
export interface DeliveryServices {
  /** Records one external effect and its attempt job in the caller's transaction (idempotent by key). */
  record: OmitCtx<typeof service.recordDelivery>;
  page: OmitCtx<typeof service.pageDeliveries>;
  show: OmitCtx<typeof service.showDelivery>;
  replay: OmitCtx<typeof service.replayDelivery>;
  replayFailed: OmitCtx<typeof service.replayFailedDeliveries>;
  resolve: OmitCtx<typeof service.resolveDelivery>;
  setDestinations: OmitCtx<typeof destinations.setDestinations>;
  getDestinations: OmitCtx<typeof destinations.getDestinations>;
  contentResults: OmitCtx<typeof destinations.listContentResults>;
}

export type DeliveriesModule = SwitchboardModule & {
  readonly jobs: JobCatalog<DeliveryJobSchemas>;
  readonly consumers: EventConsumer[];
  readonly services: DeliveryServices;
  readonly context: DeliveriesContext;
  registerRoutes(app: HttpApp): void;
};

export function createDeliveriesModule(
  deps: ModuleDeps & {
    connections: ConnectionsPort;
    content: ContentReader;
    /** Overrides of the image fetch limits; the allow-list defaults to `SWITCHBOARD_ASSET_ALLOWED_HOSTS`. */
    assetFetch?: Partial<AssetFetchOptions>;
  },
): DeliveriesModule {
  const jobs = defineDeliveryJobs({
    attempt: (payload, job) => runDeliveryAttempt(ctx, payload, job),
    reconcile: (payload) => runDeliveryReconcile(ctx, payload),
  });
  const ctx: DeliveriesContext = {
    db: deps.db.kysely,
    clock: deps.clock,
    logger: deps.logger,
    events: deps.events,
    audit: deps.audit,
    jobs,
    connections: deps.connections,
    content: deps.content,
    assets: createAssetFetcher({ allowedHosts: deps.config.assetAllowedHosts, ...deps.assetFetch }),
    metrics: createDeliveryMetrics(deps.metrics),
    retry: {
      maxAttempts: deps.config.deliveryMaxAttempts,
      baseMs: deps.config.deliveryRetryBaseMs,
      maxMs: 15 * 60_000,
    },
    random: Math.random,
  };
  const bind =
    <A extends unknown[], R>(fn: (c: DeliveriesContext, ...args: A) => R) =>
    (...args: A): R =>
      fn(ctx, ...args);
  return {
    name: 'deliveries',
    jobs,
    context: ctx,
    consumers: [definePublishConsumer(ctx)],
    services: {
      record: bind(service.recordDelivery),
      page: bind(service.pageDeliveries),
      show: bind(service.showDelivery),
      replay: bind(service.replayDelivery),
      replayFailed: bind(service.replayFailedDeliveries),
      resolve: bind(service.resolveDelivery),
      setDestinations: bind(destinations.setDestinations),
      getDestinations: bind(destinations.getDestinations),
      contentResults: bind(destinations.listContentResults),
    },
    registerRoutes(app) {
      registerDeliveryRoutes(app, ctx);
    },
    /** Closes the image fetcher's keep-alive sockets (after workers stopped). */
    stop: () => ctx.assets.close(),
  };
}
