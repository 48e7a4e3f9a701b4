/**
 * The queue's own maintenance job: pruning completed/cancelled rows (kept for inspection for a while) and rows of
 * workers that died without a goodbye. Scheduled hourly by the cron entry `QUEUE_PRUNE_CRON`.
 */
import { z } from 'zod';
import type { Db } from '../db/index.js';
import type { Clock } from '../clock.js';
import { defineJobs } from './job-catalog.js';
import { pruneCompletedJobs } from './queue.service.js';
import { pruneStaleQueueWorkers } from './queue-workers.repo.js';
import type { CronEntry } from './scheduler.js';

export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

export function defineQueueMaintenanceJobs(deps: { db: Db; clock: Clock; retentionMs?: number }) {
  const retentionMs = deps.retentionMs ?? DEFAULT_RETENTION_MS;
  return defineJobs({
    'queue.prune': {
      payload: z.object({}).strict(),
      leaseMs: 10 * 60_000,
      retry: { maxAttempts: 3, baseMs: 60_000, maxMs: 10 * 60_000 },
      priority: -10,
      handler: async (_payload, ctx) => {
        let total = 0;
        // Bounded deletes keep each statement short; loop until a batch comes back partial.
        for (;;) {
          const n = await pruneCompletedJobs(deps.db.kysely, new Date(deps.clock.nowMs() - retentionMs));
          total += n;
          if (n < 10_000 || ctx.signal.aborted) break;
        }
        const workers = await pruneStaleQueueWorkers(
          deps.db.kysely,
          new Date(deps.clock.nowMs() - 24 * 60 * 60 * 1000),
        );
        ctx.logger.info({ jobs: total, workers }, 'pruned queue');
      },
    },
  });
}

export const QUEUE_PRUNE_CRON: CronEntry = {
  name: 'queue.prune',
  cron: '17 * * * *',
  timezone: 'UTC',
  job: 'queue.prune',
  payload: {},
};
