/**
 * A started worker under a backlog: every job runs exactly once and ends completed, with claims, the local queue
 * and batched completions all in play. Prints jobs/s for information (no timed assertion; see `npm run bench`).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sql } from 'kysely';
import { z } from 'zod';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, defineJobs, enqueueMany } from '../../src/server/platform/queue/index.js';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(() => t.close());

it('runs a 10,000-job backlog exactly once across two workers', async () => {
  const n = 10_000;
  const runs = new Uint8Array(n);
  let seen = 0;
  let allSeen: () => void = () => {};
  const finished = new Promise<void>((r) => (allSeen = r));
  const catalog = defineJobs({
    'test.noop': {
      payload: z.object({ i: z.number().int() }),
      handler: (p) => {
        runs[p.i]!++;
        if (++seen === n) allSeen();
      },
    },
  });
  for (let k = 0; k < n; k += 1_000) {
    await enqueueMany(
      t.db.kysely,
      catalog,
      Array.from({ length: 1_000 }, (_, i) => ({ name: 'test.noop' as const, payload: { i: k + i } })),
    );
  }
  const workers = [1, 2].map(() =>
    createWorker({ db: t.db, catalog, logger: silentLogger(), concurrency: 10 }),
  );
  const started = performance.now();
  await Promise.all(workers.map((w) => w.start()));
  await finished;
  await Promise.all(workers.map((w) => w.stop(5_000)));
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `[queue] ${t.db.kind}: ${n} no-op jobs in ${seconds.toFixed(2)} s = ${Math.round(n / seconds)} jobs/s (2 workers × concurrency 10)`,
  );

  expect(runs.every((r) => r === 1)).toBe(true);
  const states = await sql<{
    state: string;
    n: number;
  }>`SELECT state, count(*)::int AS n FROM jobs GROUP BY state`.execute(t.db.kysely);
  expect(states.rows).toEqual([{ state: 'completed', n }]);
});
