/**
 * Composition root: config → db → platform services → HTTP / workers / scheduler. The only place that knows every
 * area; areas receive their dependencies as arguments (no singletons).
 */
import type { Config, ProcessRole } from './config.js';
import { systemClock, type Clock } from './platform/clock.js';
import { migrate, migrationsCurrent, openDatabase, type Db } from './platform/db/index.js';
import {
  createHttpServer,
  databaseCheck,
  registerHealthRoutes,
  registerIdempotency,
  registerOpenApi,
  type HttpApp,
  type ReadinessCheck,
} from './platform/http/index.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createMetricsRegistry, type Registry } from './platform/metrics.js';
import { VERSION } from './version.js';

export interface SwitchboardOptions {
  config: Config;
  clock?: Clock;
  logger?: Logger;
  /** An already-open database (tests); otherwise opened from config. */
  db?: Db;
  /** Overrides config.roles (CLI `--role`). */
  roles?: ProcessRole[];
}

export interface Switchboard {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly db: Db;
  readonly metrics: Registry;
  readonly roles: ProcessRole[];
  /** The HTTP app (present on api nodes; built but not listening until `start`). */
  readonly http: HttpApp | null;
  /** Starts listening (api), working (worker) and scheduling (scheduler) per roles. Returns the URL when listening. */
  start(opts?: { port?: number }): Promise<{ url: string | null }>;
  /** Graceful stop: stop claiming, finish or release in-flight jobs within the grace period, close the database. */
  stop(): Promise<void>;
}

export async function createSwitchboard(opts: SwitchboardOptions): Promise<Switchboard> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const roles = opts.roles ?? config.roles;
  const ownsDb = !opts.db;
  const db =
    opts.db ??
    (await openDatabase({
      url: config.databaseUrl || null,
      dataDir: config.dataDir,
      poolSize: config.dbPoolSize,
      applicationName: `switchboard-${roles.join('+')}`,
    }));
  try {
    const applied = await migrate(db, { onApplied: (name, ms) => logger.info({ migration: name, ms }, 'migration applied') });
    if (applied.length) logger.info({ count: applied.length }, 'database migrated');
  } catch (e) {
    if (ownsDb) await db.close();
    throw e;
  }

  const metrics = createMetricsRegistry();
  const readiness: ReadinessCheck[] = [
    databaseCheck(db),
    {
      name: 'migrations',
      run: async () => ((await migrationsCurrent(db)) ? { ok: true } : { ok: false, detail: 'pending or modified migrations' }),
    },
  ];

  let http: HttpApp | null = null;
  if (roles.includes('api')) {
    http = createHttpServer({
      logger,
      metrics,
      bodyLimitBytes: config.bodyLimitBytes,
      trustProxy: config.trustProxy,
    });
    await registerOpenApi(http, { publicUrl: config.publicUrl, version: VERSION });
    registerIdempotency(http, { db, clock });
    registerHealthRoutes(http, {
      db,
      metrics,
      checks: readiness,
      info: () => ({ version: VERSION, database: db.kind, roles }),
    });
  }

  let stopped = false;
  return {
    config,
    clock,
    logger,
    db,
    metrics,
    roles,
    http,
    async start(startOpts = {}) {
      let url: string | null = null;
      if (http) {
        const address = await http.listen({ port: startOpts.port ?? config.port, host: config.host });
        url = address.replace('127.0.0.1', 'localhost');
        logger.info({ url, roles, database: db.kind }, 'Switchboard listening');
      }
      return { url };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (http) await http.close();
      if (ownsDb) await db.close();
    },
  };
}
