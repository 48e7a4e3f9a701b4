/**
 * The queue's core guarantees on a real database (PGlite by default, PostgreSQL with TEST_DATABASE_URL):
 * outbox enqueue, dedupe, retries with backoff, Retry-After, dead letters, lease-expiry reclaim and operations.
 * Time is a TestClock set an hour ahead of the database's clock, so jobs enqueued "now" are due at once and every
 * delay is moved past with `advance`, never slept.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { z } from 'zod';
import { Registry } from 'prom-client';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { ConflictError, ValidationError } from '../../src/server/platform/errors/index.js';
import {
  RetryAfterError,
  cancelJob,
  createQueueMetrics,
  createWorker,
  defineJobs,
  enqueue,
  enqueueMany,
  getJob,
  getQueueStats,
  listJobs,
  retryAllDead,
  retryDeadJob,
  workerHeartbeatAge,
} from '../../src/server/platform/queue/index.js';
import { claimJobs } from '../../src/server/platform/queue/job-store.js';

let t: TestDb;
let clock: TestClock;
const log: string[] = [];
let behaviour: (n: number, attempt: number) => void = () => {};

const catalog = defineJobs({
  'test.work': {
    payload: z.object({ n: z.number().int(), workspaceId: z.string().optional() }),
    leaseMs: 30_000,
    retry: { maxAttempts: 3, baseMs: 1_000, maxMs: 10_000 },
    handler: (p, ctx) => {
      log.push(`${p.n}:${ctx.attempt}`);
      behaviour(p.n, ctx.attempt);
    },
  },
});

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());
beforeEach(async () => {
  clock = new TestClock(Date.now() + 3_600_000);
  log.length = 0;
  behaviour = () => {};
  await sql`DELETE FROM jobs`.execute(t.db.kysely);
});

const newWorker = (extra: { random?: () => number; registry?: Registry } = {}) =>
  createWorker({
    db: t.db,
    catalog,
    clock,
    logger: silentLogger(),
    concurrency: 5,
    random: extra.random ?? (() => 0.5),
    ...(extra.registry ? { metrics: createQueueMetrics({ registry: extra.registry, db: t.db, clock }) } : {}),
  });

const countJobs = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`.execute(t.db.kysely)).rows[0]!.n;

describe('enqueue', () => {
  it('enqueued inside a transaction that rolls back leaves no job (outbox)', async () => {
    await expect(
      t.db.kysely.transaction().execute(async (tx) => {
        await enqueue(tx, catalog, 'test.work', { n: 1 });
        await enqueueMany(tx, catalog, [
          { name: 'test.work', payload: { n: 2 }, opts: { dedupeKey: 'k-rb' } },
        ]);
        expect(
          await sql<{ n: number }>`SELECT count(*)::int AS n FROM jobs`.execute(tx).then((r) => r.rows[0]!.n),
        ).toBe(2);
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    expect(await countJobs()).toBe(0);
  });

  it('rejects a payload the schema refuses, and an unknown job, with ValidationError', async () => {
    await expect(enqueue(t.db.kysely, catalog, 'test.work', { n: 'x' } as never)).rejects.toBeInstanceOf(
      ValidationError,
    );
    await expect(enqueue(t.db.kysely, catalog, 'nope.job' as never, {} as never)).rejects.toBeInstanceOf(
      ValidationError,
    );
    expect(await countJobs()).toBe(0);
  });

  it('dedupeKey returns the existing job instead of adding one', async () => {
    const a = await enqueue(t.db.kysely, catalog, 'test.work', { n: 1 }, { dedupeKey: 'order-42' });
    const b = await enqueue(t.db.kysely, catalog, 'test.work', { n: 2 }, { dedupeKey: 'order-42' });
    const [c, d] = await enqueueMany(t.db.kysely, catalog, [
      { name: 'test.work', payload: { n: 3 }, opts: { dedupeKey: 'order-42' } },
      { name: 'test.work', payload: { n: 4 } },
    ]);
    expect(a.deduplicated).toBe(false);
    expect(b).toEqual({ id: a.id, deduplicated: true });
    expect(c).toEqual({ id: a.id, deduplicated: true });
    expect(d!.deduplicated).toBe(false);
    expect(await countJobs()).toBe(2);
    expect((await getJob(t.db.kysely, a.id, clock)).payload).toEqual({ n: 1 });
  });

  it('enqueueMany inserts in input order and a worker runs them all', async () => {
    const res = await enqueueMany(
      t.db.kysely,
      catalog,
      [1, 2, 3, 4, 5, 6, 7].map((n) => ({ name: 'test.work' as const, payload: { n } })),
    );
    expect(res.map((r) => Number(r.id))).toEqual([...res.map((r) => Number(r.id))].sort((x, y) => x - y));
    expect(await newWorker().drain()).toBe(7);
    expect(log.map((l) => l.split(':')[0]).sort()).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    const stats = await getQueueStats(t.db.kysely, clock);
    expect(stats.counts).toEqual([{ name: 'test.work', state: 'completed', count: 7 }]);
  });

  it('runAt and priority decide what is claimed first', async () => {
    await enqueue(t.db.kysely, catalog, 'test.work', { n: 1 }, { runAt: new Date(clock.nowMs() + 60_000) });
    await enqueue(t.db.kysely, catalog, 'test.work', { n: 2 });
    await enqueue(t.db.kysely, catalog, 'test.work', { n: 3 }, { priority: 5 });
    const w = createWorker({ db: t.db, catalog, clock, logger: silentLogger(), concurrency: 1 });
    expect(await w.drain()).toBe(2);
    expect(log).toEqual(['3:1', '2:1']);
    clock.advance(60_000);
    expect(await w.drain()).toBe(1);
    expect(log).toEqual(['3:1', '2:1', '1:1']);
  });
});

describe('failures', () => {
  it('retries with backoff, then goes dead keeping every attempt error', async () => {
    behaviour = (n, attempt) => {
      throw new TypeError(`boom ${n}/${attempt}`);
    };
    const registry = new Registry();
    const w = newWorker({ registry, random: () => 0.5 });
    const { id } = await enqueue(t.db.kysely, catalog, 'test.work', { n: 9 });

    expect(await w.runOnce()).toBe(1);
    let job = await getJob(t.db.kysely, id, clock);
    expect(job.state).toBe('scheduled');
    // Full jitter with random 0.5 after attempt 1: floor(0.5 · (1000 + 1)) = 500 ms.
    expect(job.runAt.getTime() - clock.nowMs()).toBe(500);
    expect(await w.runOnce()).toBe(0);

    clock.advance(500);
    expect(await w.runOnce()).toBe(1);
    job = await getJob(t.db.kysely, id, clock);
    expect(job.runAt.getTime() - clock.nowMs()).toBe(1_000); // attempt 2: 0.5 · 2001

    clock.advance(1_000);
    expect(await w.runOnce()).toBe(1);
    job = await getJob(t.db.kysely, id, clock);
    expect(job.state).toBe('dead');
    expect(job.attempts).toBe(3);
    expect(job.errors.map((e) => [e.attempt, e.message, e.class])).toEqual([
      [1, 'boom 9/1', 'TypeError'],
      [2, 'boom 9/2', 'TypeError'],
      [3, 'boom 9/3', 'TypeError'],
    ]);
    expect(job.lastError?.message).toBe('boom 9/3');
    expect(job.errors[0]!.stack).toContain('TypeError: boom 9/1');
    clock.advance(3_600_000);
    expect(await w.runOnce()).toBe(0);

    const text = await registry.metrics();
    expect(text).toContain('switchboard_job_attempts_total{name="test.work"} 3');
    expect(text).toContain('switchboard_job_failures_total{name="test.work"} 3');
    expect(text).toContain('switchboard_jobs_dead_total{name="test.work"} 1');
    expect(text).toContain('switchboard_queue_jobs{name="test.work",state="dead"} 1');
    expect(text).toMatch(/switchboard_job_duration_seconds_count\{name="test.work",outcome="dead"\} 1/);
  });

  it('RetryAfterError overrides the backoff', async () => {
    behaviour = (_n, attempt) => {
      if (attempt === 1) throw new RetryAfterError(120_000);
    };
    const w = newWorker({ random: () => 0 }); // the backoff alone would retry at once
    const { id } = await enqueue(t.db.kysely, catalog, 'test.work', { n: 1 });
    expect(await w.runOnce()).toBe(1);
    const job = await getJob(t.db.kysely, id, clock);
    expect(job.runAt.getTime() - clock.nowMs()).toBe(120_000);
    expect(job.lastError?.class).toBe('RetryAfterError');
    clock.advance(119_999);
    expect(await w.runOnce()).toBe(0);
    clock.advance(1);
    expect(await w.runOnce()).toBe(1);
    expect((await getJob(t.db.kysely, id, clock)).state).toBe('completed');
  });

  it("reclaims a dead worker's job after its lease expires, counting the lost attempt", async () => {
    const { id } = await enqueue(t.db.kysely, catalog, 'test.work', { n: 7 });
    // A worker claims the job and dies: nothing ever completes or heartbeats it.
    const claimed = await claimJobs(t.db.kysely, {
      workerId: 'crashed-worker',
      names: ['test.work'],
      now: clock.now(),
      limit: 10,
    });
    expect(claimed.map((j) => String(j.id))).toEqual([id]);

    const survivor = newWorker();
    await survivor.heartbeat();
    expect(await survivor.runOnce()).toBe(0); // still leased
    clock.advance(29_999);
    await survivor.heartbeat();
    expect(await survivor.runOnce()).toBe(0);

    clock.advance(1);
    await survivor.heartbeat(); // the sweep frees expired leases
    expect(await survivor.runOnce()).toBe(1);
    expect(log).toEqual(['7:2']);
    const job = await getJob(t.db.kysely, id, clock);
    expect(job.state).toBe('completed');
    expect(job.attempts).toBe(2);
    expect(job.errors).toHaveLength(1);
    expect(job.errors[0]).toMatchObject({ attempt: 1, class: 'LeaseExpired' });
    expect(job.errors[0]!.message).toContain('crashed-worker');
  });

  it('a job whose last attempt was lost to a dead worker goes dead', async () => {
    const { id } = await enqueue(t.db.kysely, catalog, 'test.work', { n: 1 }, { maxAttempts: 1 });
    await claimJobs(t.db.kysely, { workerId: 'crashed', names: ['test.work'], now: clock.now(), limit: 1 });
    clock.advance(30_000);
    await newWorker().heartbeat();
    expect((await getJob(t.db.kysely, id, clock)).state).toBe('dead');
  });
});

describe('operations', () => {
  it('lists with pagination, retries dead jobs and cancels only unstarted ones', async () => {
    behaviour = () => {
      throw new Error('nope');
    };
    const ids = (
      await enqueueMany(
        t.db.kysely,
        catalog,
        [1, 2, 3].map((n) => ({ name: 'test.work' as const, payload: { n }, opts: { maxAttempts: 1 } })),
      )
    ).map((r) => r.id);
    const w = newWorker();
    expect(await w.drain()).toBe(3);

    const page1 = await listJobs(t.db.kysely, { state: 'dead', limit: 2 }, clock);
    expect(page1.items.map((j) => j.id)).toEqual([ids[2], ids[1]]);
    const page2 = await listJobs(t.db.kysely, { state: 'dead', limit: 2, cursor: page1.nextCursor! }, clock);
    expect(page2.items.map((j) => j.id)).toEqual([ids[0]]);
    expect(page2.nextCursor).toBeNull();

    behaviour = () => {};
    const retried = await retryDeadJob(t.db.kysely, ids[0]!, clock);
    expect(retried).toMatchObject({ state: 'pending', attempts: 0 });
    expect(retried.errors).toHaveLength(1); // history kept
    await expect(retryDeadJob(t.db.kysely, ids[0]!, clock)).rejects.toMatchObject({
      code: 'JOB_NOT_DEAD',
      status: 409,
    });
    expect(await retryAllDead(t.db.kysely, 'test.work', clock)).toEqual({ retried: 2 });
    expect(await w.drain()).toBe(3);
    expect((await getQueueStats(t.db.kysely, clock)).counts).toEqual([
      { name: 'test.work', state: 'completed', count: 3 },
    ]);

    const later = await enqueue(
      t.db.kysely,
      catalog,
      'test.work',
      { n: 4 },
      { runAt: new Date(clock.nowMs() + 60_000) },
    );
    expect((await cancelJob(t.db.kysely, later.id, clock)).state).toBe('cancelled');
    const err = await cancelJob(t.db.kysely, ids[0]!, clock).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ code: 'JOB_NOT_CANCELLABLE', status: 409 });
    await expect(getJob(t.db.kysely, '999999999', clock)).rejects.toMatchObject({ status: 404 });
  });

  it('reports the oldest due pending job per name', async () => {
    await enqueue(t.db.kysely, catalog, 'test.work', { n: 1 }, { runAt: new Date(clock.nowMs() - 90_000) });
    await enqueue(t.db.kysely, catalog, 'test.work', { n: 2 }, { runAt: new Date(clock.nowMs() + 90_000) });
    const stats = await getQueueStats(t.db.kysely, clock);
    expect(stats.oldestPending).toEqual([{ name: 'test.work', ageSeconds: 90 }]);
    expect(stats.counts).toEqual([
      { name: 'test.work', state: 'pending', count: 1 },
      { name: 'test.work', state: 'scheduled', count: 1 },
    ]);
  });

  it('a started worker heartbeats into queue_workers and removes its row on stop', async () => {
    const w = newWorker();
    expect(await workerHeartbeatAge(t.db.kysely, w.id, clock)).toBeNull();
    await w.start();
    expect(w.lastHeartbeatAt()?.getTime()).toBe(clock.nowMs());
    clock.advance(4_000);
    expect(await workerHeartbeatAge(t.db.kysely, w.id, clock)).toBe(4_000);
    await w.heartbeat();
    expect(await workerHeartbeatAge(t.db.kysely, w.id, clock)).toBe(0);
    await w.stop(0);
    expect(await workerHeartbeatAge(t.db.kysely, w.id, clock)).toBeNull();
  });
});
