/**
 * What a feature module (content, reviews, catalog, …) receives from the composition root and gives back.
 * Modules talk to each other only through their `index.ts`, and react to each other through events.
 */
import type { Config } from '../config.js';
import type { Audit } from '../platform/audit/index.js';
import type { Clock } from '../platform/clock.js';
import type { Db } from '../platform/db/index.js';
import type { Events } from '../platform/events/index.js';
import type { HttpApp } from '../platform/http/index.js';
import type { Logger } from '../platform/logger.js';
import type { Registry } from '../platform/metrics.js';
import type { CronEntry, JobCatalog } from '../platform/queue/index.js';

export interface ModuleDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  events: Events;
  audit: Audit;
}

export interface SwitchboardModule {
  readonly name: string;
  /** The module's jobs; merged into the process catalog so workers can run them. */
  readonly jobs?: JobCatalog;
  readonly cron?: readonly CronEntry[];
  registerRoutes?(app: HttpApp): void;
  /** Runs at start-up after first-run setup, before workers start (e.g. env-configured connections). */
  start?(): Promise<void>;
  /** Runs at shutdown after workers stopped (e.g. in-process sandboxes). */
  stop?(): Promise<void>;
}
