/**
 * Thrown by a handler to retry after a specific delay instead of the computed backoff — typically a vendor's
 * `Retry-After`. The attempt still counts towards `maxAttempts`.
 */
export class RetryAfterError extends Error {
  constructor(
    readonly retryAfterMs: number,
    message = `retry after ${retryAfterMs} ms`,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RetryAfterError';
    if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) throw new RangeError('retryAfterMs must be >= 0');
  }
}

export function isRetryAfterError(e: unknown): e is RetryAfterError {
  return e instanceof RetryAfterError;
}
