/**
 * Graceful shutdown: `stop(graceMs)` lets in-flight jobs finish within the grace period, then aborts the rest and
 * releases them back to pending (lock cleared, attempt not counted), so another worker can run them at once.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, defineJobs, enqueue, getJob } from '../../src/server/platform/queue/index.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

it('finishes in-flight work within grace and releases over-grace jobs to pending', async () => {
  const startedJobs = new Set<string>();
  let bothStarted: () => void = () => {};
  const allStarted = new Promise<void>((r) => (bothStarted = r));
  let finishQuick: () => void = () => {};
  const quickMayFinish = new Promise<void>((r) => (finishQuick = r));
  let slowSignal: AbortSignal | null = null;
  const catalog = defineJobs({
    'test.quick': {
      payload: z.object({}),
      handler: async (_p, ctx) => {
        startedJobs.add(ctx.jobId);
        if (startedJobs.size === 2) bothStarted();
        await quickMayFinish;
      },
    },
    'test.slow': {
      payload: z.object({}),
      // Runs until aborted: the over-grace job.
      handler: (_p, ctx) =>
        new Promise<void>((_resolve, reject) => {
          slowSignal = ctx.signal;
          startedJobs.add(ctx.jobId);
          if (startedJobs.size === 2) bothStarted();
          ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason as Error));
        }),
    },
  });
  const quick = await enqueue(t.db.kysely, catalog, 'test.quick', {});
  const slow = await enqueue(t.db.kysely, catalog, 'test.slow', {});
  const worker = createWorker({ db: t.db, catalog, logger: silentLogger(), concurrency: 4, pollMs: 20 });
  await worker.start();
  await allStarted;
  expect(worker.inFlight()).toBe(2);

  const stopping = worker.stop(300);
  finishQuick(); // the quick job completes during the grace period
  await stopping;

  expect(slowSignal!.aborted).toBe(true);
  const q = await getJob(t.db.kysely, quick.id);
  expect(q.state).toBe('completed');
  const s = await getJob(t.db.kysely, slow.id);
  expect(s).toMatchObject({ state: 'pending', attempts: 0, lockedBy: null, lockedUntil: null, errors: [] });

  // Another worker picks the released job up immediately, as its first counted attempt.
  let attempt = 0;
  const next = defineJobs({
    'test.slow': { payload: z.object({}), handler: (_p, ctx) => void (attempt = ctx.attempt) },
    'test.quick': { payload: z.object({}), handler: () => {} },
  });
  expect(await createWorker({ db: t.db, catalog: next, logger: silentLogger() }).drain()).toBe(1);
  expect(attempt).toBe(1);
});

it('stop() with nothing in flight resolves and stops claiming', async () => {
  let ran = 0;
  const catalog = defineJobs({ 'test.count': { payload: z.object({}), handler: () => void ran++ } });
  const worker = createWorker({ db: t.db, catalog, logger: silentLogger(), pollMs: 20 });
  await worker.start();
  await worker.stop(1_000);
  await enqueue(t.db.kysely, catalog, 'test.count', {});
  await new Promise((r) => setTimeout(r, 100));
  expect(ran).toBe(0);
});
