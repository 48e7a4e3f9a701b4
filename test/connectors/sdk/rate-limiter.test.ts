import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, TestClock } from '../../../src/server/platform/clock.js';
import { silentLogger } from '../../../src/server/platform/logger.js';
import { RateWindowTracker } from '../../../src/server/connectors/sandbox-kit/index.js';
import {
  ConnectorError,
  createConnectorHttp,
  createRateLimiter,
  isConnectorError,
} from '../../../src/server/connectors/index.js';
import type { RateLimitPolicy } from '../../../src/server/connectors/index.js';
import { delay, sendJson, startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';

let server: LocalServer;
let tracker: RateWindowTracker;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function httpWith(policy: RateLimitPolicy, maxWaitMs = 10_000) {
  const waits: number[] = [];
  const limiter = createRateLimiter({
    policy,
    clock: systemClock,
    maxWaitMs,
    onWait: (ms) => waits.push(ms),
  });
  const http = createConnectorHttp({
    baseUrl: server.url,
    vendor: 'test',
    limiter,
    clock: systemClock,
    logger: silentLogger(),
    policy: {
      classify: () => undefined,
      readRateLimit: (h) => {
        const remaining = h.get('x-remaining');
        return remaining === null
          ? undefined
          : { remaining: Number(remaining), resetMs: Number(h.get('x-reset-ms')) };
      },
    },
  });
  return { http, limiter, waits };
}

function get(http: ReturnType<typeof httpWith>['http'], i = 0) {
  return http.request({ method: 'GET', path: `/r/${i}`, auth: false, operation: 'r.get' });
}

describe('rate limiter against a vendor that enforces a rolling window', () => {
  it('a burst 3x the window never violates the limit (waits instead) and records the waits', async () => {
    tracker = new RateWindowTracker({ limit: 10, windowMs: 300 });
    server.handle((_r, res) => {
      const d = tracker.hit('k');
      if (!d.allowed) return sendJson(res, 429, {});
      setTimeout(() => sendJson(res, 200, {}), Math.floor(Math.random() * 15));
    });
    const { http, limiter, waits } = httpWith({ requests: 10, windowMs: 300 });
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => get(http, i)));
    expect(results.every((r) => r.status === 200)).toBe(true);
    expect(tracker.violations()).toBe(0);
    expect(server.requests).toHaveLength(30);
    expect(waits.length).toBeGreaterThanOrEqual(20);
    expect(limiter.budget().waitedMs).toBeGreaterThan(0);
  });

  it('never exceeds the concurrency cap', async () => {
    server.resetStats();
    server.handle((_r, res) => {
      setTimeout(() => sendJson(res, 200, {}), 20);
    });
    const { http } = httpWith({ requests: 1000, windowMs: 1000, concurrency: 3 });
    await Promise.all(Array.from({ length: 15 }, (_, i) => get(http, i)));
    expect(server.peakConcurrency()).toBeLessThanOrEqual(3);
    expect(server.requests).toHaveLength(15);
  });

  it('holds requests while the vendor reports no budget left', async () => {
    server.handle((_r, res, n) =>
      sendJson(res, 200, {}, n === 1 ? { 'x-remaining': '0', 'x-reset-ms': '150' } : {}),
    );
    const { http, limiter } = httpWith({ requests: 100, windowMs: 1000 });
    await get(http);
    expect(limiter.budget().vendorRemaining).toBe(0);
    const t0 = Date.now();
    await get(http);
    expect(server.requests[1]!.at - t0).toBeGreaterThanOrEqual(100);
  });

  it('a 429 pauses every request of the connection for Retry-After', async () => {
    server.handle((_r, res, n) =>
      n === 1 ? sendJson(res, 429, {}, { 'retry-after': '1' }) : sendJson(res, 200, {}),
    );
    const { http, limiter } = httpWith({ requests: 100, windowMs: 1000 });
    const first = await http
      .request({ method: 'POST', path: '/c', json: {}, auth: false, operation: 'c.create' })
      .catch((e: unknown) => e);
    expect(isConnectorError(first) && first.kind).toBe('rate_limited');
    expect(limiter.budget().pausedUntil).toBeInstanceOf(Date);
    // Another request of the same connection waits for the pause instead of hitting the vendor.
    const second = await get(http);
    expect(second.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(server.requests[1]!.at - server.requests[0]!.at).toBeGreaterThanOrEqual(900);
    expect(limiter.budget().waitedMs).toBeGreaterThanOrEqual(900);
  });

  it('a GET answered 429 retries after Retry-After and succeeds', async () => {
    server.handle((_r, res, n) =>
      n === 1 ? sendJson(res, 429, {}, { 'retry-after': '0' }) : sendJson(res, 200, {}),
    );
    const { http } = httpWith({ requests: 100, windowMs: 1000 });
    expect((await get(http)).status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it('a wait longer than maxWaitMs is thrown as rate_limited instead of held', async () => {
    const limiter = createRateLimiter({
      policy: { requests: 1, windowMs: 60_000 },
      clock: systemClock,
      maxWaitMs: 1000,
    });
    (await limiter.acquire()).release();
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(isConnectorError(err) && err.kind).toBe('rate_limited');
    expect((err as ConnectorError).retryAfterMs).toBeGreaterThan(59_000);
  });
});

describe('daily quota', () => {
  it('throws disconnected once exhausted, until the UTC reset', async () => {
    const clock = new TestClock('2026-03-01T22:00:00Z');
    const limiter = createRateLimiter({
      policy: { requests: 100, windowMs: 10, daily: 3, dailyResetUtcHour: 0 },
      clock,
    });
    for (let i = 0; i < 3; i++) (await limiter.acquire()).release();
    expect(limiter.budget().dailyRemaining).toBe(0);
    const err = await limiter.acquire().catch((e: unknown) => e);
    expect(isConnectorError(err) && err.kind).toBe('disconnected');
    expect((err as ConnectorError).retryAfterMs).toBe(2 * 3_600_000);
    clock.advance(2 * 3_600_000);
    const permit = await limiter.acquire();
    permit.release();
    expect(limiter.budget().dailyRemaining).toBe(2);
  });

  it('a vendor-reported quota exhaustion blocks the connection without calling the vendor', async () => {
    server.handle((_r, res) => sendJson(res, 200, { quota: 'exhausted' }));
    const limiter = createRateLimiter({ policy: { requests: 100, windowMs: 1000 }, clock: systemClock });
    const http = createConnectorHttp({
      baseUrl: server.url,
      vendor: 'test',
      limiter,
      clock: systemClock,
      logger: silentLogger(),
      policy: {
        classify: (res) =>
          (res.body as { quota?: string }).quota === 'exhausted'
            ? new ConnectorError({ kind: 'disconnected', message: 'daily quota', retryAfterMs: 60_000 })
            : undefined,
      },
    });
    const a = await http
      .request({ method: 'GET', path: '/a', auth: false, operation: 'a' })
      .catch((e: unknown) => e);
    const b = await http
      .request({ method: 'GET', path: '/b', auth: false, operation: 'b' })
      .catch((e: unknown) => e);
    expect(isConnectorError(a) && a.kind).toBe('disconnected');
    expect(isConnectorError(b) && b.kind).toBe('disconnected');
    expect(server.requests).toHaveLength(1);
    expect(limiter.budget().pausedUntil).toBeInstanceOf(Date);
  });
});

describe('limiter unit behaviour', () => {
  it('a slot counts from when its response completed, so slow responses cannot overrun the window', async () => {
    let t = 0;
    const limiter = createRateLimiter({
      policy: { requests: 2, windowMs: 100 },
      clock: systemClock,
      now: () => t,
      safetyMarginMs: 0,
    });
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    t = 50;
    a.release(); // completed at 50
    t = 120;
    b.release(); // completed at 120
    // At 130 the first slot (completed 50) has not yet left the window (50 + 100 = 150).
    t = 130;
    expect(limiter.budget().windowRemaining).toBe(0);
    t = 151;
    expect(limiter.budget().windowRemaining).toBe(1);
    await delay(0);
  });
});
