import { afterEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../platform/clock.js';
import type { SandboxServer, SandboxVendor } from './index.js';
import { createSandboxControl, RateWindowTracker, startSandboxServer } from './index.js';

/** A tiny vendor: a counter that POST increments, behind a 3-per-second window. */
function counterVendor(clock: TestClock): SandboxVendor & { value: () => number; expired: () => number } {
  let value = 0;
  let expired = 0;
  const window = new RateWindowTracker({ limit: 3, windowMs: 1000, clock });
  return {
    name: 'counter',
    value: () => value,
    expired: () => expired,
    register(app) {
      app.post('/count', { config: { operation: 'count.increment' } }, async (_req, reply) => {
        if (!window.hit('caller').allowed) return reply.code(429).send({ error: 'slow down' });
        value += 1;
        return reply.code(201).send({ value });
      });
      app.get('/count', { config: { operation: 'count.read' } }, async () => ({ value }));
    },
    sendFault(kind, fault, _req, reply) {
      if (kind === 'rate_limit') {
        return reply
          .code(429)
          .header('retry-after', String(fault.spec.retryAfterSeconds ?? 1))
          .send({ error: 'rate' });
      }
      return reply.code(fault.spec.status ?? 500).send({ error: 'boom' });
    },
    expireTokens() {
      expired += 1;
    },
    violations: () => window.violations(),
  };
}

describe('sandbox kit', () => {
  let sandbox: SandboxServer | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  async function start(): Promise<{
    sb: SandboxServer;
    vendor: ReturnType<typeof counterVendor>;
    clock: TestClock;
  }> {
    const clock = new TestClock();
    const vendor = counterVendor(clock);
    sandbox = await startSandboxServer(vendor, { clock });
    return { sb: sandbox, vendor, clock };
  }

  it('listens on 127.0.0.1 and logs requests per operation', async () => {
    const { sb } = await start();
    expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await fetch(`${sb.url}/count`, { method: 'POST' });
    await fetch(`${sb.url}/count`);
    await fetch(`${sb.url}/count`);
    expect(sb.log.count('count.increment')).toBe(1);
    expect(sb.log.count('count.read')).toBe(2);
    expect(sb.log.count('count.read', { succeeded: true })).toBe(2);
  });

  it('fires a fault only on its operation and only `times` times', async () => {
    const { sb, vendor } = await start();
    sb.faults.inject({ kind: 'server_error', status: 503, times: 2, operation: 'count.increment' });
    expect((await fetch(`${sb.url}/count`)).status).toBe(200);
    expect((await fetch(`${sb.url}/count`, { method: 'POST' })).status).toBe(503);
    expect((await fetch(`${sb.url}/count`, { method: 'POST' })).status).toBe(503);
    expect((await fetch(`${sb.url}/count`, { method: 'POST' })).status).toBe(201);
    expect(vendor.value()).toBe(1);
    expect(sb.log.count('count.increment', { fault: 'server_error' })).toBe(2);
  });

  it('matches faults by route and by operation prefix', async () => {
    const { sb } = await start();
    sb.faults.inject({ kind: 'rate_limit', retryAfterSeconds: 7, route: 'POST /count', times: 1 });
    expect((await fetch(`${sb.url}/count`)).status).toBe(200);
    const limited = await fetch(`${sb.url}/count`, { method: 'POST' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    sb.faults.inject({ kind: 'server_error', operation: 'count.*', times: 1 });
    expect((await fetch(`${sb.url}/count`)).status).toBe(500);
  });

  it('malformed_json performs the effect and returns an unparsable body', async () => {
    const { sb, vendor } = await start();
    sb.faults.inject({ kind: 'malformed_json', times: 1 });
    const res = await fetch(`${sb.url}/count`, { method: 'POST' });
    expect(res.status).toBe(201);
    const text = await res.text();
    expect(() => JSON.parse(text) as unknown).toThrow();
    expect(vendor.value()).toBe(1);
  });

  it('lose_response performs the effect and destroys the socket', async () => {
    const { sb, vendor } = await start();
    sb.faults.inject({ kind: 'lose_response', times: 1, operation: 'count.increment' });
    await expect(fetch(`${sb.url}/count`, { method: 'POST' })).rejects.toThrow();
    expect(vendor.value()).toBe(1);
    expect(sb.log.count('count.increment', { succeeded: true })).toBe(1);
    // The server keeps working afterwards.
    expect((await fetch(`${sb.url}/count`)).status).toBe(200);
  });

  it('hang never answers until the client gives up; close() still completes', async () => {
    const { sb, vendor } = await start();
    sb.faults.inject({ kind: 'hang', times: 1, operation: 'count.increment' });
    const ac = new AbortController();
    const pending = fetch(`${sb.url}/count`, { method: 'POST', signal: ac.signal });
    // Another request proves the server is alive while the first one hangs.
    expect((await fetch(`${sb.url}/count`)).status).toBe(200);
    ac.abort();
    await expect(pending).rejects.toThrow();
    expect(vendor.value()).toBe(0);
  });

  it('expire_tokens fires at injection through the vendor hook', async () => {
    const { sb, vendor } = await start();
    sb.faults.inject({ kind: 'expire_tokens' });
    expect(vendor.expired()).toBe(1);
    expect(sb.faults.list()).toHaveLength(0);
  });

  it('records rate-limit violations', async () => {
    const { sb, clock } = await start();
    for (let i = 0; i < 4; i += 1) await fetch(`${sb.url}/count`, { method: 'POST' });
    expect(sb.violations()).toBe(1);
    clock.advance(1001);
    expect((await fetch(`${sb.url}/count`, { method: 'POST' })).status).toBe(201);
    expect(sb.violations()).toBe(1);
  });

  it('is driven over HTTP through the control endpoints', async () => {
    const { sb } = await start();
    const control = createSandboxControl(sb.url);
    const [armed] = await control.inject({ kind: 'server_error', status: 502 });
    expect(armed?.spec.status).toBe(502);
    expect((await fetch(`${sb.url}/count`)).status).toBe(502);
    const state = await control.state();
    expect(state).toMatchObject({ vendor: 'counter', counters: { 'count.read': 1 } });
    expect(state['faults']).toHaveLength(1);
    await control.clear();
    expect((await fetch(`${sb.url}/count`)).status).toBe(200);
    const bad = await fetch(`${sb.url}/__sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ kind: 'explode' }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'SANDBOX_FAULT_INVALID' });
    // Control requests are not logged.
    expect(sb.log.count()).toBe(2);
  });
});
