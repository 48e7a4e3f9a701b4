/**
 * `followEvents` and the bus, below HTTP: the slow-consumer path (buffer dropped, re-read from the database) and
 * lost notifications (rows committed without NOTIFY, found by the bus's safety poll) still yield every event once.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/server/platform/auth/actor.js';
import {
  appendEvent,
  EventBus,
  followEvents,
  type DomainEvent,
} from '../../src/server/platform/events/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

let t: TestDb;
let bus: EventBus;

async function createWorkspace(slug: string): Promise<string> {
  return (
    await t.db.kysely
      .insertInto('workspaces')
      .values({ slug, name: slug })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

beforeAll(async () => {
  t = await createTestDb();
  bus = new EventBus({ db: t.db, logger: silentLogger(), pollIntervalMs: 50 });
  await bus.start();
});
afterAll(async () => {
  await bus.stop();
  await t.close();
});

/** Collects events from a feed until `n` arrived; `pause` runs before each batch is taken (a slow consumer). */
async function collect(
  feed: AsyncGenerator<DomainEvent[]>,
  n: number,
  pause?: () => Promise<void>,
): Promise<number[]> {
  const seqs: number[] = [];
  for await (const batch of feed) {
    seqs.push(...batch.map((e) => e.seq));
    if (seqs.length >= n) break;
    await pause?.();
  }
  return seqs;
}

describe('followEvents', () => {
  it('recovers from an overflowing buffer (slow consumer) by re-reading from the database', async () => {
    const ws = await createWorkspace('feed-slow');
    const controller = new AbortController();
    const feed = followEvents({
      executor: t.db.kysely,
      bus,
      workspaceId: ws,
      after: 0,
      types: null,
      signal: controller.signal,
      maxBuffered: 3,
      batchSize: 4,
    });
    const total = 60;
    let written = 0;
    const writeTen = async () => {
      for (let i = 0; i < 10 && written < total; i++, written++) {
        await appendEvent(t.db.kysely, { workspaceId: ws, type: 'test.slow', actor: systemActor(ws) });
      }
    };
    await writeTen();
    // Each time the consumer takes a batch, 10 more events are written before it asks for the next one: the live
    // buffer (max 3) overflows again and again.
    const seqs = await collect(feed, total, writeTen);
    controller.abort();
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBeGreaterThanOrEqual(total);
  });

  it('delivers events whose notification was lost (bus safety poll), in order and once', async () => {
    const ws = await createWorkspace('feed-lost');
    const controller = new AbortController();
    const feed = followEvents({
      executor: t.db.kysely,
      bus,
      workspaceId: ws,
      after: 0,
      types: null,
      signal: controller.signal,
    });
    const first = appendEvent(t.db.kysely, { workspaceId: ws, type: 'test.lost', actor: systemActor(ws) });
    const received = collect(feed, 4);
    await first;
    // Three more rows committed the way appendEvent does, minus the NOTIFY (as if the LISTEN connection was down).
    for (let i = 0; i < 3; i++) {
      await sql`
        WITH next AS (
          UPDATE workspace_event_seq SET last = last + 1 WHERE workspace_id = ${ws}::uuid RETURNING last
        )
        INSERT INTO events (workspace_id, seq, type, subject, payload, actor, occurred_at)
        SELECT ${ws}::uuid, next.last, 'test.lost', '', '{}'::jsonb, '{"kind":"system"}'::jsonb, now() FROM next
      `.execute(t.db.kysely);
    }
    expect(await received).toEqual([1, 2, 3, 4]);
    controller.abort();
  });

  it('stops and unsubscribes when its signal aborts', async () => {
    const ws = await createWorkspace('feed-abort');
    const controller = new AbortController();
    const feed = followEvents({
      executor: t.db.kysely,
      bus,
      workspaceId: ws,
      after: 0,
      types: null,
      signal: controller.signal,
    });
    const done = collect(feed, 1);
    await new Promise((r) => setTimeout(r, 20));
    const before = bus.listenerCount();
    expect(before).toBeGreaterThan(0);
    controller.abort();
    expect(await done).toEqual([]);
    expect(bus.listenerCount()).toBe(before - 1);
  });
});
