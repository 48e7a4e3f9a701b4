/**
 * A connection's rate limit holds across processes (issue 4, ADR 0010). Two "processes" are two limiters — or two
 * `ConnectionRuntimes` — on two database handles (on PGlite, which has one connection, the limiter cases share it).
 *
 * - limiter cases (both databases): window and concurrency across limiters against the sandbox kit's trackers, a
 *   Retry-After pause, a vendor block and the daily quota recorded by one and honoured by the other, the slots of a
 *   dead holder freed by their lease, a slow request keeping its slots by renewal, resizing, a store failure;
 * - the Marketo sandbox (PostgreSQL only): two runtimes hammer it with a scaled-down limit — zero 606/615 violations
 *   and most of the limit used; the same with in-process limiters violates it (the test can fail);
 * - the per-request overhead, printed (no timed assertion).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConnectorError,
  createRateLimiter,
  createSharedRateLimiter,
  type RateLimiter,
  type RateLimitPolicy,
} from '../../src/server/connectors/index.js';
import { ConcurrencyTracker, RateWindowTracker } from '../../src/server/connectors/sandbox-kit/index.js';
import {
  startMarketoSandbox,
  type MarketoSandbox,
} from '../../src/server/connectors/marketo/sandbox/index.js';
import { createRateLimitStore } from '../../src/server/modules/connections/rate-limit.repo.js';
import { createWorkspace } from '../../src/server/platform/auth/index.js';
import { systemClock } from '../../src/server/platform/clock.js';
import { openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { createTestDb, onPostgres, type TestDb } from '../support/test-db.js';
import { hammer, insertMarketoConnection, openMarketoConnection } from './shared-limit.fixture.js';
import { connectorErrorOf } from '../support/connector-error-of.js';

const pg = onPostgres();
if (!pg) {
  console.warn(
    'connector-shared-limit: the two-runtime Marketo cases are skipped — sharing a budget between processes needs ' +
      'PostgreSQL; set TEST_DATABASE_URL (the limiter cases run on the embedded database too)',
  );
}

let t: TestDb;
/** The second "process": its own pool on PostgreSQL; the same handle on PGlite. */
let other: Db;
let workspaceId = '';

beforeAll(async () => {
  t = await createTestDb();
  other = t.url ? await openDatabase({ url: t.url, poolSize: 5, applicationName: 'second-process' }) : t.db;
  workspaceId = (await createWorkspace(t.db.kysely, { slug: 'shared-limit', name: 'Shared limit' })).id;
}, 60_000);

afterAll(async () => {
  if (other && other !== t?.db) await other.close();
  await t?.close();
});

async function newConnection(name = `c-${randomUUID()}`): Promise<string> {
  const c = await insertMarketoConnection(t.db, {
    workspaceId,
    name,
    baseUrl: 'http://127.0.0.1:9',
    credentials: { clientId: 'x', clientSecret: 'y' },
    rateLimit: { requests: 1, windowMs: 1000 },
  });
  return c.id;
}

function limiterOn(
  db: Db,
  connectionId: string,
  policy: RateLimitPolicy,
  extra: { leaseMs?: number; maxWaitMs?: number } = {},
): RateLimiter {
  return createSharedRateLimiter({
    policy,
    clock: systemClock,
    store: createRateLimitStore(db.kysely, connectionId),
    ...extra,
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const errorOf = connectorErrorOf;

describe('shared rate limiter: two limiters on two database handles', () => {
  it('never start more than the window allows, nor more than the concurrency cap, together', async () => {
    const id = await newConnection();
    const policy = { requests: 8, windowMs: 300, concurrency: 3 };
    const a = limiterOn(t.db, id, policy);
    const b = limiterOn(other, id, policy);
    // The sandbox kit's trackers play the vendor: a hit when the request "arrives", leave when it completes.
    const window = new RateWindowTracker({ limit: policy.requests, windowMs: policy.windowMs });
    const concurrency = new ConcurrencyTracker(policy.concurrency);
    const call = async (limiter: RateLimiter) => {
      const permit = await limiter.acquire();
      window.hit('k');
      concurrency.enter('k');
      await sleep(5 + Math.random() * 25);
      concurrency.leave('k');
      permit.release();
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: 24 }, (_, i) => call(i % 2 === 0 ? a : b)));
    const elapsed = performance.now() - started;
    expect(window.violations()).toBe(0);
    expect(concurrency.violations()).toBe(0);
    expect(concurrency.peak()).toBeLessThanOrEqual(3);
    // 24 requests at 8 per 300 ms need at least two more windows after the first burst.
    expect(elapsed).toBeGreaterThanOrEqual(2 * policy.windowMs);
    expect(a.budget().waitedMs + b.budget().waitedMs).toBeGreaterThan(0);
  }, 30_000);

  it("one process's Retry-After pause holds the other", async () => {
    const id = await newConnection();
    const policy = { requests: 100, windowMs: 1000 };
    const a = limiterOn(t.db, id, policy);
    const b = limiterOn(other, id, policy);
    (await a.acquire()).release();
    a.pause(400);
    await sleep(50); // the pause is written off the request's path
    const started = performance.now();
    (await b.acquire()).release();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
  });

  it("one process's vendor block (daily quota spent) refuses the other without a call", async () => {
    const id = await newConnection();
    const policy = { requests: 100, windowMs: 1000 };
    const a = limiterOn(t.db, id, policy);
    const b = limiterOn(other, id, policy);
    (await a.acquire()).release();
    a.block(
      60_000,
      new ConnectorError({ kind: 'disconnected', message: 'Daily quota reached', vendorCode: '607' }),
    );
    await sleep(50);
    const e = await errorOf(b.acquire());
    expect(e).toMatchObject({ kind: 'disconnected', vendorCode: '607' });
    expect(e.retryAfterMs).toBeGreaterThan(50_000);
  });

  it('counts the daily quota once for every process', async () => {
    const id = await newConnection();
    const policy = { requests: 100, windowMs: 1000, daily: 5 };
    const a = limiterOn(t.db, id, policy);
    const b = limiterOn(other, id, policy);
    for (let i = 0; i < 3; i++) (await a.acquire()).release();
    for (let i = 0; i < 2; i++) (await b.acquire()).release();
    expect(b.budget().dailyRemaining).toBe(0);
    for (const l of [a, b]) {
      const e = await errorOf(l.acquire());
      expect(e).toMatchObject({ kind: 'disconnected', vendorCode: 'DAILY_QUOTA_EXHAUSTED' });
    }
  });

  it('frees the slots of a process that died once their lease ran out', async () => {
    const id = await newConnection();
    const policy = { requests: 10, windowMs: 200, concurrency: 2 };
    const store = createRateLimitStore(t.db.kysely, id);
    await store.ensure(policy);
    // A "process" takes both concurrency slots and dies: nobody releases or renews them.
    const dead = randomUUID();
    for (let i = 0; i < 2; i++) {
      const out = await store.acquire({ holder: dead, day: 0, windowHoldMs: 300 + 220, leaseMs: 300 });
      expect(out?.granted).not.toBeNull();
    }
    const b = limiterOn(other, id, policy);
    const started = performance.now();
    (await b.acquire()).release();
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
  });

  it('a request slower than the lease keeps its slot (renewal)', async () => {
    const id = await newConnection();
    const policy = { requests: 10, windowMs: 100, concurrency: 1 };
    const a = limiterOn(t.db, id, policy, { leaseMs: 150 });
    const b = limiterOn(other, id, policy, { leaseMs: 150 });
    const slow = await a.acquire();
    let releasedAt = 0;
    const releasing = sleep(600).then(() => {
      releasedAt = performance.now();
      slow.release();
    });
    const permit = await b.acquire();
    const grantedAt = performance.now();
    permit.release();
    await releasing;
    expect(releasedAt).toBeGreaterThan(0);
    expect(grantedAt).toBeGreaterThanOrEqual(releasedAt);
  });

  it('resizes the slot rings when the policy changes', async () => {
    const id = await newConnection();
    const store = createRateLimitStore(t.db.kysely, id);
    const count = async () =>
      (
        await sql<{ kind: string; n: number }>`
          SELECT kind, count(*)::int AS n FROM connector_rate_slots WHERE connection_id = ${id}
          GROUP BY kind ORDER BY kind`.execute(t.db.kysely)
      ).rows;
    await store.ensure({ requests: 5, windowMs: 1000, concurrency: 3 });
    expect(await count()).toEqual([
      { kind: 'concurrency', n: 3 },
      { kind: 'window', n: 5 },
    ]);
    await store.ensure({ requests: 2, windowMs: 1000 });
    expect(await count()).toEqual([{ kind: 'window', n: 2 }]);
  });

  it('a database failure is rate_limited (nothing was sent), not a vendor failure', async () => {
    // No such connection: creating its rows violates the foreign key.
    const l = limiterOn(t.db, randomUUID(), { requests: 5, windowMs: 1000 });
    const e = await errorOf(l.acquire());
    expect(e).toMatchObject({ kind: 'rate_limited', vendorCode: 'RATE_LIMITER_UNAVAILABLE' });
    expect(e.retryAfterMs).toBeGreaterThan(0);
  });

  it('prints the per-request overhead against the in-process limiter', async () => {
    const id = await newConnection();
    const policy = { requests: 50, windowMs: 1 };
    const shared = limiterOn(t.db, id, policy);
    const local = createRateLimiter({ policy, clock: systemClock, safetyMarginMs: 0 });
    (await shared.acquire()).release(); // creates the rows
    const measure = async (step: () => Promise<void>, n: number) => {
      const times: number[] = [];
      for (let i = 0; i < n; i++) {
        const s = performance.now();
        await step();
        times.push(performance.now() - s);
        await sleep(1); // the release is written off the request's path
      }
      times.sort((x, y) => x - y);
      const at = (q: number) =>
        (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(3);
      return `p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`;
    };
    const acquireRelease = (l: RateLimiter) => async () => (await l.acquire()).release();
    const n = 300;
    const sharedLine = await measure(acquireRelease(shared), n);
    const localLine = await measure(acquireRelease(local), n);
    // A bare round trip on the same handle: the shared limiter's floor.
    const rttLine = await measure(async () => void (await sql`SELECT 1`.execute(t.db.kysely)), n);
    console.log(
      `rate limiter acquire over ${n} requests on ${t.db.kind}: shared ${sharedLine}; in-process ${localLine}; ` +
        `SELECT 1 round trip ${rttLine}`,
    );
    expect(shared.budget().windowLimit).toBe(50);
  }, 60_000);
});

describe.skipIf(!pg)('two runtimes on one Marketo instance (PostgreSQL; needs TEST_DATABASE_URL)', () => {
  // Marketo's 100 calls / 20 s and 10 concurrent, scaled down so the test takes seconds.
  const rateLimit = { requests: 20, windowMs: 1000, concurrency: 4 };
  const sandboxes: MarketoSandbox[] = [];
  const start = async () => {
    const sb = await startMarketoSandbox({
      rateLimit: { requests: rateLimit.requests, windowMs: rateLimit.windowMs },
      concurrency: rateLimit.concurrency,
      latencyMs: 15,
    });
    sandboxes.push(sb);
    return sb;
  };
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
  });

  async function twoProcesses(sb: MarketoSandbox, shared: boolean) {
    const c = await insertMarketoConnection(t.db, {
      workspaceId,
      name: `marketo-${shared ? 'shared' : 'local'}-${randomUUID()}`,
      baseUrl: sb.url,
      credentials: sb.credentials,
      rateLimit,
    });
    return Promise.all([
      openMarketoConnection(t.db, c.id, { shared, rateLimit }),
      openMarketoConnection(other, c.id, { shared, rateLimit }),
    ]);
  }

  it('together they cause no 606/615 and use most of the budget', async () => {
    const sb = await start();
    const [one, two] = await twoProcesses(sb, true);
    const perProcess = 40;
    const started = performance.now();
    const results = await Promise.all([hammer(one, perProcess), hammer(two, perProcess)]);
    const elapsedMs = performance.now() - started;
    expect(results.flatMap((r) => r.failed)).toEqual([]);
    expect(sb.limitViolations()).toMatchObject({ rate: 0, concurrency: 0 });
    expect(sb.limitViolations().peakConcurrency).toBeLessThanOrEqual(rateLimit.concurrency);
    const calls = sb.log.count('asset.channels.list');
    expect(calls).toBe(2 * perProcess);
    // After the first window's burst, every further window's 20 calls must start within about one window: the
    // whole run takes (80 / 20 − 1) windows at the least; allow 2.5 × the ideal time for a loaded machine.
    const idealMs = (calls / rateLimit.requests - 1) * rateLimit.windowMs;
    console.log(
      `two runtimes: ${calls} calls in ${Math.round(elapsedMs)} ms (ideal ≥ ${idealMs} ms at ` +
        `${rateLimit.requests}/${rateLimit.windowMs} ms), peak concurrency ${sb.limitViolations().peakConcurrency}`,
    );
    expect(elapsedMs).toBeGreaterThanOrEqual(idealMs);
    expect(elapsedMs).toBeLessThan(2.5 * idealMs + 1_000);
  }, 60_000);

  it('control: with in-process limiters the two runtimes exceed the vendor limit', async () => {
    const sb = await start();
    const [one, two] = await twoProcesses(sb, false);
    await Promise.all([hammer(one, 30), hammer(two, 30)]);
    const v = sb.limitViolations();
    expect(v.rate + v.concurrency).toBeGreaterThan(0);
  }, 60_000);
});
