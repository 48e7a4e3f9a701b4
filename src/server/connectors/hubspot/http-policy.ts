/**
 * How the shared HTTP layer reads HubSpot responses. HubSpot uses HTTP status codes plus a documented `category` in
 * the error body (`{ status: 'error', message, correlationId, category, subCategory?, errors? }`):
 * - 401 (`INVALID_AUTHENTICATION`, `EXPIRED_AUTHENTICATION`) → auth_expired: refresh once, else needs re-auth;
 * - 403 (`MISSING_SCOPES` and other permission errors) → disconnected: someone must fix the app's scopes;
 * - 429 with `policyName: DAILY` → disconnected until the daily reset (midnight; `retryAfterMs`); any other policy
 *   (`TEN_SECONDLY_ROLLING`, `SECONDLY`) → rate_limited after `Retry-After` or the announced interval;
 * - 404 → not_found; 400/409/413/415/422 and other 4xx → invalid_request;
 * - 408, 5xx → retryable;
 * - a 2xx whose JSON body does not parse → retryable with vendorCode `MALFORMED_RESPONSE` (the client turns it into
 *   unknown_outcome for calls that create something).
 * Rate headers (`X-HubSpot-RateLimit-Remaining`, `-Interval-Milliseconds`, `-Daily-Remaining`) feed the limiter.
 */
import { ConnectorError } from '../sdk/connector-error.js';
import type { HttpResponse, VendorHttpPolicy } from '../sdk/http-types.js';

export const MALFORMED_RESPONSE = 'MALFORMED_RESPONSE';
/** Used when a 429 announces neither Retry-After nor an interval. */
const DEFAULT_RATE_WAIT_MS = 10_000;

interface HubSpotErrorBody {
  status?: unknown;
  message?: unknown;
  correlationId?: unknown;
  category?: unknown;
  subCategory?: unknown;
  policyName?: unknown;
}

export interface HubSpotPolicyOptions {
  /** Reads the time for the daily reset; default Date.now. */
  nowMs?: () => number;
}

export function createHubSpotHttpPolicy(opts: HubSpotPolicyOptions = {}): VendorHttpPolicy {
  const nowMs = opts.nowMs ?? Date.now;
  return {
    classify(res) {
      if (res.status >= 200 && res.status < 300) {
        if (isJson(res) && typeof res.body === 'string' && res.body.trim() !== '') {
          return new ConnectorError({
            kind: 'retryable',
            message: 'HubSpot answered with a body that is not valid JSON',
            vendorCode: MALFORMED_RESPONSE,
            httpStatus: res.status,
          });
        }
        return undefined;
      }
      return classifyError(res, nowMs());
    },
    readRateLimit(headers) {
      const remaining = intHeader(headers, 'x-hubspot-ratelimit-remaining');
      const interval = intHeader(headers, 'x-hubspot-ratelimit-interval-milliseconds');
      const dailyRemaining = intHeader(headers, 'x-hubspot-ratelimit-daily-remaining');
      if (dailyRemaining === 0) return { remaining: 0, resetMs: msUntilUtcMidnight(nowMs()) };
      if (remaining === undefined && interval === undefined) return undefined;
      return {
        ...(remaining !== undefined ? { remaining } : {}),
        ...(interval !== undefined ? { resetMs: interval } : {}),
      };
    },
  };
}

function classifyError(res: HttpResponse, now: number): ConnectorError {
  const body = (typeof res.body === 'object' && res.body !== null ? res.body : {}) as HubSpotErrorBody;
  const category = typeof body.category === 'string' ? body.category : undefined;
  const correlationId = typeof body.correlationId === 'string' ? body.correlationId : undefined;
  const vendorMessage = typeof body.message === 'string' ? body.message : `HTTP ${res.status}`;
  const base = {
    httpStatus: res.status,
    ...(correlationId !== undefined ? { correlationId } : {}),
  };
  const make = (
    kind: ConnectorError['kind'],
    vendorCode: string | undefined,
    extra: { retryAfterMs?: number } = {},
  ) =>
    new ConnectorError({
      kind,
      message: `HubSpot: ${vendorMessage}`,
      ...base,
      ...(vendorCode !== undefined ? { vendorCode } : {}),
      ...extra,
    });

  if (res.status === 429) {
    const policy = typeof body.policyName === 'string' ? body.policyName : undefined;
    if (policy === 'DAILY') return make('disconnected', policy, { retryAfterMs: msUntilUtcMidnight(now) });
    return make('rate_limited', policy ?? category, { retryAfterMs: rateWaitMs(res.headers) });
  }
  if (res.status === 401) return make('auth_expired', category);
  if (res.status === 403) return make('disconnected', category);
  if (res.status === 404) return make('not_found', category);
  if (res.status === 408 || res.status >= 500) return make('retryable', category);
  // OAuth token endpoint errors carry their code in `status` (BAD_REFRESH_TOKEN, BAD_CLIENT_ID…).
  const tokenCode = typeof body.status === 'string' && body.status !== 'error' ? body.status : undefined;
  if (tokenCode !== undefined) return make('auth_expired', tokenCode);
  return make('invalid_request', category);
}

function rateWaitMs(headers: Headers): number {
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== null) {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - Date.now());
  }
  return intHeader(headers, 'x-hubspot-ratelimit-interval-milliseconds') ?? DEFAULT_RATE_WAIT_MS;
}

/**
 * HubSpot resets the daily quota at midnight in the account's time zone; without it we wait for the next UTC midnight
 * (at most a day late, never early by more than the zone offset; the first call after it tells).
 */
export function msUntilUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

function intHeader(headers: Headers, name: string): number | undefined {
  const raw = headers.get(name);
  if (raw === null || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

function isJson(res: HttpResponse): boolean {
  return (res.headers.get('content-type') ?? '').includes('json');
}
