/** What every deliveries use case receives: explicit dependencies, no singletons. */
import type { Audit } from '../../platform/audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/index.js';
import type { Events } from '../../platform/events/index.js';
import type { Logger } from '../../platform/logger.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import type { ConnectionsPort } from '../connections/index.js';
import type { ContentService } from '../content/index.js';
import type { AssetFetcher } from './content-assets-fetch.js';
import type { RetryPolicy } from './deliveries.machine.js';
import type { DeliveryJobSchemas } from './deliveries.jobs.js';
import type { DeliveryMetrics } from './deliveries.metrics.js';

/** The content use cases the ledger reads, bound to an executor (a transaction on single-connection PGlite). */
export type ContentReader = (
  executor: Executor,
) => Pick<ContentService, 'get' | 'getVersion' | 'showWorkflow'>;

export interface DeliveriesContext {
  db: Executor;
  clock: Clock;
  logger: Logger;
  events: Pick<Events, 'append'>;
  audit: Pick<Audit, 'record'>;
  jobs: JobCatalog<DeliveryJobSchemas>;
  connections: ConnectionsPort;
  content: ContentReader;
  /** Fetches the images a version references before the vendor call (SSRF-guarded, size- and type-checked). */
  assets: AssetFetcher;
  metrics: DeliveryMetrics;
  retry: RetryPolicy;
  random: () => number;
}
