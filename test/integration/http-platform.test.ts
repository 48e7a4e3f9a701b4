import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/server/platform/errors/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

describe('HTTP platform', () => {
  let t: TestApp;
  let echoCalls = 0;
  beforeAll(async () => {
    t = await createTestApp({
      env: { SWITCHBOARD_BODY_LIMIT_BYTES: '2048' },
      before: (sb) => {
        const app = sb.http!;
        app.post(
          '/api/v1/test/echo',
          {
            config: { public: true },
            schema: { body: z.object({ name: z.string().min(1), count: z.number().int() }) },
          },
          async (req, reply) => {
            echoCalls++;
            return reply.code(201).send({ call: echoCalls, ...req.body });
          },
        );
        app.get('/api/v1/test/boom', { config: { public: true } }, async () => {
          throw new Error('database password is hunter2');
        });
        app.get('/api/v1/test/conflict', { config: { public: true } }, async () => {
          throw new AppError('THING_CONFLICT', 409, 'It changed', { current: 2 });
        });
        app.get('/api/v1/test/item', { config: { public: true } }, async () => ({ id: 'x', value: 42 }));
      },
    });
  });
  afterAll(() => t.close());

  it('answers unknown routes with a 404 JSON error body', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND', request_id: expect.any(String) } });
  });

  it('lists the offending fields on validation errors (400)', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload: { name: '', count: 'x' },
    });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    const paths = body.error.details.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'count']));
  });

  it('rejects malformed JSON with 400 and an oversized body with 413', async () => {
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_JSON');
    const big = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      payload: { name: 'x'.repeat(5000), count: 1 },
    });
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('hides unexpected errors: 500 with the request id only', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/test/boom',
      headers: { 'x-request-id': 'req-abc' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      error: { code: 'INTERNAL', message: 'Internal server error', request_id: 'req-abc' },
    });
    expect(res.headers['x-request-id']).toBe('req-abc');
    expect(res.body).not.toContain('hunter2');
  });

  it('maps AppErrors with their code, status and details', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/test/conflict' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({
      code: 'THING_CONFLICT',
      message: 'It changed',
      details: { current: 2 },
    });
  });

  it('replays the stored response for the same Idempotency-Key and body, and refuses a different body with 422', async () => {
    const headers = { 'idempotency-key': 'key-1' };
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers,
      payload: { name: 'a', count: 1 },
    });
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers,
      payload: { name: 'a', count: 1 },
    });
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json()).toEqual(first.json());
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers,
      payload: { name: 'b', count: 1 },
    });
    expect(other.statusCode).toBe(422);
    expect(other.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const fresh = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers: { 'idempotency-key': 'key-2' },
      payload: { name: 'a', count: 1 },
    });
    expect(fresh.json().call).toBe(first.json().call + 1);
  });

  it('lets a key be reused after 24 hours', async () => {
    const headers = { 'idempotency-key': 'key-ttl' };
    const first = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers,
      payload: { name: 'a', count: 1 },
    });
    t.clock.advance(25 * 3600 * 1000);
    const later = await t.app.inject({
      method: 'POST',
      url: '/api/v1/test/echo',
      headers,
      payload: { name: 'z', count: 1 },
    });
    expect(later.statusCode).toBe(201);
    expect(later.json().call).toBeGreaterThan(first.json().call);
  });

  it('sends strong ETags on GETs and 304 for a matching If-None-Match', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/test/item' });
    expect(res.headers.etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    const cached = await t.app.inject({
      method: 'GET',
      url: '/api/v1/test/item',
      headers: { 'if-none-match': res.headers.etag as string },
    });
    expect(cached.statusCode).toBe(304);
    expect(cached.body).toBe('');
    const stale = await t.app.inject({
      method: 'GET',
      url: '/api/v1/test/item',
      headers: { 'if-none-match': '"other"' },
    });
    expect(stale.statusCode).toBe(200);
  });

  it('serves OpenAPI 3.1 and a local interactive reference with no CDN', async () => {
    const spec = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(spec.json().openapi).toBe('3.1.0');
    expect(Object.keys(spec.json().paths)).toEqual(expect.arrayContaining(['/health', '/ready']));
    const docs = await t.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger-ui');
    expect(docs.body).not.toMatch(/src="https?:\/\//);
    const asset = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui-bundle.js' });
    expect(asset.statusCode).toBe(200);
  });

  it('reports liveness and readiness', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/health' })).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject({ method: 'GET', url: '/ready' });
    expect(ready.statusCode).toBe(200);
    const checks = ready.json().checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok]);
    expect(checks).toEqual(
      expect.arrayContaining([
        ['database', true],
        ['migrations', true],
      ]),
    );
  });

  it('exposes Prometheus metrics that a real parser accepts, with valid names', async () => {
    await t.app.inject({ method: 'GET', url: '/health' });
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    const families = parsePrometheusTextFormat(res.body);
    const names = families.map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'http_requests_total',
        'http_request_duration_seconds',
        'process_cpu_user_seconds_total',
      ]),
    );
    for (const n of names) expect(n).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    const http = families.find((f) => f.name === 'http_requests_total')!;
    expect(http.metrics.some((m) => m.labels?.route === '/health')).toBe(true);
  });
});
