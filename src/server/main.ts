/**
 * Composition root: config → db → platform services → HTTP / workers / scheduler. The only place that knows every
 * area; areas receive their dependencies as arguments (no singletons).
 */
import { join } from 'node:path';
import type { Config, ProcessRole } from './config.js';
import { createAudit, type Audit } from './platform/audit/index.js';
import { createAuthArea, ensureFirstRun, type AuthArea, type FirstRunResult } from './platform/auth/index.js';
import { systemClock, type Clock } from './platform/clock.js';
import {
  EncryptedColumnRegistry,
  KERNEL_ENCRYPTED_COLUMNS,
  loadSecretBox,
  type SecretBox,
} from './platform/crypto/index.js';
import { migrate, openDatabase, warmUpEmbedded, type Db } from './platform/db/index.js';
import { createEvents, type Events } from './platform/events/index.js';
import { buildHttpApp } from './http-app.js';
import type { HttpApp, ReadinessCheck } from './platform/http/index.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createMetricsRegistry, type Registry } from './platform/metrics.js';
import {
  createQueueMetrics,
  createScheduler,
  createWorker,
  mergeJobCatalogs,
  workerReadinessCheck,
  type JobCatalog,
  type Scheduler,
  type Worker,
} from './platform/queue/index.js';
import { buildJobCatalog, buildCronEntries } from './jobs.js';
import { buildModules, MODULE_ENCRYPTED_COLUMNS } from './modules.js';
import type { SwitchboardModule } from './modules/module.js';
import { createDurabilityHook, describeDurability } from './platform/db/index.js';

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
  readonly secrets: SecretBox;
  readonly encryptedColumns: EncryptedColumnRegistry;
  readonly auth: AuthArea;
  readonly events: Events;
  readonly audit: Audit;
  /** The feature modules of this build (see modules.ts). */
  readonly modules: readonly SwitchboardModule[];
  /** Every job the process knows (kernel + modules); enqueue against it. */
  readonly jobs: JobCatalog;
  /** The HTTP app: the API on api nodes, only /health, /ready and /metrics on others; listening after `start`. */
  readonly http: HttpApp;
  /** The worker (worker role), created by `start`. */
  readonly worker: Worker | null;
  /**
   * Runs first-run setup, starts the event bus, listens (api), works (worker) and schedules (scheduler) per roles.
   * Returns the URL when listening and the first-run result (its one-time password is shown once, by the caller).
   */
  start(opts?: { port?: number }): Promise<{ url: string; firstRun: FirstRunResult }>;
  /** Graceful stop: stop claiming, finish or release in-flight jobs within the grace period, close the database. */
  stop(): Promise<void>;
}

export async function createSwitchboard(opts: SwitchboardOptions): Promise<Switchboard> {
  const { config } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const roles = opts.roles ?? config.roles;
  const ownsDb = !opts.db;
  // Fails before touching the database when PostgreSQL has no secret key configured.
  const secrets = loadSecretBox({
    secretKey: config.secretKey,
    embedded: config.embedded,
    dataDir: config.dataDir,
  });
  if (secrets.generated)
    logger.warn({ file: secrets.keyFile }, 'generated a new secret key; back it up with the data');
  const db = opts.db ?? (await openConfiguredDatabase(config, roles));
  try {
    const applied = await migrate(db, {
      onApplied: (name, ms) => logger.info({ migration: name, ms }, 'migration applied'),
    });
    if (applied.length) logger.info({ count: applied.length }, 'database migrated');
    // Only a process that opened its own embedded database (npm start, serve): ADR 0014.
    if (ownsDb && db.kind === 'pglite' && config.embeddedWarmupMs > 0) {
      const w = await warmUpEmbedded(db.kysely, config.embeddedWarmupMs);
      logger.info(
        {
          rounds: w.rounds,
          ms: Math.round(w.ms),
          first_round_ms: Number(w.firstRoundMs.toFixed(2)),
          last_round_ms: Number(w.lastRoundMs.toFixed(2)),
        },
        'embedded database warmed up',
      );
    }
  } catch (e) {
    if (ownsDb) await db.close();
    throw e;
  }

  const metrics = createMetricsRegistry();
  const encryptedColumns = new EncryptedColumnRegistry([
    ...KERNEL_ENCRYPTED_COLUMNS,
    ...MODULE_ENCRYPTED_COLUMNS,
  ]);
  const events = createEvents({ db, clock, logger, metrics });
  const audit = createAudit({ db, clock });
  const auth = createAuthArea({
    db: db.kysely,
    clock,
    sessionTtlHours: config.sessionTtlHours,
    publicUrl: config.publicUrl,
    recordChange: async (tx, actor, change) => {
      await audit.record(tx, actor, change);
      if (change.event) {
        await events.append(tx, {
          workspaceId: actor.workspaceId,
          subject: change.subject,
          actor,
          ...change.event,
        });
      }
    },
  });
  const queueMetrics = createQueueMetrics({ registry: metrics, db, clock });
  const modules = buildModules({ config, db, clock, logger, metrics, events, audit });
  const jobs = mergeJobCatalogs(
    buildJobCatalog({ db, clock, auth }),
    ...modules.flatMap((m) => (m.jobs ? [m.jobs] : [])),
  );

  let worker: Worker | null = null;
  let scheduler: Scheduler | null = null;
  const readiness: ReadinessCheck[] = [];
  if (roles.includes('worker')) {
    worker = createWorker({
      db,
      catalog: jobs,
      clock,
      logger,
      metrics: queueMetrics,
      concurrency: config.workerConcurrency,
      heartbeatMs: config.workerHeartbeatMs,
    });
    readiness.push(
      workerReadinessCheck({ db: db.kysely, worker, clock, heartbeatMs: config.workerHeartbeatMs }),
    );
  }
  if (roles.includes('scheduler')) {
    scheduler = createScheduler({
      db,
      catalog: jobs,
      entries: [...buildCronEntries(), ...modules.flatMap((m) => m.cron ?? [])],
      clock,
      logger,
    });
  }

  const http = await buildHttpApp({
    config,
    db,
    clock,
    logger,
    metrics,
    auth,
    events,
    audit,
    readiness,
    roles,
    modules,
    durability: () => describeDurability(db),
  });

  let stopped = false;
  return {
    config,
    clock,
    logger,
    db,
    metrics,
    roles,
    secrets: secrets.box,
    encryptedColumns,
    auth,
    events,
    audit,
    modules,
    jobs,
    http,
    worker,
    async start(startOpts = {}) {
      const firstRun: FirstRunResult = roles.includes('api')
        ? await ensureFirstRun(db.kysely, {
            bootstrapEmail: config.bootstrapEmail || null,
            bootstrapPassword: config.bootstrapPassword || null,
            clock,
            publicUrl: config.publicUrl,
          })
        : { created: false };
      // The bus feeds SSE clients (api nodes) and wakes the event consumer runner (worker nodes).
      if (roles.includes('api') || roles.includes('worker')) {
        await events.start({ consumers: roles.includes('worker') });
      }
      if (roles.includes('api')) for (const m of modules) await m.start?.();
      await worker?.start();
      scheduler?.start();
      const address = await http.listen({ port: startOpts.port ?? config.port, host: config.host });
      const url = address.replace('127.0.0.1', 'localhost');
      logger.info({ url, roles, database: db.kind }, 'Switchboard listening');
      return { url, firstRun };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      // Order: stop accepting requests, stop firing cron, let jobs finish (or release them), then close the bus and db.
      await closeHttp(http, HTTP_CLOSE_GRACE_MS);
      await scheduler?.stop();
      await worker?.stop(config.shutdownGraceMs);
      for (const m of modules) await m.stop?.();
      await events.stop();
      if (ownsDb) await db.close();
    },
  };
}

/** How long open requests get to finish on shutdown before their connections are cut. */
const HTTP_CLOSE_GRACE_MS = 2000;

/**
 * Closes the server; connections still open after the grace period (idle keep-alive sockets a client opened but
 * never used, streams that ignore the close) are destroyed so shutdown always completes.
 */
async function closeHttp(http: HttpApp, graceMs: number): Promise<void> {
  const timer = setTimeout(() => http.server.closeAllConnections(), graceMs);
  try {
    await http.close();
  } finally {
    clearTimeout(timer);
  }
}

async function openConfiguredDatabase(config: Config, roles: ProcessRole[]): Promise<Db> {
  return openDatabase({
    url: config.databaseUrl || null,
    dataDir: config.dataDir,
    poolSize: config.dbPoolSize,
    applicationName: `switchboard-${roles.join('+')}`,
    ...(config.embedded && config.embeddedSync
      ? { durability: createDurabilityHook({ pgDataDir: join(config.dataDir, 'pglite') }) }
      : {}),
  });
}
