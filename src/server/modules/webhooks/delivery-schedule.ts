/**
 * Retry arithmetic for outbound deliveries (pure). Attempt n (1-based) that fails is retried after
 * `schedule[n-1]` unless the receiver sent `Retry-After`, which wins (capped); after the last delay the message is
 * dead. A response is a success only for 2xx; 410 Gone disables the subscription (Standard Webhooks guidance).
 */

/** A receiver cannot push a retry further than this (the schedule's whole span is about a day). */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export type AttemptVerdict =
  { kind: 'succeeded' } | { kind: 'gone' } | { kind: 'retry'; delayMs: number } | { kind: 'exhausted' };

/**
 * What to do after attempt `attempt` (1-based) got `status` (null: no response — refused, timeout, network).
 * `retryAfterMs` is the parsed Retry-After header, if any.
 */
export function judgeAttempt(
  attempt: number,
  status: number | null,
  retryAfterMs: number | null,
  schedule: readonly number[],
): AttemptVerdict {
  if (status !== null && status >= 200 && status < 300) return { kind: 'succeeded' };
  if (status === 410) return { kind: 'gone' };
  const planned = schedule[attempt - 1];
  if (planned === undefined) return { kind: 'exhausted' };
  const delayMs = retryAfterMs !== null ? Math.min(Math.max(retryAfterMs, 0), MAX_RETRY_AFTER_MS) : planned;
  return { kind: 'retry', delayMs };
}

/**
 * Parses `Retry-After`: delta seconds or an HTTP date (relative to `nowMs`). Null when absent or unparseable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs: number): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
