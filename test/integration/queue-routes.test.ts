/**
 * The job operations routes over a bare HTTP server (authentication is the composition root's hook and is covered
 * by the authz matrix): shapes, cursor pagination, and error mapping for 404 / 409.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import { createHttpServer, type HttpApp } from '../../src/server/platform/http/index.js';
import {
  createWorker,
  defineJobs,
  enqueue,
  registerQueueRoutes,
} from '../../src/server/platform/queue/index.js';

let t: TestDb;
let app: HttpApp;
const clock = new TestClock(Date.now() + 3_600_000);
const catalog = defineJobs({
  'test.fail': {
    payload: z.object({ n: z.number() }),
    retry: { maxAttempts: 1 },
    handler: () => Promise.reject(new Error('vendor down')),
  },
});

beforeAll(async () => {
  t = await createTestDb();
  app = createHttpServer({
    logger: silentLogger(),
    metrics: createMetricsRegistry({ defaultMetrics: false }),
    bodyLimitBytes: 65_536,
    trustProxy: false,
  });
  registerQueueRoutes(app, { db: t.db, clock });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await t.close();
});

it('lists, shows, retries, cancels and reports stats', async () => {
  const ids: string[] = [];
  for (const n of [1, 2, 3]) ids.push((await enqueue(t.db.kysely, catalog, 'test.fail', { n })).id);
  await createWorker({ db: t.db, catalog, clock, logger: silentLogger() }).drain();
  const later = await enqueue(
    t.db.kysely,
    catalog,
    'test.fail',
    { n: 4 },
    { runAt: new Date(clock.nowMs() + 60_000) },
  );

  const stats = await app.inject({ method: 'GET', url: '/api/v1/jobs/stats' });
  expect(stats.statusCode).toBe(200);
  expect(stats.json().counts).toEqual([
    { name: 'test.fail', state: 'dead', count: 3 },
    { name: 'test.fail', state: 'scheduled', count: 1 },
  ]);

  const p1 = await app.inject({ method: 'GET', url: '/api/v1/jobs?state=dead&limit=2' });
  expect(p1.statusCode).toBe(200);
  expect(p1.json().items.map((j: { id: string }) => j.id)).toEqual([ids[2], ids[1]]);
  const p2 = await app.inject({
    method: 'GET',
    url: `/api/v1/jobs?state=dead&limit=2&cursor=${p1.json().nextCursor}`,
  });
  expect(p2.json()).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
  expect((await app.inject({ method: 'GET', url: '/api/v1/jobs?cursor=garbage' })).statusCode).toBe(400);

  const one = await app.inject({ method: 'GET', url: `/api/v1/jobs/${ids[0]}` });
  expect(one.json()).toMatchObject({
    state: 'dead',
    payload: { n: 1 },
    errors: [{ attempt: 1, message: 'vendor down', class: 'Error' }],
  });
  expect((await app.inject({ method: 'GET', url: '/api/v1/jobs/424242' })).statusCode).toBe(404);

  const retried = await app.inject({ method: 'POST', url: `/api/v1/jobs/${ids[0]}/retry` });
  expect(retried.json()).toMatchObject({ state: 'pending', attempts: 0 });
  const again = await app.inject({ method: 'POST', url: `/api/v1/jobs/${ids[0]}/retry` });
  expect(again.statusCode).toBe(409);
  expect(again.json().error.code).toBe('JOB_NOT_DEAD');

  const all = await app.inject({
    method: 'POST',
    url: '/api/v1/jobs/retry-dead',
    payload: { name: 'test.fail' },
  });
  expect(all.json()).toEqual({ retried: 2 });

  expect((await app.inject({ method: 'POST', url: `/api/v1/jobs/${later.id}/cancel` })).json().state).toBe(
    'cancelled',
  );
  const notCancellable = await app.inject({ method: 'POST', url: `/api/v1/jobs/${later.id}/cancel` });
  expect(notCancellable.statusCode).toBe(409);
  expect(notCancellable.json().error.code).toBe('JOB_NOT_CANCELLABLE');
});
