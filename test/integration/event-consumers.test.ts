/**
 * Durable event consumers: append-time delivery jobs (deduplicated while waiting), seq order, the cursor moving in
 * the handler's transaction (rollback leaves it), and two runs at once (a reclaimed job whose old worker is still
 * going) producing every effect exactly once.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import { createWorkspace, systemActor } from '../../src/server/platform/auth/index.js';
import { inTransaction } from '../../src/server/platform/db/index.js';
import {
  consumeEvents,
  createEvents,
  defineEventConsumer,
  listConsumerLag,
  type DomainEvent,
  type Events,
} from '../../src/server/platform/events/index.js';
import { createWorker } from '../../src/server/platform/queue/index.js';

let t: TestDb;
let clock: TestClock;
let events: Events;
let ws: string;
/** Seqs whose handler should throw (once each). */
const failOn = new Set<number>();
const seen: number[] = [];

const recorder = defineEventConsumer({
  name: 'test.recorder',
  types: ['content.*'],
  batchSize: 3,
  handle: async (tx, event) => {
    seen.push(event.seq);
    // The effect: a row per event. The primary key turns a second delivery into an error the test would see.
    await sql`INSERT INTO consumer_effects (seq, type) VALUES (${event.seq}, ${event.type})`.execute(tx);
    if (failOn.delete(event.seq)) throw new Error(`handler failed on ${event.seq}`);
  },
});

beforeAll(async () => {
  t = await createTestDb();
  clock = new TestClock(Date.now() + 3_600_000);
  await sql`CREATE TABLE consumer_effects (seq bigint PRIMARY KEY, type text NOT NULL)`.execute(t.db.kysely);
  events = createEvents({
    db: t.db,
    clock,
    logger: silentLogger(),
    metrics: createMetricsRegistry({ defaultMetrics: false }),
  });
  events.consumers.register(recorder);
});
afterAll(() => t.close());

beforeEach(async () => {
  ws = (
    await createWorkspace(t.db.kysely, { slug: `ws-${Math.random().toString(36).slice(2, 10)}`, name: 'W' })
  ).id;
  await sql`DELETE FROM jobs`.execute(t.db.kysely);
  await sql`DELETE FROM consumer_effects`.execute(t.db.kysely);
  failOn.clear();
  seen.length = 0;
});

async function append(type: string, n = 1): Promise<DomainEvent[]> {
  const out: DomainEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await inTransaction(t.db.kysely, (tx) =>
        events.append(tx, { workspaceId: ws, type, subject: `s:${i}`, actor: systemActor(ws) }),
      ),
    );
  }
  return out;
}

const consumeOnce = () =>
  consumeEvents({ db: t.db, consumer: recorder, workspaceId: ws, clock, logger: silentLogger() });

async function cursorOf(): Promise<number> {
  const row = (await listConsumerLag(t.db.kysely, 'test.recorder')).find((r) => r.workspaceId === ws);
  return row?.lastSeq ?? 0;
}

async function effects(): Promise<number[]> {
  const r = await sql<{ seq: string }>`SELECT seq FROM consumer_effects ORDER BY seq`.execute(t.db.kysely);
  return r.rows.map((x) => Number(x.seq));
}

async function consumeJobs() {
  return t.db.kysely
    .selectFrom('jobs')
    .select(['id', 'state', 'dedupe_key', 'ordering_key', 'payload'])
    .where('name', '=', 'events.consume')
    .orderBy('id')
    .execute();
}

describe('append-time delivery', () => {
  it('enqueues one delivery job per consumer and workspace for wanted events, deduplicated while it waits', async () => {
    await append('auth.token_created');
    expect(await consumeJobs()).toHaveLength(0);
    await append('content.created', 3);
    const jobs = await consumeJobs();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.payload).toEqual({ consumer: 'test.recorder', workspaceId: ws });
    expect(jobs[0]!.ordering_key).toBe(`events.consume:test.recorder:${ws}`);
  });

  it('rolls the delivery job back with the event', async () => {
    await expect(
      inTransaction(t.db.kysely, async (tx) => {
        await events.append(tx, { workspaceId: ws, type: 'content.created', actor: systemActor(ws) });
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    expect(await consumeJobs()).toHaveLength(0);
  });

  it('runs through a worker: handles in seq order, frees the dedupe key, and a later append gets a new job', async () => {
    const worker = createWorker({
      db: t.db,
      catalog: events.jobs,
      clock,
      logger: silentLogger(),
      random: () => 0,
    });
    const created = await append('content.created', 4);
    await append('other.thing');
    await append('content.updated', 2);
    while ((await worker.runOnce()) > 0);
    expect(seen).toEqual(
      [...created.map((e) => e.seq), created[3]!.seq + 2, created[3]!.seq + 3].sort((a, b) => a - b),
    );
    const head = created[3]!.seq + 3;
    expect(await cursorOf()).toBe(head);
    const [done] = await consumeJobs();
    expect(done!.state).toBe('completed');
    expect(done!.dedupe_key).toBeNull();

    await append('content.published');
    const jobs = await consumeJobs();
    expect(jobs).toHaveLength(2);
    while ((await worker.runOnce()) > 0);
    expect(await cursorOf()).toBe(head + 1);
    expect(await effects()).toEqual(seen);
  });
});

describe('cursor and effects', () => {
  it('moves the cursor past events it does not want, up to the head', async () => {
    await append('content.created', 2);
    const others = await append('other.thing', 5);
    const r = await consumeOnce();
    expect(r).toMatchObject({ handled: 2, caughtUp: true, cursor: others[4]!.seq });
    expect(await cursorOf()).toBe(others[4]!.seq);
    expect(await consumeOnce()).toMatchObject({ handled: 0 });
  });

  it('leaves the cursor and every effect of a failed batch untouched, then handles each event exactly once', async () => {
    const evs = await append('content.created', 7);
    const s = evs.map((e) => e.seq);
    // Batches of 3: [0..2] commits; [3..5] fails on its second event.
    failOn.add(s[4]!);
    await expect(consumeOnce()).rejects.toThrow(`handler failed on ${s[4]}`);
    expect(await cursorOf()).toBe(s[2]);
    expect(await effects()).toEqual(s.slice(0, 3));
    const lag = (await listConsumerLag(t.db.kysely, 'test.recorder')).find((x) => x.workspaceId === ws);
    expect(lag?.lastError).toContain('handler failed');

    const r = await consumeOnce();
    expect(r.handled).toBe(4);
    expect(await effects()).toEqual(s);
    expect(await cursorOf()).toBe(s[6]);
    expect(
      (await listConsumerLag(t.db.kysely, 'test.recorder')).find((x) => x.workspaceId === ws)?.lastError,
    ).toBe(null);
  });

  it('two runs at once (reclaimed job, old worker still going) produce each effect once, in order', async () => {
    const evs = await append('content.created', 20);
    const results = await Promise.all([consumeOnce(), consumeOnce(), consumeOnce()]);
    expect(results.reduce((n, r) => n + r.handled, 0)).toBe(20);
    expect(await effects()).toEqual(evs.map((e) => e.seq));
    // Handler calls happen in seq order across the runs: the cursor lock hands batches over in turn.
    expect(seen).toEqual(evs.map((e) => e.seq));
  });

  it('keeps workspaces apart', async () => {
    const other = (
      await createWorkspace(t.db.kysely, { slug: `o-${Math.random().toString(36).slice(2, 9)}`, name: 'O' })
    ).id;
    await inTransaction(t.db.kysely, (tx) =>
      events.append(tx, { workspaceId: other, type: 'content.created', actor: systemActor(other) }),
    );
    await append('content.created', 2);
    expect((await consumeOnce()).handled).toBe(2);
    const lag = await listConsumerLag(t.db.kysely, 'test.recorder');
    expect(lag.find((r) => r.workspaceId === other)).toMatchObject({ lastSeq: 0, head: 1 });
  });
});

describe('sweep', () => {
  it('enqueues delivery where a consumer is behind (events appended without the hook)', async () => {
    const { appendEvent } = await import('../../src/server/platform/events/index.js');
    await appendEvent(t.db.kysely, { workspaceId: ws, type: 'content.created', actor: systemActor(ws) });
    expect(await consumeJobs()).toHaveLength(0);
    const worker = createWorker({
      db: t.db,
      catalog: events.jobs,
      clock,
      logger: silentLogger(),
      random: () => 0,
    });
    const { enqueue } = await import('../../src/server/platform/queue/index.js');
    await enqueue(t.db.kysely, events.jobs, 'events.sweep', {});
    while ((await worker.runOnce()) > 0);
    expect(await effects()).toHaveLength(1);
  });
});
