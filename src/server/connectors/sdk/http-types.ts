/**
 * The shared HTTP layer's contract. The implementation (timeouts, retries for idempotent requests, a cockatiel breaker
 * and a rate limiter per connection, size limits, secret redaction) lives beside this file; connectors only see this
 * interface, so they cannot bypass it.
 */
import type { ConnectorError } from './connector-error.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the connection's base URL (`/cms/v3/blogs/posts`), or an absolute URL (token endpoints). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** JSON body (serialised, `content-type: application/json`). */
  json?: unknown;
  /** Raw body (form-encoded string, multipart FormData, bytes); exclusive with `json`. */
  body?: string | Uint8Array | FormData;
  /**
   * True when the vendor documents the call as idempotent (GETs are by default) or it carries an idempotency marker
   * the vendor honours. Only such requests are retried by the layer, and only they map a lost response to
   * `retryable`; for the others a timeout after sending is `unknown_outcome`.
   */
  idempotent?: boolean;
  /** Adds `Authorization: Bearer <token>` from the token store (default true); on 401 the token is invalidated and the request retried once. */
  auth?: boolean;
  timeoutMs?: number;
  /** What the request is for, for logs and metrics (`cms.posts.create`). */
  operation: string;
}

export interface HttpResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON when the response is JSON, else the text. */
  body: T;
  durationMs: number;
}

export interface ConnectorHttp {
  /** Sends a request; resolves with 2xx responses (after the vendor policy found no error in them), throws `ConnectorError` otherwise. */
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

/**
 * Per-vendor rules the HTTP layer applies to every response: error classification from status codes and documented
 * vendor error codes (never body text), and rate-limit header feedback to the limiter.
 */
export interface VendorHttpPolicy {
  /** Returns the error a response represents, or undefined when it is a success. Called for every response, 2xx included (Marketo reports errors with HTTP 200). */
  classify(res: HttpResponse): ConnectorError | undefined;
  /** Reads the vendor's rate-limit headers (e.g. `X-HubSpot-RateLimit-Remaining`) into a budget the limiter adopts. */
  readRateLimit?(headers: Headers): { remaining?: number; resetMs?: number } | undefined;
}
