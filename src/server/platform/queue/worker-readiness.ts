/**
 * /ready on worker nodes: the worker's own liveness row must be fresh (< 2 × heartbeat interval). Reading the row
 * (not just the in-memory time) proves the heartbeat actually reaches the database.
 */
import type { Executor } from '../db/index.js';
import type { Clock } from '../clock.js';
import { isHeartbeatFresh } from './backoff.js';
import { workerHeartbeatAge } from './queue-workers.repo.js';
import type { Worker } from './worker.js';

/** Shaped like the HTTP layer's `ReadinessCheck`. */
export function workerReadinessCheck(deps: {
  db: Executor;
  worker: Worker;
  clock: Clock;
  heartbeatMs: number;
}): {
  name: string;
  run(): Promise<{ ok: boolean; detail?: string }>;
} {
  return {
    name: 'worker',
    run: async () => {
      const age = await workerHeartbeatAge(deps.db, deps.worker.id, deps.clock);
      if (age === null) return { ok: false, detail: 'worker not registered' };
      const at = new Date(deps.clock.nowMs() - age);
      const ok = isHeartbeatFresh(at, deps.clock.nowMs(), deps.heartbeatMs);
      return { ok, detail: `heartbeat ${Math.round(age)} ms ago` };
    },
  };
}
