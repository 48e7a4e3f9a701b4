/**
 * Consumer lag: `GET /api/v1/events/consumers` (per consumer in the caller's workspace: cursor, head, lag,
 * updatedAt, lastError) and `switchboard events consumers` (every workspace), against the consumers the app really
 * registers plus a probe consumer that fails on demand.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/server/cli/program.js';
import { readConfig, withDatabase, cliLogger } from '../../src/server/cli/context.js';
import { buildModules } from '../../src/server/modules.js';
import { createAudit } from '../../src/server/platform/audit/index.js';
import { systemClock, TestClock } from '../../src/server/platform/clock.js';
import { createEvents, defineEventConsumer, readEventHead } from '../../src/server/platform/events/index.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDb } from '../support/test-db.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

interface LagItem {
  consumer: string;
  workspaceId: string;
  registered: boolean;
  types: string[];
  cursor: number;
  head: number;
  lag: number;
  updatedAt: string | null;
  lastError: string | null;
}

/** Fails on `probe.boom` while `failing` is set; handles every other `probe.*` event. */
let failing = true;
const probe = defineEventConsumer({
  name: 'test.lag_probe',
  types: ['probe.*'],
  handle: async (_tx, event) => {
    if (failing && event.type === 'probe.boom') throw new Error(`probe refused seq ${event.seq}`);
  },
});

describe('GET /api/v1/events/consumers', () => {
  let t: TestApp;
  let ws: SeededWorkspace;
  let other: SeededWorkspace;
  const clock = new TestClock('2026-04-01T10:00:00.000Z');

  beforeAll(async () => {
    t = await createTestApp({ clock, before: (sb) => sb.events.consumers.register(probe) });
    ws = await seedWorkspace(t.db, clock, 'lag');
    other = await seedWorkspace(t.db, clock, 'lag-other');
  });
  afterAll(() => t?.close());

  const get = async (who: SeededWorkspace = ws) => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/events/consumers',
      headers: { authorization: `Bearer ${who.tokens.viewer}` },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { items: LagItem[]; totalLag: number };
  };
  const append = async (type: string, who: SeededWorkspace = ws) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/events',
      headers: { authorization: `Bearer ${who.tokens.editor}` },
      payload: { type },
    });
    expect(res.statusCode, res.body).toBe(201);
  };
  const itemOf = (body: { items: LagItem[] }, name: string) => {
    const item = body.items.find((i) => i.consumer === name);
    if (!item) throw new Error(`no consumer ${name}`);
    return item;
  };

  it('lists every registered consumer of the workspace, at cursor 0 before it ever ran', async () => {
    const registered = t.sb.events.consumers.list().map((c) => c.name);
    expect(registered).toContain('test.lag_probe');
    const body = await get();
    expect(body.items.map((i) => i.consumer).sort()).toEqual([...registered].sort());
    for (const item of body.items) {
      expect(item).toMatchObject({ workspaceId: ws.workspaceId, registered: true, cursor: 0 });
      expect(item.lag).toBe(item.head);
    }
    expect(itemOf(body, 'test.lag_probe')).toMatchObject({
      types: ['probe.*'],
      updatedAt: null,
      lastError: null,
    });
  });

  it('lag grows with appends and falls to 0 once the consumers ran; updatedAt is when the cursor moved', async () => {
    const before = await get();
    await append('probe.ok');
    await append('probe.ok');
    const head = await readEventHead(t.db.kysely, ws.workspaceId);
    const behind = await get();
    for (const item of behind.items) {
      expect(item.head).toBe(head);
      expect(item.lag).toBe(itemOf(before, item.consumer).lag + 2);
    }
    expect(behind.totalLag).toBe(behind.items.reduce((s, i) => s + i.lag, 0));

    clock.advance(5_000);
    await t.sb.events.runner.drain();
    const caughtUp = await get();
    for (const item of caughtUp.items) {
      expect(item).toMatchObject({ cursor: head, head, lag: 0, lastError: null });
    }
    expect(itemOf(caughtUp, 'test.lag_probe').updatedAt).toBe(clock.now().toISOString());
    expect(caughtUp.totalLag).toBe(0);
  });

  it('a failing consumer stays behind with its last error while the others catch up', async () => {
    await append('probe.boom');
    await append('probe.ok');
    await expect(t.sb.events.runner.drain()).rejects.toThrow(/probe refused/);
    const head = await readEventHead(t.db.kysely, ws.workspaceId);
    const body = await get();
    const stuck = itemOf(body, 'test.lag_probe');
    expect(stuck.lag).toBe(2);
    expect(stuck.cursor).toBe(head - 2);
    expect(stuck.lastError).toContain('probe refused');
    for (const item of body.items.filter((i) => i.consumer !== 'test.lag_probe')) {
      expect(item.lag, item.consumer).toBe(0);
    }
    expect(body.totalLag).toBe(2);

    failing = false;
    await t.sb.events.runner.drain();
    expect(itemOf(await get(), 'test.lag_probe')).toMatchObject({ lag: 0, lastError: null, cursor: head });
  });

  it('shows only the caller’s workspace; a cursor of a consumer no longer registered is flagged', async () => {
    await append('probe.ok', other);
    await sql`INSERT INTO event_consumer_cursors (consumer, workspace_id, last_seq, updated_at, last_error)
      VALUES ('old.removed', ${other.workspaceId}::uuid, 1, now(), 'gone')`.execute(t.db.kysely);
    const mine = await get();
    expect(new Set(mine.items.map((i) => i.workspaceId))).toEqual(new Set([ws.workspaceId]));
    expect(mine.items.some((i) => i.consumer === 'old.removed')).toBe(false);

    const theirs = await get(other);
    expect(new Set(theirs.items.map((i) => i.workspaceId))).toEqual(new Set([other.workspaceId]));
    const removed = itemOf(theirs, 'old.removed');
    expect(removed).toMatchObject({ registered: false, types: [], cursor: 1, lastError: 'gone' });
    // Not part of the total: nothing will ever move it.
    expect(theirs.totalLag).toBe(theirs.items.filter((i) => i.registered).reduce((s, i) => s + i.lag, 0));
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(JSON.stringify(doc.paths['/api/v1/events/consumers']?.get.responses['200'])).toContain(
      'lastError',
    );
  });

  it('needs a token', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/events/consumers' });
    expect(res.statusCode).toBe(401);
  });
});

describe('switchboard events consumers', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-events-cli-'));
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
  };
  let closePg: (() => Promise<void>) | null = null;
  const ctx = (out: string[], err: string[]) => ({
    io: { out: (s: string) => out.push(s), err: (s: string) => err.push(s) },
    env,
    cwd: dataDir,
  });
  async function run(...argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, ctx(out, err));
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  /** What a worker would do: run the consumers this build registers up to the head. */
  async function drainConsumers() {
    const config = readConfig(ctx([], []));
    await withDatabase(config, async (db) => {
      const metrics = createMetricsRegistry({ defaultMetrics: false });
      const logger = cliLogger(config);
      const events = createEvents({ db, clock: systemClock, logger, metrics });
      buildModules({
        config,
        db,
        clock: systemClock,
        logger,
        metrics,
        events,
        audit: createAudit({ db, clock: systemClock }),
      });
      await events.runner.drain();
    });
  }

  beforeAll(async () => {
    const pg = await createTestDb();
    if (pg.url) {
      env.DATABASE_URL = pg.url;
      closePg = () => pg.close();
    } else await pg.close();
    for (const slug of ['cli-a', 'cli-b']) {
      const r = await run('workspace', 'create', '--slug', slug);
      expect(r.code, r.err).toBe(0);
    }
    const user = ['user', 'create', '--email', 'ed@cli.test', '--workspace', 'cli-a', '--role', 'editor'];
    expect((await run(...user, '--password', 'a long enough password')).code).toBe(0);
  });
  afterAll(async () => {
    await closePg?.();
  });

  it('reports every registered consumer per workspace; --workspace, --behind and --json', async () => {
    const created = await run(
      'content',
      'create',
      '--workspace',
      'cli-a',
      '--as',
      'ed@cli.test',
      '--type',
      'blog_post',
      '--title',
      'Lag',
      '--slug',
      'lag',
      '--body',
      'Body',
    );
    expect(created.code, created.err).toBe(0);

    const all = await run('events', 'consumers', '--json');
    expect(all.code, all.err).toBe(0);
    const rows = JSON.parse(all.out) as (LagItem & { workspace: string })[];
    const consumers = [...new Set(rows.map((r) => r.consumer))];
    expect(consumers.length).toBeGreaterThan(0);
    // Every consumer in both workspaces, and nothing has run yet.
    expect(rows).toHaveLength(consumers.length * 2);
    const a = rows.filter((r) => r.workspace === 'cli-a');
    expect(a.every((r) => r.cursor === 0 && r.head > 0 && r.lag === r.head)).toBe(true);

    const onlyA = JSON.parse((await run('events', 'consumers', '--workspace', 'cli-a', '--json')).out);
    expect(onlyA.map((r: LagItem) => r.workspaceId)).toEqual(a.map((r) => r.workspaceId));

    const table = await run('events', 'consumers', '--workspace', 'cli-a');
    expect(table.out).toMatch(/^CONSUMER\s+WORKSPACE\s+CURSOR\s+HEAD\s+LAG/);
    expect(table.out).toContain('cli-a');

    await drainConsumers();
    const behind = await run('events', 'consumers', '--behind', '--json');
    expect(behind.code).toBe(0);
    expect(JSON.parse(behind.out)).toEqual([]);
  });

  it('--fail-on-error exits 1 when a consumer has a last error; an unknown workspace is an error', async () => {
    expect((await run('events', 'consumers', '--fail-on-error')).code).toBe(0);
    const config = readConfig(ctx([], []));
    await withDatabase(config, async (db) => {
      await sql`UPDATE event_consumer_cursors SET last_error = 'smtp down'
        WHERE consumer = (SELECT min(consumer) FROM event_consumer_cursors)`.execute(db.kysely);
    });
    const failed = await run('events', 'consumers', '--fail-on-error');
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('smtp down');
    const missing = await run('events', 'consumers', '--workspace', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('NOT_FOUND');
  });
});
