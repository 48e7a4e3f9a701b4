/**
 * Ordering lanes: jobs sharing an ordering key run one at a time, in enqueue order — with a concurrent worker
 * pool, failures and cancellation in the lane — while keyless jobs run alongside.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { z } from 'zod';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import {
  cancelJob,
  createWorker,
  defineJobs,
  enqueue,
  getJob,
  type Worker,
} from '../../src/server/platform/queue/index.js';

let t: TestDb;
let clock: TestClock;
const started: string[] = [];
const active = new Map<string, number>();
let maxActive = new Map<string, number>();
let failOnce = new Set<string>();

const catalog = defineJobs({
  'test.post': {
    payload: z.object({ destination: z.string().nullable(), seq: z.number().int() }),
    retry: { maxAttempts: 3, baseMs: 0, maxMs: 0 },
    orderingKey: (p) => (p.destination === null ? null : `dest:${p.destination}`),
    handler: async (p) => {
      const lane = p.destination ?? `free-${p.seq}`;
      started.push(`${lane}#${p.seq}`);
      active.set(lane, (active.get(lane) ?? 0) + 1);
      maxActive.set(lane, Math.max(maxActive.get(lane) ?? 0, active.get(lane)!));
      // Yield a few times so other claimed jobs would overlap if the lane allowed it.
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      active.set(lane, active.get(lane)! - 1);
      const k = `${lane}#${p.seq}`;
      if (failOnce.has(k)) {
        failOnce.delete(k);
        throw new Error('transient');
      }
    },
  },
});

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());
beforeEach(async () => {
  clock = new TestClock(Date.now() + 3_600_000);
  started.length = 0;
  active.clear();
  maxActive = new Map();
  failOnce = new Set();
  await sql`DELETE FROM jobs`.execute(t.db.kysely);
});

const workers = (n: number): Worker[] =>
  Array.from({ length: n }, () =>
    createWorker({ db: t.db, catalog, clock, logger: silentLogger(), concurrency: 8, random: () => 0 }),
  );

async function drainAll(ws: Worker[]): Promise<void> {
  for (;;) {
    const ran = await Promise.all(ws.map((w) => w.runOnce()));
    if (ran.every((n) => n === 0)) return;
  }
}

it('runs each lane one job at a time in enqueue order, keyless jobs in parallel', async () => {
  for (let seq = 1; seq <= 6; seq++) {
    await enqueue(t.db.kysely, catalog, 'test.post', { destination: 'a', seq });
    await enqueue(t.db.kysely, catalog, 'test.post', { destination: 'b', seq });
    await enqueue(t.db.kysely, catalog, 'test.post', { destination: null, seq });
  }
  await drainAll(workers(2));
  const order = (lane: string) =>
    started.filter((s) => s.startsWith(`${lane}#`)).map((s) => Number(s.split('#')[1]));
  expect(order('a')).toEqual([1, 2, 3, 4, 5, 6]);
  expect(order('b')).toEqual([1, 2, 3, 4, 5, 6]);
  expect(maxActive.get('a')).toBe(1);
  expect(maxActive.get('b')).toBe(1);
  expect(started.filter((s) => s.startsWith('free-'))).toHaveLength(6);
  const lanes = await t.db.kysely.selectFrom('job_lanes').selectAll().orderBy('key').execute();
  expect(lanes).toEqual([
    { key: 'dest:a', depth: 0 },
    { key: 'dest:b', depth: 0 },
  ]);
});

it('holds the lane while its head retries, and moves on when a job goes dead or is cancelled', async () => {
  failOnce = new Set(['a#1']);
  const j1 = await enqueue(t.db.kysely, catalog, 'test.post', { destination: 'a', seq: 1 });
  const j2 = await enqueue(
    t.db.kysely,
    catalog,
    'test.post',
    { destination: 'a', seq: 2 },
    { maxAttempts: 1 },
  );
  const j3 = await enqueue(t.db.kysely, catalog, 'test.post', { destination: 'a', seq: 3 });
  const j4 = await enqueue(t.db.kysely, catalog, 'test.post', { destination: 'a', seq: 4 });
  expect((await getJob(t.db.kysely, j2.id, clock)).state).toBe('blocked');
  failOnce.add('a#2');

  // Cancelling a blocked job shortens the lane without releasing anything.
  expect((await cancelJob(t.db.kysely, j3.id, clock)).state).toBe('cancelled');
  await drainAll(workers(2));
  expect(started).toEqual(['a#1', 'a#1', 'a#2', 'a#4']);
  expect((await getJob(t.db.kysely, j1.id, clock)).state).toBe('completed');
  expect((await getJob(t.db.kysely, j2.id, clock)).state).toBe('dead');
  expect((await getJob(t.db.kysely, j4.id, clock)).state).toBe('completed');
  expect(maxActive.get('a')).toBe(1);
  const lane = await t.db.kysely
    .selectFrom('job_lanes')
    .selectAll()
    .where('key', '=', 'dest:a')
    .executeTakeFirst();
  expect(lane).toEqual({ key: 'dest:a', depth: 0 });
});

it('cancelling the pending head of a lane promotes the next job', async () => {
  const head = await enqueue(
    t.db.kysely,
    catalog,
    'test.post',
    { destination: 'c', seq: 1 },
    { runAt: new Date(clock.nowMs() + 60_000) },
  );
  const next = await enqueue(t.db.kysely, catalog, 'test.post', { destination: 'c', seq: 2 });
  expect((await getJob(t.db.kysely, next.id, clock)).state).toBe('blocked');
  await cancelJob(t.db.kysely, head.id, clock);
  expect((await getJob(t.db.kysely, next.id, clock)).state).toBe('pending');
  await drainAll(workers(1));
  expect(started).toEqual(['c#2']);
});

it('keeps lane order with started workers racing over the same lanes', async () => {
  const ws = workers(3);
  await Promise.all(ws.map((w) => w.start()));
  const total = 3 * 15;
  for (let seq = 1; seq <= 15; seq++) {
    for (const d of ['x', 'y', 'z'])
      await enqueue(t.db.kysely, catalog, 'test.post', { destination: d, seq });
  }
  // Workers wake on NOTIFY / poll; wait for the work, bounded, without asserting on timing.
  for (let i = 0; i < 400 && started.length < total; i++) await new Promise((r) => setTimeout(r, 25));
  await Promise.all(ws.map((w) => w.stop(1_000)));
  for (const d of ['x', 'y', 'z']) {
    expect(started.filter((s) => s.startsWith(`${d}#`)).map((s) => Number(s.split('#')[1]))).toEqual(
      Array.from({ length: 15 }, (_, i) => i + 1),
    );
    expect(maxActive.get(d)).toBe(1);
  }
});
