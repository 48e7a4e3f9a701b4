/**
 * Events over HTTP: the paged feed, custom events, and the SSE stream's resume contract — disconnect mid-stream,
 * write more, reconnect with Last-Event-ID, and receive exactly the missed events then live ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/server/platform/auth/actor.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { createEvents, type Events } from '../../src/server/platform/events/index.js';
import { createHttpServer, type HttpApp } from '../../src/server/platform/http/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry, type Registry } from '../../src/server/platform/metrics.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

let t: TestDb;
let ws: string;
let events: Events;
let app: HttpApp;
let base: string;
let registry: Registry;

const actor = (role: Actor['role'] = 'editor'): Actor => ({
  kind: 'user',
  userId: null,
  tokenId: null,
  workspaceId: ws,
  role,
  origin: 'api',
});

beforeAll(async () => {
  t = await createTestDb();
  ws = (
    await t.db.kysely
      .insertInto('workspaces')
      .values({ slug: 'sse', name: 'SSE' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  registry = createMetricsRegistry({ defaultMetrics: false });
  events = createEvents({
    db: t.db,
    clock: systemClock,
    logger: silentLogger(),
    metrics: registry,
    heartbeatMs: 200,
  });
  await events.start();
  app = createHttpServer({
    logger: silentLogger(),
    metrics: registry,
    bodyLimitBytes: 1 << 20,
    trustProxy: false,
  });
  // Stand-in for the auth hook: the role comes from a test header.
  app.addHook('onRequest', async (request) => {
    const role = (request.headers['x-test-role'] as Actor['role'] | undefined) ?? 'editor';
    (request as typeof request & { actor: Actor }).actor = actor(role);
  });
  events.registerRoutes(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app.close();
  await events.stop();
  await t.close();
});

const append = (type: string, subject = '') =>
  events.append(t.db.kysely, { workspaceId: ws, type, subject, actor: actor() });

interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** A minimal SSE reader over fetch: frames are parsed as they arrive. */
async function openStream(path: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const res = await fetch(base + path, { headers, signal: controller.signal });
  const frames: SseFrame[] = [];
  let waiters: (() => void)[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let text = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = text.indexOf('\n\n')) >= 0) {
          const block = text.slice(0, end);
          text = text.slice(end + 2);
          const frame: SseFrame = {};
          for (const line of block.split('\n')) {
            const i = line.indexOf(':');
            const field = line.slice(0, i);
            const value = line.slice(i + 1).replace(/^ /, '');
            if (field === '') frame.comment = value;
            else if (field === 'id' || field === 'event' || field === 'data') frame[field] = value;
          }
          frames.push(frame);
          for (const w of waiters) w();
          waiters = [];
        }
      }
    } catch {
      // aborted
    }
  })();
  const eventFrames = () => frames.filter((f) => f.id !== undefined);
  return {
    res,
    frames,
    seqs: () => eventFrames().map((f) => Number(f.id)),
    /** Waits until at least `n` event frames arrived (or fails after 10 s). */
    async waitForEvents(n: number): Promise<SseFrame[]> {
      const deadline = Date.now() + 10_000;
      while (eventFrames().length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${eventFrames().length}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 100);
        });
      }
      return eventFrames();
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const gauge = async () =>
  (await registry.getSingleMetric('switchboard_sse_clients')!.get()).values[0]?.value ?? 0;

describe('GET /api/v1/events/stream', () => {
  it('resumes after a disconnect with Last-Event-ID: the exact missed events, then live ones, no gap, no duplicate', async () => {
    for (let i = 0; i < 3; i++) await append('test.resume', `r:${i}`);
    const first = await openStream('/api/v1/events/stream?after=0');
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await first.waitForEvents(3);
    await append('test.resume');
    await append('test.resume');
    const got = await first.waitForEvents(5);
    expect(first.seqs()).toEqual([1, 2, 3, 4, 5]);
    expect(got[0]!.event).toBe('test.resume');
    expect(JSON.parse(got[0]!.data!)).toMatchObject({
      seq: 1,
      type: 'test.resume',
      subject: 'r:0',
      payload: {},
    });
    expect(await gauge()).toBe(1);

    await first.close();
    await waitFor(async () => (await gauge()) === 0 && events.bus.listenerCount() === 0);

    for (let i = 0; i < 3; i++) await append('test.resume');
    const lastId = first.frames.filter((f) => f.id).at(-1)!.id!;
    const second = await openStream('/api/v1/events/stream', { 'last-event-id': lastId });
    await second.waitForEvents(3);
    await append('test.resume');
    await second.waitForEvents(4);
    expect(second.seqs()).toEqual([6, 7, 8, 9]);
    await second.close();
  });

  it('loses nothing and repeats nothing when events are written while the client connects and backfills', async () => {
    const start = (await fetch(base + '/api/v1/events?limit=500').then((r) => r.json())) as {
      items: { seq: number }[];
    };
    const after = start.items.at(-1)?.seq ?? 0;
    const total = 150;
    const writing = (async () => {
      for (let i = 0; i < total; i++) await append('test.burst');
    })();
    const stream = await openStream(`/api/v1/events/stream?after=${after}`);
    await writing;
    await stream.waitForEvents(total);
    expect(stream.seqs()).toEqual(Array.from({ length: total }, (_, i) => after + 1 + i));
    await stream.close();
  });

  it('starts at the present without a resume point, filters by type prefix and subject, and sends heartbeats', async () => {
    await append('test.before_connect');
    const stream = await openStream('/api/v1/events/stream?types=shop.*,test.wanted&subject=s:1');
    await waitFor(() => stream.frames.some((f) => f.comment === 'connected'));
    await append('shop.order_paid', 's:1');
    await append('shop.order_paid', 's:2');
    await append('test.unwanted', 's:1');
    await append('test.wanted', 's:1');
    await append('shopping.thing', 's:1');
    const frames = await stream.waitForEvents(2);
    await waitFor(() => stream.frames.some((f) => f.comment === 'keep-alive'));
    expect(frames.map((f) => f.event)).toEqual(['shop.order_paid', 'test.wanted']);
    // A filtered client resumes too: only matching events after its last id (shopping.thing came in between).
    const lastId = frames.at(-1)!.id!;
    await stream.close();
    await append('test.wanted', 's:1');
    await append('test.wanted', 's:2');
    const again = await openStream('/api/v1/events/stream?types=shop.*,test.wanted&subject=s:1', {
      'last-event-id': lastId,
    });
    const resumed = await again.waitForEvents(1);
    expect(resumed.map((f) => Number(f.id))).toEqual([Number(lastId) + 2]);
    await again.close();
  });

  it('answers a malformed Last-Event-ID or filter with a 400 before streaming', async () => {
    const bad = await fetch(base + '/api/v1/events/stream', { headers: { 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    expect((await fetch(base + '/api/v1/events/stream?types=%25')).status).toBe(400);
  });
});

describe('GET /api/v1/events and POST /api/v1/events', () => {
  it('pages events by sequence with an opaque cursor', async () => {
    const all: number[] = [];
    let url = '/api/v1/events?limit=4&type=test.resume';
    for (;;) {
      const body = (await fetch(base + url).then((r) => r.json())) as {
        items: { seq: number }[];
        nextCursor: string | null;
      };
      all.push(...body.items.map((i) => i.seq));
      if (!body.nextCursor) break;
      url = `/api/v1/events?limit=4&type=test.resume&cursor=${body.nextCursor}`;
    }
    expect(all).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const after = (await fetch(base + '/api/v1/events?after=7&type=test.resume').then((r) => r.json())) as {
      items: { seq: number }[];
    };
    expect(after.items.map((i) => i.seq)).toEqual([8, 9]);
  });

  it('appends a custom event, which a connected stream receives; refuses reserved types and viewers', async () => {
    const stream = await openStream('/api/v1/events/stream?types=crm.*');
    await waitFor(() => stream.frames.some((f) => f.comment === 'connected'));
    const post = (body: unknown, role = 'editor') =>
      fetch(base + '/api/v1/events', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-test-role': role },
        body: JSON.stringify(body),
      });
    const created = await post({
      type: 'crm.contact_synced',
      subject: 'contact:7',
      payload: { source: 'hubspot' },
    });
    expect(created.status).toBe(201);
    const event = (await created.json()) as { seq: number; type: string };
    const [frame] = await stream.waitForEvents(1);
    expect(JSON.parse(frame!.data!)).toMatchObject({
      seq: event.seq,
      type: 'crm.contact_synced',
      payload: { source: 'hubspot' },
    });
    await stream.close();

    const reserved = await post({ type: 'content.published' });
    expect(reserved.status).toBe(400);
    expect(((await reserved.json()) as { error: { code: string } }).error.code).toBe('EVENT_TYPE_RESERVED');
    expect((await post({ type: 'Not Valid' })).status).toBe(400);
    expect((await post({ type: 'crm.x' }, 'viewer')).status).toBe(403);
  });
});

describe('shutdown', () => {
  it('ends open streams when the server closes, so close() does not hang', async () => {
    const other = createHttpServer({
      logger: silentLogger(),
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      bodyLimitBytes: 1 << 20,
      trustProxy: false,
    });
    other.addHook('onRequest', async (request) => {
      (request as typeof request & { actor: Actor }).actor = actor('viewer');
    });
    const ev = createEvents({
      db: t.db,
      clock: systemClock,
      logger: silentLogger(),
      metrics: createMetricsRegistry({ defaultMetrics: false }),
    });
    await ev.start();
    ev.registerRoutes(other);
    await other.listen({ port: 0, host: '127.0.0.1' });
    const port = (other.server.address() as { port: number }).port;
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    await other.close();
    // The server ended the response: the reader reaches the end instead of waiting forever.
    let end = await reader.read();
    while (!end.done) end = await reader.read();
    expect(end.done).toBe(true);
    await ev.stop();
  });
});
