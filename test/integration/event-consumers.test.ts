/**
 * Durable event consumers driven by the runner: nothing but the event is written per append, handlers see their
 * events in seq order, the cursor moves in the handler's transaction (a failing consumer rolls back to its savepoint
 * while the others commit), two runners at once (two worker nodes) produce every effect exactly once, and the
 * runner wakes on appends and catches up by polling.
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
  ConsumerRunner,
  createEvents,
  defineEventConsumer,
  listConsumerLag,
  type DomainEvent,
  type Events,
} from '../../src/server/platform/events/index.js';

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
    await sql`INSERT INTO consumer_effects (workspace_id, seq, type) VALUES (${event.workspaceId}, ${event.seq}, ${event.type})`.execute(
      tx,
    );
    if (failOn.delete(event.seq)) throw new Error(`handler failed on ${event.seq}`);
  },
});

beforeAll(async () => {
  t = await createTestDb();
  clock = new TestClock(Date.now() + 3_600_000);
  await sql`CREATE TABLE consumer_effects (workspace_id uuid, seq bigint, type text NOT NULL, PRIMARY KEY (workspace_id, seq))`.execute(
    t.db.kysely,
  );
  events = createEvents({
    db: t.db,
    clock,
    logger: silentLogger(),
    metrics: createMetricsRegistry({ defaultMetrics: false }),
  });
  events.consumers.register(recorder, others);
});
afterAll(() => t.close());

beforeEach(async () => {
  ws = (
    await createWorkspace(t.db.kysely, { slug: `ws-${Math.random().toString(36).slice(2, 10)}`, name: 'W' })
  ).id;
  // Earlier tests' leftovers first, so a test's drain only meets its own workspace.
  failOn.clear();
  await drain();
  await sql`DELETE FROM jobs`.execute(t.db.kysely);
  await sql`DELETE FROM consumer_effects`.execute(t.db.kysely);
  seen.length = 0;
  othersSeen.length = 0;
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

/** Events of other types, handled by a second consumer in the same pass. */
const othersSeen: number[] = [];
const others = defineEventConsumer({
  name: 'test.others',
  types: ['other.*'],
  handle: async (_tx, event) => {
    othersSeen.push(event.seq);
  },
});

const drain = () => events.runner.drain();

async function cursorOf(): Promise<number> {
  const row = (await listConsumerLag(t.db.kysely, 'test.recorder')).find((r) => r.workspaceId === ws);
  return row?.lastSeq ?? 0;
}

async function effects(): Promise<number[]> {
  const r = await sql<{
    seq: string;
  }>`SELECT seq FROM consumer_effects WHERE workspace_id = ${ws} ORDER BY seq`.execute(t.db.kysely);
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

describe('the runner', () => {
  it('writes nothing but the event on append: no delivery job', async () => {
    await append('content.created', 3);
    expect(await consumeJobs()).toHaveLength(0);
  });

  it('hands each consumer its events in seq order in one pass and moves every cursor to the head', async () => {
    const created = await append('content.created', 4);
    const other = await append('other.thing');
    await append('content.updated', 2);
    const handled = await drain();
    expect(handled).toBe(7);
    const head = created[3]!.seq + 3;
    expect(seen).toEqual([...created.map((e) => e.seq), head - 1, head]);
    expect(othersSeen).toEqual([other[0]!.seq]);
    expect(await cursorOf()).toBe(head);
    expect(await effects()).toEqual(seen);
    expect(await drain()).toBe(0);
  });

  it('moves the cursor past events it does not want, up to the head', async () => {
    await append('content.created', 2);
    const rest = await append('auth.thing', 5);
    expect(await drain()).toBe(2);
    expect(await cursorOf()).toBe(rest[4]!.seq);
  });

  it('rolls a failing consumer back to its savepoint, keeps the others, then handles each event exactly once', async () => {
    const evs = await append('content.created', 7);
    const other = await append('other.thing');
    const s = evs.map((e) => e.seq);
    // Batches of 3 (the smallest batch size): [0..2] commits; [3..5] fails on its second event.
    failOn.add(s[4]!);
    await expect(drain()).rejects.toThrow(`handler failed on ${s[4]}`);
    expect(await cursorOf()).toBe(s[2]);
    expect(await effects()).toEqual(s.slice(0, 3));
    const lag = (await listConsumerLag(t.db.kysely, 'test.recorder')).find((x) => x.workspaceId === ws);
    expect(lag?.lastError).toContain('handler failed');

    expect(await drain()).toBe(5);
    expect(await effects()).toEqual(s);
    expect(othersSeen).toEqual([other[0]!.seq]);
    expect(await cursorOf()).toBe(other[0]!.seq);
    expect(
      (await listConsumerLag(t.db.kysely, 'test.recorder')).find((x) => x.workspaceId === ws)?.lastError,
    ).toBe(null);
  });

  it('two runners at once (two worker nodes) produce each effect once, in order', async () => {
    const evs = await append('content.created', 20);
    const second = new ConsumerRunner({
      db: t.db,
      clock,
      logger: silentLogger(),
      registry: events.consumers,
    });
    const results = await Promise.all([drain(), second.drain(), drain()]);
    expect(results.reduce((n, r) => n + r, 0)).toBe(20);
    expect(await effects()).toEqual(evs.map((e) => e.seq));
    expect(seen).toEqual(evs.map((e) => e.seq));
  });

  it('keeps workspaces apart', async () => {
    const other = (
      await createWorkspace(t.db.kysely, { slug: `o-${Math.random().toString(36).slice(2, 9)}`, name: 'O' })
    ).id;
    await append('content.created', 2);
    await drain();
    await inTransaction(t.db.kysely, (tx) =>
      events.append(tx, { workspaceId: other, type: 'auth.thing', actor: systemActor(other) }),
    );
    const lag = await listConsumerLag(t.db.kysely, 'test.recorder');
    expect(lag.find((r) => r.workspaceId === ws)).toMatchObject({ lastSeq: 2, head: 2 });
    expect(lag.find((r) => r.workspaceId === other)).toMatchObject({ lastSeq: 0, head: 1 });
  });
});

describe('running in a worker', () => {
  async function until(cond: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await cond()).toBe(true);
  }

  it('coalesces appends that arrive while passes run back to back into one pass', async () => {
    const runner = new ConsumerRunner({
      db: t.db,
      clock,
      logger: silentLogger(),
      registry: events.consumers,
      minPassIntervalMs: 1_000,
    });
    runner.start();
    try {
      // After a quiet spell the first append is handled at once…
      const [first] = await append('content.created');
      runner.notify(ws);
      await until(async () => (await effects()).length === 1);
      const passes = runner.passes;
      // …the next ones, inside the interval, wait for one pass that takes them all (fewer than a full batch of 3:
      // a full batch means a backlog, and the next pass then starts at once).
      const started = performance.now();
      const rest = await append('content.updated', 2);
      for (let i = 0; i < 2; i++) runner.notify(ws);
      await until(async () => (await effects()).length === 3);
      expect(runner.passes).toBe(passes + 1);
      expect(performance.now() - started).toBeGreaterThan(500);
      expect(await effects()).toEqual([first!, ...rest].map((e) => e.seq));
    } finally {
      await runner.stop();
    }
  });

  it('waits while a yield source is busy (ingest first), then catches up; stop() does not wait for it', async () => {
    let busy = true;
    let asked = 0;
    const deferred: number[] = [];
    const source = {
      // Busy until the test says otherwise, like ingest first during an inbound burst; gives up when aborted.
      waitWhileBusy: async (signal?: AbortSignal) => {
        asked++;
        const started = performance.now();
        while (busy && !signal?.aborted) await new Promise((r) => setTimeout(r, 10));
        return performance.now() - started;
      },
    };
    const runner = new ConsumerRunner({
      db: t.db,
      clock,
      logger: silentLogger(),
      registry: events.consumers,
      minPassIntervalMs: 0,
      onDeferred: (ms) => deferred.push(ms),
    });
    runner.yieldTo(source);
    runner.start();
    try {
      const appended = await append('content.created', 2);
      runner.notify(ws);
      await until(async () => asked > 0);
      await new Promise((r) => setTimeout(r, 200));
      // Nothing handled while the source is busy: the events wait in the log.
      expect(await effects()).toEqual([]);
      expect(runner.passes).toBe(0);
      busy = false;
      await until(async () => (await effects()).length === 2);
      expect(await effects()).toEqual(appended.map((e) => e.seq));
      expect(deferred.length).toBeGreaterThan(0);
      expect(deferred[0]!).toBeGreaterThanOrEqual(150);
    } finally {
      busy = true;
      await append('content.updated');
      runner.notify(ws);
      await until(async () => asked > 1);
      // Shutdown while a round waits: stop() aborts the wait (the source stays busy; without the abort it never ends).
      await runner.stop();
    }
  });

  it('wakes on appends through the bus, and catches up on start by polling', async () => {
    // Appended while no runner runs: only the start-up poll can find them.
    const before = await append('content.created', 2);
    await events.start({ consumers: true });
    try {
      await until(async () => (await effects()).length === 2);
      const later = await append('content.updated', 3);
      await until(async () => (await effects()).length === 5);
      expect(await effects()).toEqual([...before, ...later].map((e) => e.seq));
    } finally {
      await events.stop();
    }
  });
});
