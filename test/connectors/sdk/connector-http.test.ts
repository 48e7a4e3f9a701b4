import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../../src/server/platform/clock.js';
import { silentLogger } from '../../../src/server/platform/logger.js';
import {
  ConnectorError,
  createConnectorHttp,
  createTokenStore,
} from '../../../src/server/connectors/index.js';
import type {
  ConnectorHttpOptions,
  StoredToken,
  TokenPersistence,
  TokenStore,
} from '../../../src/server/connectors/index.js';
import { sendJson, startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';
import { connectorErrorOf } from '../../support/connector-error-of.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

function memoryPersistence(): TokenPersistence & { saved: StoredToken[]; reauth: string[] } {
  const saved: StoredToken[] = [];
  const reauth: string[] = [];
  return {
    saved,
    reauth,
    load: () => Promise.resolve(saved.at(-1) ?? null),
    save: (t) => {
      saved.push(t);
      return Promise.resolve();
    },
    markNeedsReauth: (r) => {
      reauth.push(r);
      return Promise.resolve();
    },
  };
}

function apiKeyStore(key = 'key-123456'): TokenStore {
  return createTokenStore({
    authKind: 'api_key',
    credentials: { accessToken: key },
    persistence: memoryPersistence(),
    clock: systemClock,
  });
}

function makeHttp(over: Partial<ConnectorHttpOptions> = {}) {
  const tokens = apiKeyStore();
  return createConnectorHttp({
    baseUrl: `${server.url}/api/`,
    vendor: 'test',
    connectionId: 'conn-1',
    tokens: () => tokens,
    clock: systemClock,
    logger: silentLogger(),
    // Generous: a loaded CI box once took over 250 ms for the file's first request. The timeout test sets its own.
    timeoutMs: 5_000,
    retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20 },
    ...over,
  });
}

const errorOf = connectorErrorOf;

describe('createConnectorHttp: the wire', () => {
  it('joins the base URL with the path and query, sends JSON with the bearer token, parses JSON', async () => {
    server.handle((req, res) =>
      sendJson(res, 200, { path: req.path, q: req.query.get('a'), body: JSON.parse(req.body) as unknown }),
    );
    const http = makeHttp();
    const res = await http.request<{ path: string; q: string; body: unknown }>({
      method: 'POST',
      path: '/v1/things',
      query: { a: 'x y', skip: undefined },
      json: { name: 'n' },
      operation: 'things.create',
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ path: '/api/v1/things', q: 'x y', body: { name: 'n' } });
    const seen = server.requests[0];
    expect(seen?.headers.authorization).toBe('Bearer key-123456');
    expect(seen?.headers['content-type']).toBe('application/json');
    expect(seen?.query.has('skip')).toBe(false);
  });

  it('sends no Authorization header with auth: false and accepts absolute URLs', async () => {
    server.handle((req, res) => sendJson(res, 200, { path: req.path }));
    const http = makeHttp({ baseUrl: 'http://127.0.0.1:1/unused' });
    const res = await http.request({
      method: 'GET',
      path: `${server.url}/token`,
      auth: false,
      operation: 'token',
    });
    expect(res.body).toEqual({ path: '/token' });
    expect(server.requests[0]?.headers.authorization).toBeUndefined();
  });

  it.each([
    [404, 'not_found'],
    [400, 'invalid_request'],
    [422, 'invalid_request'],
    [403, 'auth_expired'],
  ] as const)('classifies HTTP %i as %s without retrying', async (status, kind) => {
    server.handle((_r, res) => sendJson(res, status, { message: 'no' }));
    const err = await errorOf(makeHttp().request({ method: 'GET', path: '/x', operation: 'x.get' }));
    expect(err.kind).toBe(kind);
    expect(err.httpStatus).toBe(status);
    expect(server.requests).toHaveLength(1);
  });

  it('lets the vendor policy classify first (errors inside HTTP 200)', async () => {
    server.handle((_r, res) => sendJson(res, 200, { success: false, errors: [{ code: '610' }] }));
    const http = makeHttp({
      policy: {
        classify: (res) => {
          const body = res.body as { success?: boolean };
          return body.success === false
            ? new ConnectorError({ kind: 'not_found', message: 'vendor 610', vendorCode: '610' })
            : undefined;
        },
      },
    });
    const err = await errorOf(http.request({ method: 'GET', path: '/x', operation: 'x.get' }));
    expect(err.kind).toBe('not_found');
    expect(err.vendorCode).toBe('610');
  });

  it('rejects an oversized request body before sending anything', async () => {
    const http = makeHttp({ maxRequestBytes: 1024 });
    const err = await errorOf(
      http.request({ method: 'POST', path: '/x', json: { big: 'a'.repeat(2000) }, operation: 'x.create' }),
    );
    expect(err.kind).toBe('invalid_request');
    expect(err.vendorCode).toBe('REQUEST_TOO_LARGE');
    expect(server.requests).toHaveLength(0);
  });

  it('refuses an oversized response: retryable for a GET, unknown_outcome for a create', async () => {
    server.handle((_r, res) => sendJson(res, 200, { big: 'b'.repeat(5000) }));
    const http = makeHttp({ maxResponseBytes: 1000, retry: { maxAttempts: 1 } });
    const get = await errorOf(http.request({ method: 'GET', path: '/x', operation: 'x.get' }));
    expect(get.kind).toBe('retryable');
    expect(get.vendorCode).toBe('RESPONSE_TOO_LARGE');
    const post = await errorOf(http.request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }));
    expect(post.kind).toBe('unknown_outcome');
  });
});

describe('createConnectorHttp: retries and unknown outcomes', () => {
  it('retries an idempotent request on 5xx and succeeds', async () => {
    server.handle((_r, res, n) => (n < 3 ? sendJson(res, 503, {}) : sendJson(res, 200, { n })));
    const res = await makeHttp().request({ method: 'GET', path: '/x', operation: 'x.get' });
    expect(res.body).toEqual({ n: 3 });
    expect(server.requests).toHaveLength(3);
  });

  it('never retries a non-idempotent request', async () => {
    server.handle((_r, res) => sendJson(res, 503, {}));
    const err = await errorOf(
      makeHttp().request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }),
    );
    expect(err.kind).toBe('retryable');
    expect(server.requests).toHaveLength(1);
  });

  it('retries a POST marked idempotent', async () => {
    server.handle((_r, res, n) => (n < 2 ? sendJson(res, 502, {}) : sendJson(res, 201, { id: 'a' })));
    const res = await makeHttp().request({
      method: 'POST',
      path: '/x',
      json: {},
      idempotent: true,
      operation: 'x.upsert',
    });
    expect(res.status).toBe(201);
    expect(server.requests).toHaveLength(2);
  });

  it('maps 429 to rate_limited with Retry-After, and a GET waits it out then succeeds', async () => {
    server.handle((_r, res, n) =>
      n === 1
        ? sendJson(res, 429, { message: 'slow down' }, { 'retry-after': '0' })
        : sendJson(res, 200, { ok: 1 }),
    );
    const res = await makeHttp().request({ method: 'GET', path: '/x', operation: 'x.get' });
    expect(res.body).toEqual({ ok: 1 });
    server.requests.length = 0;
    server.handle((_r, res) => sendJson(res, 429, {}, { 'retry-after': '2' }));
    const err = await errorOf(
      makeHttp().request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }),
    );
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(2000);
  });

  it('a timeout is unknown_outcome for a create and retryable (after retries) for a GET', async () => {
    server.handle(() => undefined); // never answers
    const http = makeHttp({ timeoutMs: 100 });
    const post = await errorOf(http.request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }));
    expect(post.kind).toBe('unknown_outcome');
    expect(server.requests).toHaveLength(1);
    server.requests.length = 0;
    const get = await errorOf(http.request({ method: 'GET', path: '/x', operation: 'x.get' }));
    expect(get.kind).toBe('retryable');
    expect(server.requests).toHaveLength(3);
  });

  it('a response lost after the effect is unknown_outcome for a create', async () => {
    server.handle((_r, res) => {
      res.socket?.destroy();
    });
    const err = await errorOf(
      makeHttp().request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }),
    );
    expect(err.kind).toBe('unknown_outcome');
  });

  it('malformed JSON is retryable for a GET and unknown_outcome for a create', async () => {
    server.handle((_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id": "1", "na');
    });
    const http = makeHttp({ retry: { maxAttempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });
    const get = await errorOf(http.request({ method: 'GET', path: '/x', operation: 'x.get' }));
    expect(get.kind).toBe('retryable');
    expect(get.vendorCode).toBe('MALFORMED_JSON');
    const post = await errorOf(http.request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }));
    expect(post.kind).toBe('unknown_outcome');
  });

  it('connection refused (nothing sent) is retryable even for a create', async () => {
    const dead = await startLocalServer();
    const url = dead.url;
    await dead.close();
    const http = makeHttp({ baseUrl: url, retry: { maxAttempts: 1 } });
    const err = await errorOf(http.request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' }));
    expect(err.kind).toBe('retryable');
    expect(err.vendorCode).toBe('ECONNREFUSED');
  });
});

describe('createConnectorHttp: auth', () => {
  it('on 401 invalidates the token, fetches a fresh one and retries once (even a create)', async () => {
    let issued = 0;
    const persistence = memoryPersistence();
    const tokens = createTokenStore({
      authKind: 'client_credentials',
      credentials: { clientId: 'c' },
      persistence,
      clock: systemClock,
      fetchToken: () => {
        issued += 1;
        return Promise.resolve({ accessToken: `tok-${issued}`, expiresAt: new Date(Date.now() + 3_600_000) });
      },
    });
    server.handle((req, res) =>
      req.headers.authorization === 'Bearer tok-2' ? sendJson(res, 201, { id: 'x' }) : sendJson(res, 401, {}),
    );
    const http = makeHttp({ tokens: () => tokens });
    const res = await http.request({ method: 'POST', path: '/x', json: {}, operation: 'x.create' });
    expect(res.status).toBe(201);
    expect(issued).toBe(2);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(persistence.saved.map((t) => t.accessToken)).toEqual(['tok-1', 'tok-2']);
  });

  it('a second 401 is auth_expired', async () => {
    let issued = 0;
    const tokens = createTokenStore({
      authKind: 'client_credentials',
      credentials: {},
      persistence: memoryPersistence(),
      clock: systemClock,
      fetchToken: () => {
        issued += 1;
        return Promise.resolve({ accessToken: `tok-${issued}`, expiresAt: null });
      },
    });
    server.handle((_r, res) => sendJson(res, 401, {}));
    const err = await errorOf(
      makeHttp({ tokens: () => tokens }).request({ method: 'GET', path: '/x', operation: 'x.get' }),
    );
    expect(err.kind).toBe('auth_expired');
    expect(server.requests).toHaveLength(2);
  });
});

describe('createConnectorHttp: logs', () => {
  it('never logs tokens, secrets in the query, or bodies', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    const logger = pino({ level: 'debug' }, sink);
    server.handle((req, res) =>
      req.path.endsWith('/fail') ? sendJson(res, 400, {}) : sendJson(res, 200, {}),
    );
    const http = makeHttp({ logger, tokens: () => apiKeyStore('supersecret-token-value') });
    await http.request({
      method: 'GET',
      path: '/ok',
      query: { client_secret: 'hunter2-secret', access_token: 'tok-in-query', page: 2 },
      operation: 'x.get',
    });
    await errorOf(
      http.request({
        method: 'POST',
        path: '/fail',
        body: 'refresh_token=rt-secret-1&x=1',
        operation: 'x.create',
      }),
    );
    const all = lines.join('\n');
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(all).toContain('page=2');
    expect(all).toContain('[redacted]');
    for (const secret of ['supersecret-token-value', 'hunter2-secret', 'tok-in-query', 'rt-secret-1']) {
      expect(all).not.toContain(secret);
    }
  });
});
