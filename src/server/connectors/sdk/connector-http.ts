/**
 * The shared HTTP layer (`ConnectorHttp`) for one connection. Per request, from the outside in:
 *
 *   retry (cockatiel; idempotent requests only; exponential backoff with full jitter, at least the vendor's Retry-After)
 *     → auth (Bearer token from the token store; on `auth_expired` the token is invalidated and the request sent once
 *       more with a fresh one)
 *       → circuit breaker (cockatiel, one per connection; opens after consecutive transport/5xx failures)
 *         → rate limiter (waits for window, concurrency and vendor budget; see `rate-limiter.ts`)
 *           → one attempt on the wire: timeout, size limits, JSON parse, classification (vendor policy first, then
 *             status codes), rate-limit header feedback, metrics and a redacted log line.
 *
 * The token is fetched BEFORE a limiter slot is taken, so token requests (which go through this same layer with
 * `auth: false`) can never deadlock behind requests waiting for a token.
 */
import { performance } from 'node:perf_hooks';
import {
  BrokenCircuitError,
  CircuitState,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  retry,
} from 'cockatiel';
import type { IBackoff, IBackoffFactory, IRetryBackoffContext } from 'cockatiel';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import { ConnectorError, isConnectorError } from './connector-error.js';
import type { TokenStore } from './connector.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { noopConnectorMetrics } from './connector-metrics.js';
import { classifyByStatus, classifyTransportFailure, classifyUnreadableResponse } from './http-errors.js';
import type { ConnectorHttp, HttpRequest, HttpResponse, VendorHttpPolicy } from './http-types.js';
import {
  DEFAULT_MAX_REQUEST_BYTES,
  DEFAULT_MAX_RESPONSE_BYTES,
  ResponseTooLargeError,
  encodeBody,
  isJsonContentType,
  joinUrl,
  readBodyLimited,
} from './http-wire.js';
import type { RateLimiter } from './rate-limiter.js';
import { redactKnownSecrets, redactUrl } from './redaction.js';
import type { BreakerState, HealthSink } from './runtime-types.js';

export interface RetryOptions {
  /** Total attempts for idempotent requests, first one included (default 3). */
  maxAttempts?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited in-process; the error goes to the caller (default 10 s). */
  maxRetryAfterMs?: number;
}

export interface BreakerOptions {
  /** Consecutive failures that open the circuit (default 5). */
  consecutiveFailures?: number;
  /** How long the circuit stays open before one probe request is let through (default 30 s). */
  halfOpenAfterMs?: number;
}

export interface ConnectorHttpOptions {
  baseUrl: string;
  /** The connector id, for metrics and logs. */
  vendor: string;
  connectionId?: string;
  /** Vendor classification and rate-limit headers; default: status codes only. */
  policy?: VendorHttpPolicy;
  /** The token store, looked up lazily (it usually needs this layer to fetch tokens). Required for `auth` requests. */
  tokens?: () => TokenStore;
  limiter?: RateLimiter;
  clock: Clock;
  logger: Logger;
  metrics?: ConnectorMetrics;
  health?: HealthSink;
  /** Per-attempt timeout when the request sets none (default 30 s). */
  timeoutMs?: number;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /** Pause applied to the limiter after a 429 that announced no Retry-After (default 1 s). */
  rateLimitFallbackMs?: number;
}

/** The HTTP layer plus its observable state. */
export interface ConnectorHttpClient extends ConnectorHttp {
  breakerState(): BreakerState;
}

const CIRCUIT_OPEN = 'CIRCUIT_OPEN';

/** The error of a call the circuit breaker refused: nothing was sent to the vendor. */
export function isCircuitOpen(e: ConnectorError): boolean {
  return e.vendorCode === CIRCUIT_OPEN;
}

export function createConnectorHttp(opts: ConnectorHttpOptions): ConnectorHttpClient {
  const metrics = opts.metrics ?? noopConnectorMetrics;
  const timeoutDefault = opts.timeoutMs ?? 30_000;
  const maxReq = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxRes = opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const maxRetryAfterMs = opts.retry?.maxRetryAfterMs ?? 10_000;
  const halfOpenAfterMs = opts.breaker?.halfOpenAfterMs ?? 30_000;
  const log = opts.logger.child({ vendor: opts.vendor, connection_id: opts.connectionId });
  const breakerLabels = { connectionId: opts.connectionId ?? 'none', vendor: opts.vendor };

  const breaker = circuitBreaker(
    handleWhen((e) => isConnectorError(e) && (e.kind === 'retryable' || e.kind === 'unknown_outcome')),
    {
      halfOpenAfter: halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(opts.breaker?.consecutiveFailures ?? 5),
    },
  );
  let openedAt = 0;
  breaker.onBreak(() => {
    openedAt = Date.now();
  });
  breaker.onStateChange((state) => {
    const s = toBreakerState(state);
    metrics.setBreakerState(breakerLabels, s);
    log.info({ breaker: s }, 'connector circuit breaker changed state');
  });
  metrics.setBreakerState(breakerLabels, 'closed');

  const retryPolicy = retry(
    handleWhen(
      (e) =>
        isConnectorError(e) &&
        e.vendorCode !== CIRCUIT_OPEN &&
        (e.kind === 'retryable' || (e.kind === 'rate_limited' && (e.retryAfterMs ?? 0) <= maxRetryAfterMs)),
    ),
    {
      maxAttempts: Math.max(0, (opts.retry?.maxAttempts ?? 3) - 1),
      backoff: new RetryAfterBackoff(
        new ExponentialBackoff({
          generator: fullJitterGenerator,
          initialDelay: opts.retry?.initialDelayMs ?? 200,
          maxDelay: opts.retry?.maxDelayMs ?? 5_000,
        }),
      ),
    },
  );

  async function attemptOnce(
    req: HttpRequest,
    idempotent: boolean,
    token: string | undefined,
  ): Promise<HttpResponse> {
    const url = joinUrl(opts.baseUrl, req.path, req.query);
    const safeUrl = redactUrl(url);
    const encoded = encodeBody(req);
    if (encoded.bytes > maxReq) {
      throw new ConnectorError({
        kind: 'invalid_request',
        message: `${req.operation}: request body of ${encoded.bytes} bytes exceeds the ${maxReq}-byte limit`,
        vendorCode: 'REQUEST_TOO_LARGE',
      });
    }
    const permit = await opts.limiter?.acquire();
    const started = performance.now();
    const timeoutMs = req.timeoutMs ?? timeoutDefault;
    let status: number | undefined;
    try {
      const headers: Record<string, string> = { accept: 'application/json', ...req.headers };
      if (encoded.contentType && !hasHeader(headers, 'content-type'))
        headers['content-type'] = encoded.contentType;
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      const signal = AbortSignal.timeout(timeoutMs);
      let text: string;
      let res: Response;
      try {
        res = await fetch(url, {
          method: req.method,
          headers,
          ...(encoded.body !== undefined ? { body: encoded.body } : {}),
          signal,
        });
        status = res.status;
        text = await readBodyLimited(res, maxRes);
      } catch (e) {
        if (e instanceof ResponseTooLargeError) {
          throw classifyUnreadableResponse({
            idempotent,
            operation: req.operation,
            status: status ?? 0,
            reason: e.message,
            vendorCode: 'RESPONSE_TOO_LARGE',
          });
        }
        throw classifyTransportFailure({
          error: e,
          timedOut: signal.aborted,
          idempotent,
          operation: req.operation,
          timeoutMs,
        });
      }
      const durationMs = performance.now() - started;
      const feedback = opts.policy?.readRateLimit?.(res.headers);
      if (feedback) opts.limiter?.adopt(feedback);
      let body: unknown = text;
      let parsed = true;
      if (isJsonContentType(res.headers.get('content-type')) && text.length > 0) {
        try {
          body = JSON.parse(text) as unknown;
        } catch {
          parsed = false;
        }
      }
      const response: HttpResponse = { status: res.status, headers: res.headers, body, durationMs };
      if (!parsed && res.ok) {
        throw classifyUnreadableResponse({
          idempotent,
          operation: req.operation,
          status: res.status,
          reason: 'malformed JSON in the response',
          vendorCode: 'MALFORMED_JSON',
        });
      }
      const error =
        (parsed ? opts.policy?.classify(response) : undefined) ??
        classifyByStatus(response, opts.clock.nowMs());
      if (error) throw applyLimiterFeedback(error);
      metrics.observeAttempt(
        { vendor: opts.vendor, operation: req.operation, outcome: 'success' },
        durationMs / 1000,
      );
      log.debug(
        {
          operation: req.operation,
          method: req.method,
          url: safeUrl,
          status,
          duration_ms: Math.round(durationMs),
        },
        'connector request',
      );
      return response;
    } catch (e) {
      const err = toConnectorError(e, req.operation);
      const durationMs = performance.now() - started;
      metrics.observeAttempt(
        { vendor: opts.vendor, operation: req.operation, outcome: err.kind },
        durationMs / 1000,
      );
      log.warn(
        {
          operation: req.operation,
          method: req.method,
          url: safeUrl,
          status,
          duration_ms: Math.round(durationMs),
          kind: err.kind,
          vendor_code: err.vendorCode,
          err_message: redactKnownSecrets(err.message, [token]),
        },
        'connector request failed',
      );
      throw err;
    } finally {
      permit?.release();
    }
  }

  /** Rate-limit errors hold the whole connection, not just this request. */
  function applyLimiterFeedback(error: ConnectorError): ConnectorError {
    if (error.kind === 'rate_limited') {
      const ms = error.retryAfterMs ?? opts.rateLimitFallbackMs ?? 1_000;
      opts.limiter?.pause(ms);
      return error.retryAfterMs === undefined
        ? new ConnectorError({ ...error.toJSON(), retryAfterMs: ms })
        : error;
    }
    if (error.kind === 'disconnected' && error.retryAfterMs !== undefined) {
      opts.limiter?.block(error.retryAfterMs, error);
    }
    return error;
  }

  async function sendThroughBreaker(
    req: HttpRequest,
    idempotent: boolean,
    token: string | undefined,
  ): Promise<HttpResponse> {
    try {
      return await breaker.execute(() => attemptOnce(req, idempotent, token));
    } catch (e) {
      if (e instanceof BrokenCircuitError) {
        throw new ConnectorError({
          kind: 'retryable',
          vendorCode: CIRCUIT_OPEN,
          message: `${req.operation}: circuit open after repeated failures; not calling the vendor`,
          retryAfterMs: Math.max(0, openedAt + halfOpenAfterMs - Date.now()),
        });
      }
      throw e;
    }
  }

  async function sendWithAuth(req: HttpRequest, idempotent: boolean): Promise<HttpResponse> {
    const useAuth = req.auth !== false;
    let refreshed = false;
    for (;;) {
      let token: string | undefined;
      if (useAuth) {
        const store = opts.tokens?.();
        if (!store) throw new Error(`${req.operation}: this HTTP layer has no token store; pass auth: false`);
        token = (await store.getAccessToken()).accessToken;
      }
      try {
        return await sendThroughBreaker(req, idempotent, token);
      } catch (e) {
        // The vendor rejected the token (the request had no effect): one retry with a fresh token, whatever the method.
        if (
          token !== undefined &&
          !refreshed &&
          isConnectorError(e) &&
          e.kind === 'auth_expired' &&
          e.httpStatus !== 403
        ) {
          refreshed = true;
          opts.tokens?.().invalidate(token);
          continue;
        }
        throw e;
      }
    }
  }

  return {
    async request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>> {
      const idempotent = req.idempotent ?? req.method === 'GET';
      const started = performance.now();
      try {
        const res = idempotent
          ? await retryPolicy.execute(() => sendWithAuth(req, idempotent))
          : await sendWithAuth(req, idempotent);
        opts.health?.success(opts.clock.now(), performance.now() - started);
        return res as HttpResponse<T>;
      } catch (e) {
        const err = toConnectorError(e, req.operation);
        opts.health?.failure(opts.clock.now(), err);
        throw err;
      }
    },
    breakerState: () => toBreakerState(breaker.state),
  };
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((k) => k.toLowerCase() === name);
}

function toBreakerState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  if (state === CircuitState.HalfOpen) return 'half_open';
  return 'open';
}

/** Anything thrown below becomes a ConnectorError; programming errors are kept as the message of a retryable one. */
function toConnectorError(e: unknown, operation: string): ConnectorError {
  if (isConnectorError(e)) return e;
  return new ConnectorError({
    kind: 'retryable',
    message: `${operation}: ${e instanceof Error ? e.message : String(e)}`,
  });
}

/** Exponential backoff with full jitter, never shorter than the Retry-After the failed attempt announced. */
class RetryAfterBackoff implements IBackoffFactory<IRetryBackoffContext<unknown>> {
  constructor(private readonly inner: IBackoffFactory<unknown>) {}

  next(context: IRetryBackoffContext<unknown>): IBackoff<IRetryBackoffContext<unknown>> {
    const innerNext = this.inner.next(context);
    const result = context.result;
    const retryAfter =
      'error' in result && isConnectorError(result.error) ? (result.error.retryAfterMs ?? 0) : 0;
    return {
      duration: Math.max(innerNext.duration, retryAfter),
      next: (ctx) => new RetryAfterBackoff(innerNext).next(ctx),
    };
  }
}
