/**
 * Cron: a missed tick fires once after downtime, ticks are exactly-once via cron_state + dedupe keys, and only the
 * advisory-lock leader fires on PostgreSQL (on PGlite the process is trivially the leader).
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { sql } from 'kysely';
import { z } from 'zod';
import { createTestDb, onPostgres, type TestDb } from '../support/test-db.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import {
  createScheduler,
  defineJobs,
  listJobs,
  type CronEntry,
} from '../../src/server/platform/queue/index.js';

let t: TestDb;
let clock: TestClock;
const catalog = defineJobs({ 'test.digest': { payload: z.object({ kind: z.string() }), handler: () => {} } });
const digest: CronEntry = {
  name: 'digest.daily',
  cron: '0 9 * * *',
  timezone: 'Europe/Paris',
  job: 'test.digest',
  payload: { kind: 'daily' },
};

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());
beforeEach(async () => {
  clock = new TestClock('2026-03-10T10:00:00Z');
  await sql`DELETE FROM jobs`.execute(t.db.kysely);
  await sql`DELETE FROM cron_state`.execute(t.db.kysely);
});

const scheduler = () =>
  createScheduler({ db: t.db, catalog, entries: [digest], logger: silentLogger(), clock });
const jobs = async () => (await listJobs(t.db.kysely, { name: 'test.digest' }, clock)).items;

it('a new entry fires nothing retroactively, then fires each tick exactly once', async () => {
  const s = scheduler();
  expect((await s.tick()).fired).toEqual([]);
  clock.set('2026-03-11T07:59:59Z');
  expect((await s.tick()).fired).toEqual([]);
  clock.advance(1_000);
  const r = await s.tick();
  expect(r.fired.map((f) => f.tick)).toEqual(['2026-03-11T08:00:00.000Z']);
  expect((await s.tick()).fired).toEqual([]);
  clock.advance(60_000);
  expect((await s.tick()).fired).toEqual([]);
  expect((await jobs()).map((j) => j.dedupeKey)).toEqual(['cron:digest.daily:2026-03-11T08:00:00.000Z']);
  await s.stop();
});

it('after downtime a missed tick fires once, not once per missed day', async () => {
  await sql`INSERT INTO cron_state (name, last_fired_at) VALUES ('digest.daily', '2026-03-05T08:00:00Z')`.execute(
    t.db.kysely,
  );
  const s = scheduler();
  const r = await s.tick(); // "now" is 2026-03-10T10:00Z: five ticks were missed
  expect(r.fired.map((f) => f.tick)).toEqual(['2026-03-10T08:00:00.000Z']);
  expect((await s.tick()).fired).toEqual([]);
  const js = await jobs();
  expect(js).toHaveLength(1);
  expect(js[0]!.dedupeKey).toBe('cron:digest.daily:2026-03-10T08:00:00.000Z');
  const state = await t.db.kysely.selectFrom('cron_state').selectAll().executeTakeFirstOrThrow();
  expect(state.last_fired_at.toISOString()).toBe('2026-03-10T08:00:00.000Z');
  await s.stop();
});

it('two schedulers never double-fire a tick; on PostgreSQL only the lock holder leads', async () => {
  await sql`INSERT INTO cron_state (name, last_fired_at) VALUES ('digest.daily', '2026-03-09T08:00:00Z')`.execute(
    t.db.kysely,
  );
  const a = scheduler();
  const b = scheduler();
  const [ra, rb] = [await a.tick(), await b.tick()];
  if (onPostgres()) {
    expect(ra.leader).toBe(true);
    expect(rb.leader).toBe(false);
    expect(rb.fired).toEqual([]);
    // Leadership moves when the leader stops.
    await a.stop();
    expect((await b.tick()).leader).toBe(true);
  } else {
    expect(ra.leader && rb.leader).toBe(true);
    await a.stop();
  }
  expect(ra.fired).toHaveLength(1);
  expect(await jobs()).toHaveLength(1);
  await b.stop();
});

it('even with state lost, the dedupe key keeps a tick from firing twice', async () => {
  await sql`INSERT INTO cron_state (name, last_fired_at) VALUES ('digest.daily', '2026-03-09T08:00:00Z')`.execute(
    t.db.kysely,
  );
  const s = scheduler();
  const first = await s.tick();
  await s.stop();
  await sql`UPDATE cron_state SET last_fired_at = '2026-03-09T08:00:00Z'`.execute(t.db.kysely);
  const again = scheduler();
  const second = await again.tick();
  expect(second.fired[0]!.jobId).toBe(first.fired[0]!.jobId);
  expect(await jobs()).toHaveLength(1);
  await again.stop();
});
