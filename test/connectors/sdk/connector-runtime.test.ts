import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../../../src/server/platform/clock.js';
import { silentLogger } from '../../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../../src/server/platform/metrics.js';
import {
  ConnectorError,
  createConnectorMetrics,
  createConnectorRuntime,
  createRuntimeCache,
  getConnector,
  isConnectorError,
  isUnknownConnectorError,
  listConnectorIds,
} from '../../../src/server/connectors/index.js';
import type {
  BreakerState,
  Connector,
  ConnectionInfo,
  HealthSink,
  StoredToken,
} from '../../../src/server/connectors/index.js';
import { delay, sendJson, startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
beforeEach(() => server.resetStats());

/** A minimal client-credentials connector speaking to the local server. */
const demoConnector: Connector = {
  manifest: {
    id: 'demo',
    displayName: 'Demo',
    authKind: 'client_credentials',
    capabilities: ['testConnection', 'listContacts'],
    configSchema: z.object({}),
    credentialsSchema: z.object({ clientId: z.string(), clientSecret: z.string() }),
    defaultBaseUrl: 'https://api.demo.example',
    rateLimit: { requests: 50, windowMs: 1000, concurrency: 5 },
    docs: [],
  },
  httpPolicy: { classify: () => undefined },
  createClient(ctx) {
    return {
      async testConnection() {
        const res = await ctx.http.request<{ account: string }>({
          method: 'GET',
          path: '/me',
          operation: 'me.get',
        });
        return { ok: true, account: res.body.account };
      },
    };
  },
  async fetchToken({ http, credentials }) {
    const res = await http.request<{ access_token: string }>({
      method: 'POST',
      path: '/token',
      body: new URLSearchParams({
        client_id: String(credentials.clientId),
        client_secret: String(credentials.clientSecret),
      }).toString(),
      auth: false,
      operation: 'token',
    });
    return { accessToken: res.body.access_token, expiresAt: new Date(Date.now() + 3_600_000) };
  },
};

const connection: ConnectionInfo = {
  id: 'conn-demo',
  workspaceId: 'ws',
  baseUrl: '',
  config: {},
  sandbox: true,
};

function runtimeFor(
  opts: {
    health?: HealthSink;
    registry?: ReturnType<typeof createMetricsRegistry>;
    halfOpenAfterMs?: number;
  } = {},
) {
  const saved: StoredToken[] = [];
  const registry = opts.registry ?? createMetricsRegistry({ defaultMetrics: false });
  const runtime = createConnectorRuntime({
    connector: demoConnector,
    connection: { ...connection, baseUrl: server.url },
    credentials: { clientId: 'cid', clientSecret: 'client-secret-xyz' },
    tokenPersistence: {
      load: () => Promise.resolve(null),
      save: (t) => {
        saved.push(t);
        return Promise.resolve();
      },
      markNeedsReauth: () => Promise.resolve(),
    },
    clock: systemClock,
    logger: silentLogger(),
    metrics: createConnectorMetrics(registry),
    ...(opts.health ? { health: opts.health } : {}),
    options: {
      timeoutMs: 200,
      retry: { maxAttempts: 1 },
      breaker: { consecutiveFailures: 3, halfOpenAfterMs: opts.halfOpenAfterMs ?? 150 },
    },
  });
  return { runtime, saved, registry };
}

function demoServer(mode: { failing: boolean }): void {
  server.handle((req, res) => {
    if (req.path === '/token') return sendJson(res, 200, { access_token: 'tok-1' });
    if (req.headers.authorization !== 'Bearer tok-1') return sendJson(res, 401, {});
    if (mode.failing) return sendJson(res, 503, {});
    sendJson(res, 200, { account: 'acme' });
  });
}

describe('createConnectorRuntime', () => {
  it('wires token fetch, the client and health', async () => {
    demoServer({ failing: false });
    const events: string[] = [];
    const { runtime, saved } = runtimeFor({
      health: { success: () => events.push('ok'), failure: (_at, e) => events.push(e.kind) },
    });
    expect(await runtime.client.testConnection()).toEqual({ ok: true, account: 'acme' });
    expect(saved.map((t) => t.accessToken)).toEqual(['tok-1']);
    expect(server.requests.map((r) => r.path)).toEqual(['/token', '/me']);
    expect(events).toEqual(['ok', 'ok']);
    expect(runtime.breakerState()).toBe('closed');
    expect(runtime.budget()).toMatchObject({ windowLimit: 50, concurrency: 5, inFlight: 0 });
    expect(runtime.budget().windowRemaining).toBe(48);
  });

  it('the breaker opens under a failing vendor, stops calling it, then half-opens and closes on recovery', async () => {
    const mode = { failing: true };
    demoServer(mode);
    const { runtime, registry } = runtimeFor();
    for (let i = 0; i < 3; i++) {
      await expect(runtime.client.testConnection()).rejects.toMatchObject({ kind: 'retryable' });
    }
    expect(runtime.breakerState()).toBe('open');
    const before = server.requests.length;
    const err = await runtime.client.testConnection().catch((e: unknown) => e);
    expect(isConnectorError(err) && err.vendorCode).toBe('CIRCUIT_OPEN');
    expect(server.requests.length).toBe(before);
    expect(await registry.getSingleMetricAsString('switchboard_connector_breaker_state')).toContain(
      'switchboard_connector_breaker_state{connection_id="conn-demo",vendor="demo"} 2',
    );

    mode.failing = false;
    await delay(200);
    const seen: BreakerState[] = [];
    // The probe request runs in half-open state.
    server.handle((req, res) => {
      seen.push(runtime.breakerState());
      sendJson(res, 200, { account: 'acme', path: req.path });
    });
    expect(await runtime.client.testConnection()).toMatchObject({ ok: true });
    expect(seen).toEqual(['half_open']);
    expect(runtime.breakerState()).toBe('closed');
    expect(await registry.getSingleMetricAsString('switchboard_connector_breaker_state')).toContain(
      'switchboard_connector_breaker_state{connection_id="conn-demo",vendor="demo"} 0',
    );
  });

  it('records attempt latency by outcome on the registry', async () => {
    demoServer({ failing: false });
    const { runtime, registry } = runtimeFor();
    await runtime.client.testConnection();
    const text = await registry.getSingleMetricAsString('switchboard_connector_request_seconds');
    expect(text).toContain(
      'switchboard_connector_request_seconds_count{vendor="demo",operation="me.get",outcome="success"} 1',
    );
    expect(text).toContain('operation="token",outcome="success"');
    expect(registry.getSingleMetric('switchboard_connector_rate_limit_wait_seconds')).toBeDefined();
    // A second runtime on the same registry reuses the metrics instead of failing to register them twice.
    expect(() => runtimeFor({ registry })).not.toThrow();
  });
});

describe('createRuntimeCache', () => {
  it('keeps one runtime per connection until the credentials version changes', () => {
    const cache = createRuntimeCache();
    let built = 0;
    const make = () => {
      built += 1;
      return runtimeFor().runtime;
    };
    const a = cache.get({ connectionId: 'c1', credentialsVersion: 1 }, make);
    expect(cache.get({ connectionId: 'c1', credentialsVersion: 1 }, make)).toBe(a);
    const b = cache.get({ connectionId: 'c1', credentialsVersion: 2 }, make);
    expect(b).not.toBe(a);
    cache.get({ connectionId: 'c2', credentialsVersion: 1 }, make);
    expect(built).toBe(3);
    expect(cache.size()).toBe(2);
    expect(cache.peek('c1')).toBe(b);
    cache.evict('c1');
    expect(cache.peek('c1')).toBeUndefined();
  });
});

describe('registry', () => {
  it('throws a typed 4xx error for an unknown connector id', () => {
    const err = (() => {
      try {
        getConnector('no-such-vendor');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isUnknownConnectorError(err)).toBe(true);
    expect(err).toMatchObject({ code: 'CONNECTOR_UNKNOWN', status: 400 });
    expect(listConnectorIds()).not.toContain('no-such-vendor');
    for (const id of listConnectorIds()) expect(getConnector(id).manifest.id).toBe(id);
  });

  it('ConnectorError keeps its fields in toJSON', () => {
    const e = new ConnectorError({ kind: 'rate_limited', message: 'm', retryAfterMs: 5 });
    expect(e.toJSON()).toEqual({ kind: 'rate_limited', message: 'm', retryAfterMs: 5 });
  });
});
