/**
 * The events log: per-workspace gap-free sequence in commit order, NOTIFY on commit only, filters, custom events.
 * Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL (where the concurrency test really interleaves).
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/server/platform/auth/actor.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { inTransaction, openDatabase } from '../../src/server/platform/db/index.js';
import {
  appendCustomEvent,
  appendEvent,
  appendEvents,
  createEvents,
  EVENTS_CHANNEL,
  listEvents,
  parseTypeFilter,
  readEventHead,
  ReservedEventTypeError,
  type DomainEvent,
} from '../../src/server/platform/events/index.js';
import { ForbiddenError, ValidationError } from '../../src/server/platform/errors/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import { createTestDb, onPostgres, type TestDb } from '../support/test-db.js';

let t: TestDb;
let wsA: string;
let wsB: string;

const actorIn = (workspaceId: string, role: Actor['role'] = 'editor'): Actor => ({
  kind: 'user',
  userId: null,
  tokenId: null,
  workspaceId,
  role,
  origin: 'api',
});

async function createWorkspace(slug: string): Promise<string> {
  const row = await t.db.kysely
    .insertInto('workspaces')
    .values({ slug, name: slug })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await createTestDb();
  wsA = await createWorkspace('events-a');
  wsB = await createWorkspace('events-b');
});
afterAll(() => t.close());

describe('appendEvent', () => {
  it('numbers events 1, 2, 3 … per workspace and stores type, subject, payload, actor and the clock time', async () => {
    const clock = new TestClock('2026-03-01T10:00:00.000Z');
    const a1 = await appendEvent(
      t.db.kysely,
      {
        workspaceId: wsA,
        type: 'content.created',
        subject: 'content:1',
        payload: { title: 'Hi' },
        actor: actorIn(wsA),
      },
      { clock },
    );
    clock.advance(1000);
    const a2 = await appendEvent(
      t.db.kysely,
      { workspaceId: wsA, type: 'content.published', subject: 'content:1', actor: actorIn(wsA) },
      { clock },
    );
    const b1 = await appendEvent(
      t.db.kysely,
      { workspaceId: wsB, type: 'content.created', payload: [1, 2], actor: actorIn(wsB) },
      { clock },
    );
    expect([a1.seq, a2.seq, b1.seq]).toEqual([1, 2, 1]);
    const stored = await listEvents(t.db.kysely, { workspaceId: wsA, after: 0, limit: 10 });
    expect(stored.map((e) => [e.seq, e.type, e.subject])).toEqual([
      [1, 'content.created', 'content:1'],
      [2, 'content.published', 'content:1'],
    ]);
    expect(stored[0]!.payload).toEqual({ title: 'Hi' });
    expect(stored[0]!.actor).toEqual({ kind: 'user', userId: null, tokenId: null, origin: 'api' });
    expect(stored[1]!.occurredAt.toISOString()).toBe('2026-03-01T10:00:01.000Z');
    // An array payload stays a JSON array (not a Postgres array).
    expect((await listEvents(t.db.kysely, { workspaceId: wsB, after: 0, limit: 10 }))[0]!.payload).toEqual([
      1, 2,
    ]);
    expect(await readEventHead(t.db.kysely, wsA)).toBe(2);
  });

  it('appends a batch of one workspace in order with consecutive numbers and one notification for the last', async () => {
    const ws = await createWorkspace('events-batch');
    const heard: string[] = [];
    const unlisten = await t.db.listen(EVENTS_CHANNEL, (p) => heard.push(p));
    await appendEvent(t.db.kysely, { workspaceId: ws, type: 'content.created', actor: actorIn(ws) });
    const batch = await inTransaction(t.db.kysely, (tx) =>
      appendEvents(tx, ws, [
        { type: 'webhook.received', subject: 'a', payload: { n: 1 }, actor: actorIn(ws) },
        { type: 'contact.updated', payload: [1], actor: actorIn(ws) },
        { type: 'webhook.received', subject: 'c', actor: actorIn(ws) },
      ]),
    );
    expect(batch.map((e) => [e.seq, e.type, e.subject])).toEqual([
      [2, 'webhook.received', 'a'],
      [3, 'contact.updated', ''],
      [4, 'webhook.received', 'c'],
    ]);
    expect(batch[1]!.payload).toEqual([1]);
    expect(await appendEvents(t.db.kysely, ws, [])).toEqual([]);
    await expect(
      appendEvents(t.db.kysely, ws, [{ type: 'Bad Type', actor: actorIn(ws) }]),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(await readEventHead(t.db.kysely, ws)).toBe(4);
    for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    await unlisten();
    expect(heard.map((p) => (JSON.parse(p) as { seq: number }).seq)).toEqual([1, 4]);
  });

  it('rejects malformed types', async () => {
    await expect(
      appendEvent(t.db.kysely, { workspaceId: wsA, type: 'Content Created', actor: actorIn(wsA) }),
    ).rejects.toBeInstanceOf(ValidationError);
    await expect(
      appendEvent(t.db.kysely, { workspaceId: wsA, type: 'nodot', actor: actorIn(wsA) }),
    ).rejects.toBeInstanceOf(ValidationError);
  });

  it('rolls back with the caller: no row, no notification, and the number is reused (no gap)', async () => {
    const heard: string[] = [];
    const unlisten = await t.db.listen(EVENTS_CHANNEL, (p) => heard.push(p));
    const before = await readEventHead(t.db.kysely, wsA);
    await expect(
      inTransaction(t.db.kysely, async (tx) => {
        await appendEvent(tx, { workspaceId: wsA, type: 'content.deleted', actor: actorIn(wsA) });
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    expect(await readEventHead(t.db.kysely, wsA)).toBe(before);
    const next = await appendEvent(t.db.kysely, {
      workspaceId: wsA,
      type: 'content.deleted',
      actor: actorIn(wsA),
    });
    expect(next.seq).toBe(before + 1);
    await waitFor(() => heard.length >= 1);
    await unlisten();
    expect(heard.map((p) => JSON.parse(p))).toEqual([{ workspaceId: wsA, seq: before + 1 }]);
  });

  it('is append-only: UPDATE is refused by the database', async () => {
    await expect(
      sql`UPDATE events SET payload = '{"x":1}'::jsonb WHERE workspace_id = ${wsA}`.execute(t.db.kysely),
    ).rejects.toThrow(/append-only/);
  });

  it('gives commit order == seq order: a reader advancing "after the last seq I saw" never skips an event', async () => {
    const ws = await createWorkspace('events-race');
    const writers = 40;
    const seen: number[] = [];
    let done = false;
    // On PostgreSQL the reader gets its own connection, so it polls while the writers hold the pool.
    const readerDb = t.url ? await openDatabase({ url: t.url, poolSize: 1 }) : t.db;
    const reader = (async () => {
      let after = 0;
      while (!done || after < writers) {
        const rows = await listEvents(readerDb.kysely, { workspaceId: ws, after, limit: 100 });
        for (const r of rows) seen.push(r.seq);
        after = rows.at(-1)?.seq ?? after;
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    // Writers hold their transaction open for a random while after taking a number; the next writer must wait.
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        t.db.kysely.transaction().execute(async (tx) => {
          await appendEvent(tx, {
            workspaceId: ws,
            type: 'test.race',
            subject: String(i),
            actor: actorIn(ws),
          });
          await new Promise((r) => setTimeout(r, Math.random() * 10));
        }),
      ),
    );
    done = true;
    await reader;
    if (readerDb !== t.db) await readerDb.close();
    expect(seen).toEqual(Array.from({ length: writers }, (_, i) => i + 1));
  });
});

describe('listEvents filters', () => {
  let ws: string;
  beforeAll(async () => {
    ws = await createWorkspace('events-filter');
    for (const [type, subject] of [
      ['content.created', 'c:1'],
      ['content.version.created', 'c:1'],
      ['delivery.failed', 'd:1'],
      ['contentx.thing', 'c:1'],
      ['content.published', 'c:2'],
    ] as const) {
      await appendEvent(t.db.kysely, { workspaceId: ws, type, subject, actor: actorIn(ws) });
    }
  });
  const seqs = (events: DomainEvent[]) => events.map((e) => e.seq);

  it('filters by exact type, by prefix (content.* does not match contentx.*), by subject, and by range', async () => {
    const q = { workspaceId: ws, after: 0, limit: 50 };
    expect(seqs(await listEvents(t.db.kysely, { ...q, types: parseTypeFilter('content.*') }))).toEqual([
      1, 2, 5,
    ]);
    expect(
      seqs(
        await listEvents(t.db.kysely, { ...q, types: parseTypeFilter('delivery.failed,content.published') }),
      ),
    ).toEqual([3, 5]);
    expect(seqs(await listEvents(t.db.kysely, { ...q, subject: 'c:1' }))).toEqual([1, 2, 4]);
    expect(
      seqs(await listEvents(t.db.kysely, { ...q, types: parseTypeFilter('content.*'), subject: 'c:1' })),
    ).toEqual([1, 2]);
    expect(seqs(await listEvents(t.db.kysely, { ...q, after: 1, before: 5 }))).toEqual([2, 3, 4]);
    expect(seqs(await listEvents(t.db.kysely, { ...q, after: 0, limit: 2 }))).toEqual([1, 2]);
  });

  it('rejects malformed filters', () => {
    expect(() => parseTypeFilter('content.%')).toThrow(ValidationError);
    expect(() => parseTypeFilter('*')).toThrow(ValidationError);
    expect(parseTypeFilter(' , ')).toBeNull();
  });
});

describe('custom events and metrics', () => {
  it('appends custom events for editors, refuses viewers and reserved prefixes, and counts appends by type', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const events = createEvents({
      db: t.db,
      clock: new TestClock(),
      logger: silentLogger(),
      metrics: registry,
    });
    const e = await appendCustomEvent(
      t.db.kysely,
      actorIn(wsB),
      { type: 'shop.order_paid', subject: 'order:9', payload: { total: 12.5 } },
      events.append,
    );
    expect(e).toMatchObject({
      workspaceId: wsB,
      type: 'shop.order_paid',
      subject: 'order:9',
      payload: { total: 12.5 },
    });
    await expect(
      appendCustomEvent(t.db.kysely, actorIn(wsB, 'viewer'), { type: 'shop.x' }, events.append),
    ).rejects.toBeInstanceOf(ForbiddenError);
    await expect(
      appendCustomEvent(t.db.kysely, actorIn(wsB), { type: 'content.published' }, events.append),
    ).rejects.toBeInstanceOf(ReservedEventTypeError);
    await expect(
      appendCustomEvent(
        t.db.kysely,
        actorIn(wsB),
        { type: 'shop.big', payload: { blob: 'x'.repeat(70_000) } },
        events.append,
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    await events.append(t.db.kysely, { workspaceId: wsB, type: 'content.created', actor: actorIn(wsB) });
    const text = await registry.metrics();
    expect(text).toContain('switchboard_events_appended_total{type="custom"} 1');
    expect(text).toContain('switchboard_events_appended_total{type="content.created"} 1');
  });
});

describe('on PostgreSQL', () => {
  it.runIf(onPostgres())(
    'delivers the NOTIFY to a listener on another connection only after commit',
    async () => {
      const heard: string[] = [];
      const unlisten = await t.db.listen(EVENTS_CHANNEL, (p) => heard.push(p));
      let seq = 0;
      await t.db.kysely.transaction().execute(async (tx) => {
        seq = (await appendEvent(tx, { workspaceId: wsB, type: 'test.notify', actor: actorIn(wsB) })).seq;
        await new Promise((r) => setTimeout(r, 100));
        expect(heard).toEqual([]);
      });
      await waitFor(() => heard.length > 0);
      await unlisten();
      expect(JSON.parse(heard[0]!)).toEqual({ workspaceId: wsB, seq });
    },
  );
});

async function waitFor(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
