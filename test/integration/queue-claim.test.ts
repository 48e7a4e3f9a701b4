/**
 * The claim statement's contract on a real database (PGlite by default, PostgreSQL with TEST_DATABASE_URL): claim
 * order, sub-millisecond `run_at`, and the plan shape the worker's throughput depends on (ADR 0002 "Claim").
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { CompiledQuery, sql } from 'kysely';
import { z } from 'zod';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { defineJobs, enqueueMany } from '../../src/server/platform/queue/index.js';
import { CLAIM_SQL, claimJobs, claimJobsPrepared } from '../../src/server/platform/queue/job-store.js';

let t: TestDb;
const catalog = defineJobs({
  'test.claim': { payload: z.object({ i: z.number().int() }), handler: () => {} },
  'test.other': { payload: z.object({ i: z.number().int() }), handler: () => {} },
});
const future = () => new Date(Date.now() + 3_600_000);

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());
beforeEach(async () => {
  await sql`DELETE FROM jobs`.execute(t.db.kysely);
});

it('claims in priority, run_at, id order, only the names asked for', async () => {
  const ids = await enqueueMany(t.db.kysely, catalog, [
    { name: 'test.claim', payload: { i: 0 } },
    { name: 'test.other', payload: { i: 1 } },
    { name: 'test.claim', payload: { i: 2 }, opts: { priority: 5 } },
    { name: 'test.claim', payload: { i: 3 } },
  ]);
  const claimed = await claimJobsPrepared(t.db, {
    workerId: 'w',
    names: ['test.claim'],
    now: future(),
    limit: 10,
  });
  expect(claimed.map((j) => j.id)).toEqual([ids[2], ids[0], ids[3]].map((r) => Number(r!.id)));
  expect(claimed.every((j) => j.attempts === 1)).toBe(true);
});

it('treats a run_at within the claiming millisecond as due (JS dates have no microseconds)', async () => {
  await enqueueMany(t.db.kysely, catalog, [{ name: 'test.claim', payload: { i: 0 } }]);
  await sql`UPDATE jobs SET run_at = '2030-01-01T00:00:00.000500Z'`.execute(t.db.kysely);
  const args = { workerId: 'w', names: ['test.claim'], limit: 10 };
  expect(await claimJobs(t.db.kysely, { ...args, now: new Date('2029-12-31T23:59:59.999Z') })).toHaveLength(
    0,
  );
  expect(await claimJobs(t.db.kysely, { ...args, now: new Date('2030-01-01T00:00:00.000Z') })).toHaveLength(
    1,
  );
});

it('walks jobs_claim and reaches rows by primary key instead of scanning the backlog', async () => {
  for (let k = 0; k < 4; k++) {
    await enqueueMany(
      t.db.kysely,
      catalog,
      Array.from({ length: 1_000 }, (_, i) => ({
        name: 'test.claim' as const,
        payload: { i: k * 1_000 + i },
      })),
    );
  }
  await sql`ANALYZE jobs`.execute(t.db.kysely);
  const plan = await t.db.kysely.executeQuery(
    CompiledQuery.raw(`EXPLAIN ${CLAIM_SQL}`, ['w', future(), ['test.claim'], 500]),
  );
  const text = plan.rows.map((r) => Object.values(r as Record<string, string>)[0]).join('\n');
  expect(text).toContain('jobs_claim');
  expect(text).toContain('jobs_pkey');
  expect(text).not.toContain('Seq Scan');
  expect(text).not.toContain('Bitmap');
});
