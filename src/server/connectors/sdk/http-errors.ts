/**
 * How the HTTP layer turns what happened on the wire into a `ConnectorError` when the vendor policy has no opinion:
 * status codes for responses, and for transport failures whether the request may have reached the vendor.
 *
 * The unknown-outcome rule: once a non-idempotent request may have been sent (timeout, reset, lost or unreadable
 * response), its effect may have happened, so the error is `unknown_outcome` — never `retryable`. Failures that
 * happen before anything was sent (connection refused, DNS) are `retryable` for every request.
 */
import { ConnectorError } from './connector-error.js';
import type { HttpResponse } from './http-types.js';

/** Transport error codes that guarantee the request never left this process (nothing to reconcile). */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_INVALID_URL',
]);

/** Parses a Retry-After header (delta-seconds or an HTTP date) into milliseconds from `nowMs`. */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Default classification by status code; undefined for 2xx/3xx. */
export function classifyByStatus(res: HttpResponse, nowMs: number): ConnectorError | undefined {
  const { status } = res;
  if (status < 400) return undefined;
  const correlationId =
    res.headers.get('x-request-id') ??
    res.headers.get('x-correlation-id') ??
    res.headers.get('x-hubspot-correlation-id');
  const base = {
    httpStatus: status,
    message: `vendor answered HTTP ${status}`,
    ...(correlationId ? { correlationId } : {}),
  };
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs);
    return new ConnectorError({
      ...base,
      kind: 'rate_limited',
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (status === 401 || status === 403) return new ConnectorError({ ...base, kind: 'auth_expired' });
  if (status === 404 || status === 410) return new ConnectorError({ ...base, kind: 'not_found' });
  if (status === 408) return new ConnectorError({ ...base, kind: 'retryable' });
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), nowMs);
    return new ConnectorError({
      ...base,
      kind: 'retryable',
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  // 400, 409, 413, 415, 422 and the rest of 4xx: the request itself is wrong; retrying will not help.
  return new ConnectorError({ ...base, kind: 'invalid_request' });
}

/** The transport error code of a fetch failure (`ECONNREFUSED`, `UND_ERR_SOCKET`, …), if any. */
export function errorCodeOf(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      cur = errors[0];
      continue;
    }
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export interface TransportFailure {
  error: unknown;
  /** The per-attempt timeout fired. */
  timedOut: boolean;
  idempotent: boolean;
  operation: string;
  timeoutMs: number;
}

/** Classifies a failure where no (complete) response arrived. */
export function classifyTransportFailure(f: TransportFailure): ConnectorError {
  const code = errorCodeOf(f.error);
  if (!f.timedOut && code !== undefined && NOT_SENT_CODES.has(code)) {
    return new ConnectorError({
      kind: 'retryable',
      vendorCode: code,
      message: `${f.operation}: could not reach the vendor (${code}); nothing was sent`,
    });
  }
  const what = f.timedOut
    ? `no response within ${f.timeoutMs} ms`
    : `connection failed after sending (${code ?? 'network error'})`;
  if (f.idempotent) {
    return new ConnectorError({
      kind: 'retryable',
      message: `${f.operation}: ${what}`,
      ...(code ? { vendorCode: code } : f.timedOut ? { vendorCode: 'TIMEOUT' } : {}),
    });
  }
  return new ConnectorError({
    kind: 'unknown_outcome',
    message: `${f.operation}: ${what}; the request may have taken effect`,
    ...(code ? { vendorCode: code } : f.timedOut ? { vendorCode: 'TIMEOUT' } : {}),
  });
}

/** A response arrived but could not be read or parsed: the effect happened if it was a success. */
export function classifyUnreadableResponse(args: {
  idempotent: boolean;
  operation: string;
  status: number;
  reason: string;
  vendorCode: string;
}): ConnectorError {
  return new ConnectorError({
    kind: args.idempotent ? 'retryable' : 'unknown_outcome',
    message: `${args.operation}: ${args.reason}${args.idempotent ? '' : '; the request may have taken effect'}`,
    httpStatus: args.status,
    vendorCode: args.vendorCode,
  });
}
