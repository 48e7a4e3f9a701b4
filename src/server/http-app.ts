/**
 * Assembles the HTTP surface. Every node serves `/health`, `/ready` and `/metrics`; api nodes add the API: the server, auth (first, so every later hook sees `request.actor`), OpenAPI,
 * idempotency keys, health, and each area's routes. Adding an area's routes is one line here.
 */
import type { ProcessRole, Config } from './config.js';
import type { Audit } from './platform/audit/index.js';
import type { AuthArea } from './platform/auth/index.js';
import type { Clock } from './platform/clock.js';
import type { Db, DurabilityDescription } from './platform/db/index.js';
import type { Events } from './platform/events/index.js';
import {
  createHttpServer,
  databaseCheck,
  registerHealthRoutes,
  registerIdempotency,
  registerOpenApi,
  type HttpApp,
  type ReadinessCheck,
} from './platform/http/index.js';
import type { SwitchboardModule } from './modules/module.js';
import type { Logger } from './platform/logger.js';
import type { Registry } from './platform/metrics.js';
import { registerQueueRoutes } from './platform/queue/index.js';
import { registerWebStatic } from './platform/http/web-static.js';
import { migrationsCurrent } from './platform/db/index.js';
import { VERSION } from './version.js';

export interface HttpAppDeps {
  config: Config;
  db: Db;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  auth: AuthArea;
  events: Events;
  audit: Audit;
  /** Role-specific readiness checks (e.g. the worker heartbeat); database and migrations are added here. */
  readiness: ReadinessCheck[];
  roles: ProcessRole[];
  /** Feature modules; their routes are registered on api nodes. */
  modules: readonly SwitchboardModule[];
  /** What a commit survives right now (an fsync failure shows up here); read per /ready request. */
  durability: () => Promise<DurabilityDescription>;
}

export async function buildHttpApp(deps: HttpAppDeps): Promise<HttpApp> {
  const { config, db, clock, logger, metrics } = deps;
  const app = createHttpServer({
    logger,
    metrics,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
  });
  const api = deps.roles.includes('api');
  deps.auth.registerAuth(app);
  if (api) {
    await registerOpenApi(app, { publicUrl: config.publicUrl, version: VERSION });
    registerIdempotency(app, { db, clock });
  }

  registerHealthRoutes(app, {
    db,
    metrics,
    checks: [databaseCheck(db), migrationsCheck(db), ...deps.readiness],
    info: async () => ({
      version: VERSION,
      database: db.kind,
      roles: deps.roles,
      durability: await deps.durability(),
    }),
  });

  // Worker- and scheduler-only nodes serve just the operations endpoints, so orchestrators can probe them.
  if (!api) return app;
  deps.auth.registerRoutes(app);
  deps.events.registerRoutes(app);
  deps.audit.registerRoutes(app);
  registerQueueRoutes(app, { db, clock });
  for (const module of deps.modules) module.registerRoutes?.(app);
  await registerWebStatic(app);
  return app;
}

/** Migrations are current: checked once per few seconds at most, since it reads and hashes the migration files. */
function migrationsCheck(db: Db): ReadinessCheck {
  let cached: { at: number; ok: boolean } | null = null;
  return {
    name: 'migrations',
    run: async () => {
      const now = Date.now();
      if (!cached || now - cached.at > 5000) cached = { at: now, ok: await migrationsCurrent(db) };
      return cached.ok ? { ok: true } : { ok: false, detail: 'pending or modified migrations' };
    },
  };
}
