/**
 * Foreground before background on the embedded database's single session (ADR 0011).
 *
 * PGlite is one PostgreSQL session in this process: every transaction waits its turn for it. Without priorities a
 * burst of background work (jobs, event consumers) queues ahead of the HTTP requests that caused it, and request
 * latency becomes the length of the worker's queue. Background code runs inside `runInBackground`; the PGlite
 * driver serves waiting foreground leases first and background ones when no foreground lease waits, or when the
 * last background grant is older than the starvation bound, so background work still progresses under a sustained
 * foreground load. On PostgreSQL (a pool of sessions) the mark has no effect.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const lane = new AsyncLocalStorage<'background'>();

/** Runs `fn` (and everything it schedules) as background work for the database session scheduler. */
export function runInBackground<T>(fn: () => T): T {
  return lane.run('background', fn);
}

/** Whether the current async context is background work. */
export function inBackground(): boolean {
  return lane.getStore() === 'background';
}

/**
 * Something background work waits for before it starts a round, e.g. webhooks' ingest first (ADR 0008): while it is
 * busy, durable backlogs (received webhooks, appended events) simply wait in their tables. `waitWhileBusy` resolves
 * to the milliseconds waited (0 when not busy) and returns early once `signal` aborts (shutdown).
 */
export interface BackgroundYield {
  waitWhileBusy(signal?: AbortSignal): Promise<number>;
}
