import { describe, expect, it } from 'vitest';
import { AppError, NotFoundError } from '../errors/index.js';
import { mapError } from './error-mapper.js';

describe('mapError', () => {
  it('maps an AppError to its status, code, message and details', () => {
    const m = mapError(new AppError('CONTENT_VERSION_CONFLICT', 409, 'stale', { current: 3 }), 'req-1');
    expect(m).toMatchObject({
      status: 409,
      unexpected: false,
      body: {
        error: {
          code: 'CONTENT_VERSION_CONFLICT',
          message: 'stale',
          details: { current: 3 },
          request_id: 'req-1',
        },
      },
    });
  });

  it('maps NotFoundError to 404 NOT_FOUND', () => {
    expect(mapError(new NotFoundError('Job', 'abc'), 'r').body.error).toMatchObject({
      code: 'NOT_FOUND',
      message: 'Job abc not found',
    });
  });

  it('turns 429 AppErrors with retryAfterSeconds into a Retry-After header', () => {
    const m = mapError(
      new AppError('LOGIN_RATE_LIMITED', 429, 'slow down', { retryAfterSeconds: 12.2 }),
      'r',
    );
    expect(m.headers).toEqual({ 'retry-after': '13' });
  });

  it('maps body-too-large to 413 and bad JSON to 400, never 500', () => {
    expect(mapError({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413, message: 'x' }, 'r').status).toBe(
      413,
    );
    const bad = mapError({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400, message: 'x' }, 'r');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_JSON');
  });

  it('hides unexpected errors behind INTERNAL with only the request id', () => {
    const m = mapError(new TypeError('secret detail in message'), 'req-9');
    expect(m.status).toBe(500);
    expect(m.unexpected).toBe(true);
    expect(JSON.stringify(m.body)).not.toContain('secret detail');
    expect(m.body.error.request_id).toBe('req-9');
  });

  it('keeps other 4xx errors as 4xx with a code', () => {
    const m = mapError({ statusCode: 405, code: 'FST_ERR_METHOD', message: 'nope' }, 'r');
    expect(m.status).toBe(405);
    expect(m.body.error.code).toBe('FST_ERR_METHOD');
  });
});
