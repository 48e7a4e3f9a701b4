/**
 * The process-wide job catalog and cron table: the kernel's maintenance jobs plus each module's. Adding a module's
 * jobs is one line in each list.
 */
import { z } from 'zod';
import type { AuthArea } from './platform/auth/index.js';
import type { Clock } from './platform/clock.js';
import type { Db } from './platform/db/index.js';
import { pruneIdempotencyKeys } from './platform/http/index.js';
import {
  defineJobs,
  defineQueueMaintenanceJobs,
  mergeJobCatalogs,
  QUEUE_PRUNE_CRON,
  type CronEntry,
  type JobCatalog,
} from './platform/queue/index.js';

export interface JobDeps {
  db: Db;
  clock: Clock;
  auth: AuthArea;
}

/** Hourly housekeeping outside the queue itself: expired sessions and idempotency keys. */
function defineKernelMaintenanceJobs(deps: JobDeps) {
  return defineJobs({
    'kernel.prune': {
      payload: z.object({}).strict(),
      leaseMs: 5 * 60_000,
      retry: { maxAttempts: 3, baseMs: 60_000, maxMs: 10 * 60_000 },
      priority: -10,
      handler: async (_payload, ctx) => {
        const sessions = await deps.auth.pruneExpiredSessions();
        const idempotencyKeys = await pruneIdempotencyKeys(deps.db, deps.clock);
        ctx.logger.info({ sessions, idempotencyKeys }, 'pruned expired sessions and idempotency keys');
      },
    },
  });
}

export function buildJobCatalog(deps: JobDeps): JobCatalog {
  return mergeJobCatalogs(
    defineQueueMaintenanceJobs({ db: deps.db, clock: deps.clock }),
    defineKernelMaintenanceJobs(deps),
  );
}

export function buildCronEntries(): CronEntry[] {
  return [
    QUEUE_PRUNE_CRON,
    { name: 'kernel.prune', cron: '41 * * * *', timezone: 'UTC', job: 'kernel.prune', payload: {} },
  ];
}
