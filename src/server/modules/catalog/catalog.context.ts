/** What every catalog use case receives: explicit dependencies, no singletons. */
import type { Audit } from '../../platform/audit/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Executor } from '../../platform/db/index.js';
import type { Events } from '../../platform/events/index.js';
import type { Logger } from '../../platform/logger.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import type { CatalogJobSchemas } from './catalog.jobs.js';

export interface CatalogContext {
  db: Executor;
  clock: Clock;
  logger: Logger;
  events: Pick<Events, 'append'>;
  audit: Pick<Audit, 'record'>;
  /** The catalog's own jobs, enqueued in the use case's transaction (outbox). */
  jobs: JobCatalog<CatalogJobSchemas>;
  /** Bundles refreshed per transaction by the propagation job (default 200). */
  propagationBatchSize?: number;
}
