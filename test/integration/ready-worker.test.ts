import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('/ready on a worker node', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ roles: ['api', 'worker'], env: { SWITCHBOARD_WORKER_HEARTBEAT_MS: '60000' } });
  });
  afterAll(() => t.close());

  const ready = async () => {
    const res = await t.app.inject({ method: 'GET', url: '/ready' });
    const worker = res.json().checks.find((c: { name: string }) => c.name === 'worker');
    return { status: res.statusCode, worker };
  };

  it('is 503 naming the worker check before the worker has started', async () => {
    const r = await ready();
    expect(r.status).toBe(503);
    expect(r.worker).toMatchObject({ ok: false });
  });

  it('is 200 while the heartbeat is fresh, 503 once it is older than twice the interval, 200 again after one', async () => {
    await t.sb.worker!.start();
    expect((await ready()).status).toBe(200);
    t.clock.advance(90_000); // 1.5 × interval: still fresh
    expect((await ready()).status).toBe(200);
    t.clock.advance(40_000); // 2.17 × interval since the last heartbeat: stale
    const stale = await ready();
    expect(stale.status).toBe(503);
    expect(stale.worker.ok).toBe(false);
    expect(stale.worker.detail).toMatch(/heartbeat \d+ ms ago/);
    await t.sb.worker!.heartbeat();
    expect((await ready()).status).toBe(200);
  });
});
