/**
 * The one place errors become HTTP responses: `{ error: { code, message, details, request_id } }`.
 * Bad input is always a 4xx with a machine-readable code; anything unexpected is a 500 that reveals only the
 * request id (the stack goes to the log).
 */
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from 'fastify-type-provider-zod';
import { isAppError } from '../errors/index.js';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown; request_id: string };
}

export interface MappedError {
  status: number;
  body: ErrorBody;
  /** True when the error is unexpected and must be logged with its stack. */
  unexpected: boolean;
  headers?: Record<string, string>;
}

/** Fastify's own client errors, by their `code`, mapped to ours. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message?: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'Request body is too large',
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'INVALID_CONTENT_LENGTH' },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: 'INVALID_JSON',
    message: 'Body must not be empty when Content-Type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, code: 'INVALID_JSON', message: 'Body is not valid JSON' },
  FST_ERR_CTP_EMPTY_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  FST_ERR_VALIDATION: { status: 400, code: 'VALIDATION_FAILED' },
  FST_ERR_BAD_URL: { status: 400, code: 'BAD_URL', message: 'Malformed URL' },
  FST_ERR_ASYNC_CONSTRAINT: { status: 400, code: 'BAD_REQUEST' },
};

interface FieldIssue {
  location: string;
  path: string;
  message: string;
}

export function mapError(err: unknown, requestId: string): MappedError {
  if (isAppError(err)) {
    const headers: Record<string, string> = {};
    const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    if (err.status === 429 && typeof retryAfter === 'number')
      headers['retry-after'] = String(Math.ceil(retryAfter));
    return {
      status: err.status,
      body: body(err.code, err.message, requestId, err.details),
      unexpected: err.status >= 500,
      headers,
    };
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const fields: FieldIssue[] = err.validation.map((v) => ({
      location: err.validationContext ?? 'body',
      path: v.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)',
      message: v.message ?? 'is invalid',
    }));
    return {
      status: 400,
      body: body(
        'VALIDATION_FAILED',
        `Invalid request ${err.validationContext ?? 'body'}: ` +
          fields.map((f) => `${f.path} ${f.message}`).join('; '),
        requestId,
        { fields },
      ),
      unexpected: false,
    };
  }
  if (isResponseSerializationError(err)) {
    return { status: 500, body: body('INTERNAL', 'Internal server error', requestId), unexpected: true };
  }
  const e = err as { code?: string; statusCode?: number; message?: string; validation?: unknown };
  const known = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (known) {
    return {
      status: known.status,
      body: body(known.code, known.message ?? e.message ?? known.code, requestId),
      unexpected: false,
    };
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return {
      status: e.statusCode,
      body: body(
        e.code && /^[A-Z_]+$/.test(e.code) ? e.code : 'BAD_REQUEST',
        e.message ?? 'Bad request',
        requestId,
      ),
      unexpected: false,
    };
  }
  return { status: 500, body: body('INTERNAL', 'Internal server error', requestId), unexpected: true };
}

function body(code: string, message: string, requestId: string, details?: unknown): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }), request_id: requestId } };
}
