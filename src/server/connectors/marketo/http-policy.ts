/**
 * How the shared HTTP layer reads Marketo responses. Marketo reports almost every failure as HTTP 200 with
 * `{ success: false, errors: [{ code, message }] }`; the kind is decided from the documented code, never the message:
 * - 600/601/602 (empty, invalid, expired token) → auth_expired: the SDK refreshes the token once and retries;
 * - 606 (100 calls / 20 s exceeded) → rate_limited after the window; 615 (10 concurrent calls) → rate_limited, short;
 * - 607 (daily quota) → disconnected until the daily reset at 00:00 US Central (`retryAfterMs`);
 * - 603 (access denied), 614/616 (subscription) → disconnected: nothing works until someone fixes the instance;
 * - 502, 604, 608, 611, 713, 719 (gateway, timeout, unavailable, system, transient, lock wait) → retryable: 6xx means
 *   the request was not executed at all;
 * - 610 (resource not found), 702 (no data found), 1013 (object not found) → not_found;
 * - every other 6xx/7xx/1xxx code (missing or invalid parameters, business rules) → invalid_request.
 * HTTP-level errors (413, 414, the identity endpoint's 401) are classified by status.
 */
import { DateTime } from 'luxon';
import { ConnectorError } from '../sdk/connector-error.js';
import type { ConnectorErrorKind } from '../sdk/connector-error.js';
import type { HttpResponse, VendorHttpPolicy } from '../sdk/http-types.js';
import { MARKETO_QUOTA_ZONE } from './manifest.js';

/** A Marketo response envelope (REST and Asset APIs). */
export interface MarketoEnvelope<T = unknown> {
  requestId?: string;
  success?: boolean;
  result?: T[];
  errors?: { code: string; message: string }[];
  warnings?: unknown[];
  nextPageToken?: string;
  moreResult?: boolean;
}

/** Documented response-level codes → kind (see the module comment). */
const CODE_KINDS: Record<string, ConnectorErrorKind> = {
  '502': 'retryable',
  '600': 'auth_expired',
  '601': 'auth_expired',
  '602': 'auth_expired',
  '603': 'disconnected',
  '604': 'retryable',
  '605': 'invalid_request',
  '606': 'rate_limited',
  '607': 'disconnected',
  '608': 'retryable',
  '609': 'invalid_request',
  '610': 'not_found',
  '611': 'retryable',
  '612': 'invalid_request',
  '613': 'invalid_request',
  '614': 'disconnected',
  '615': 'rate_limited',
  '616': 'disconnected',
  '702': 'not_found',
  '713': 'retryable',
  '719': 'retryable',
  '1013': 'not_found',
};

/** How long to back off after 615 (a slot frees as soon as one in-flight call finishes). */
export const CONCURRENCY_RETRY_MS = 1_000;

export interface MarketoPolicyOptions {
  /** The rate window a 606 waits out (Marketo: 20 s). */
  rateWindowMs: number;
}

export function createMarketoHttpPolicy(opts: MarketoPolicyOptions): VendorHttpPolicy {
  return {
    classify(res) {
      const envelope = asEnvelope(res.body);
      if (envelope && envelope.success === false) return classifyEnvelope(envelope, res, opts);
      if (res.status >= 200 && res.status < 300) return undefined;
      return classifyStatus(res);
    },
  };
}

/** Kind of a documented Marketo error code (unknown 6xx/7xx/1xxx codes are invalid requests). */
export function kindOfMarketoCode(code: string): ConnectorErrorKind {
  return CODE_KINDS[code] ?? 'invalid_request';
}

function classifyEnvelope(
  envelope: MarketoEnvelope,
  res: HttpResponse,
  opts: MarketoPolicyOptions,
): ConnectorError {
  const first = envelope.errors?.[0];
  const code = first?.code !== undefined ? String(first.code) : undefined;
  const kind = code ? kindOfMarketoCode(code) : 'invalid_request';
  const retryAfterMs =
    code === '606'
      ? opts.rateWindowMs
      : code === '615'
        ? CONCURRENCY_RETRY_MS
        : code === '607'
          ? msUntilDailyReset(responseTime(res))
          : undefined;
  return new ConnectorError({
    kind,
    message: `Marketo error ${code ?? '(none)'}: ${first?.message ?? 'request failed'}`,
    httpStatus: res.status,
    ...(code !== undefined ? { vendorCode: code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    ...(envelope.requestId ? { correlationId: envelope.requestId } : {}),
  });
}

function classifyStatus(res: HttpResponse): ConnectorError {
  const s = res.status;
  const body = res.body as { error?: unknown } | undefined;
  const vendorCode =
    body && typeof body === 'object' && typeof body.error === 'string' ? body.error : undefined;
  const kind: ConnectorErrorKind =
    s === 401 || s === 403
      ? 'auth_expired'
      : s === 404
        ? 'not_found'
        : s === 429
          ? 'rate_limited'
          : s >= 500
            ? 'retryable'
            : 'invalid_request';
  const retryAfter = Number(res.headers.get('retry-after'));
  return new ConnectorError({
    kind,
    message: `Marketo answered HTTP ${s}`,
    httpStatus: s,
    ...(vendorCode ? { vendorCode } : {}),
    ...(kind === 'rate_limited' && Number.isFinite(retryAfter) && retryAfter >= 0
      ? { retryAfterMs: retryAfter * 1000 }
      : {}),
  });
}

/** Milliseconds from `at` until the next 00:00 in US Central, when Marketo resets the daily quota. */
export function msUntilDailyReset(at: Date): number {
  const now = DateTime.fromJSDate(at, { zone: MARKETO_QUOTA_ZONE });
  const reset = now.startOf('day').plus({ days: 1 });
  return Math.max(1, reset.toMillis() - now.toMillis());
}

function responseTime(res: HttpResponse): Date {
  const header = res.headers.get('date');
  const parsed = header ? new Date(header) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : new Date();
}

export function asEnvelope(body: unknown): MarketoEnvelope | undefined {
  return body !== null && typeof body === 'object' && !Array.isArray(body)
    ? (body as MarketoEnvelope)
    : undefined;
}
