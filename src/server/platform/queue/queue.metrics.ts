/**
 * Queue metrics on an injected prom-client `Registry` (never the global one). Depth and age gauges are computed on
 * scrape from one grouped query, so there is no background polling; counters and the duration histogram are fed
 * by workers.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Db } from '../db/index.js';
import { getQueueStats, type QueueStats } from './queue.service.js';
import type { Clock } from '../clock.js';

export interface QueueMetrics {
  jobDuration: Histogram<'name' | 'outcome'>;
  attempts: Counter<'name'>;
  failures: Counter<'name'>;
  dead: Counter<'name'>;
}

/**
 * Registers the queue's metrics once per registry. Pass `db` in processes that should export depth gauges
 * (any one process per database is enough; every process may, they read the same rows).
 */
export function createQueueMetrics(opts: { registry: Registry; db?: Db; clock: Clock }): QueueMetrics {
  const { registry, db, clock } = opts;
  const registers = [registry];
  // One query per scrape shared by both gauges: the first collect() starts it, the second reuses it.
  let pending: Promise<QueueStats> | null = null;
  const stats = (): Promise<QueueStats> => {
    if (!db) return Promise.resolve({ counts: [], oldestPending: [] });
    pending ??= getQueueStats(db.kysely, clock).finally(() => setTimeout(() => (pending = null), 0));
    return pending;
  };
  new Gauge({
    name: 'switchboard_queue_jobs',
    help: 'Jobs in the queue by name and state (completed rows until pruned)',
    labelNames: ['name', 'state'],
    registers,
    async collect() {
      const s = await stats();
      this.reset();
      for (const c of s.counts) this.set({ name: c.name, state: c.state }, c.count);
    },
  });
  new Gauge({
    name: 'switchboard_queue_oldest_pending_seconds',
    help: 'Age of the oldest due pending job per name (0 when none)',
    labelNames: ['name'],
    registers,
    async collect() {
      const s = await stats();
      this.reset();
      for (const o of s.oldestPending) this.set({ name: o.name }, o.ageSeconds);
    },
  });
  return {
    jobDuration: new Histogram({
      name: 'switchboard_job_duration_seconds',
      help: 'Handler run time per attempt',
      labelNames: ['name', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300],
      registers,
    }),
    attempts: new Counter({
      name: 'switchboard_job_attempts_total',
      help: 'Job attempts started',
      labelNames: ['name'],
      registers,
    }),
    failures: new Counter({
      name: 'switchboard_job_failures_total',
      help: 'Job attempts that failed',
      labelNames: ['name'],
      registers,
    }),
    dead: new Counter({
      name: 'switchboard_jobs_dead_total',
      help: 'Jobs that ran out of attempts',
      labelNames: ['name'],
      registers,
    }),
  };
}
