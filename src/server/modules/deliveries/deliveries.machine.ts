/**
 * The delivery state machine (pure): which status changes are legal, and what an attempt's outcome means for the
 * delivery. The attempt job and the human decisions only move deliveries through `moveDelivery`-checked edges.
 *
 *   pending ──attempt──▶ in_flight ──▶ succeeded
 *      ▲                    │ ├──────▶ failed ──replay──▶ pending
 *      │                    │ └──────▶ unknown ──reconcile/resolve──▶ reconciled | pending | failed
 *      └──retry / pause─────┘
 *
 * Invariants:
 * - a non-idempotent call whose response was lost is never retried blindly: it goes to `unknown`, and only a
 *   reconciliation (or a human) sends it back to `pending`;
 * - waiting (open breaker, paused connection, rate limit before sending) never consumes a vendor attempt.
 */
import type { ConnectorErrorKind, EffectAction } from '../../connectors/index.js';

export const DELIVERY_STATUSES = [
  'pending',
  'in_flight',
  'succeeded',
  'failed',
  'unknown',
  'reconciled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export const DELIVERY_ACTIONS = [
  'publishContent',
  'unpublishContent',
  'createCampaign',
  'uploadAsset',
] as const;
export type DeliveryAction = EffectAction;

/** Final statuses: nothing happens to the delivery any more unless someone replays it (failed only). */
export const FINAL_STATUSES: readonly DeliveryStatus[] = ['succeeded', 'failed', 'reconciled'];

const EDGES: Readonly<Record<DeliveryStatus, readonly DeliveryStatus[]>> = {
  pending: ['in_flight', 'failed', 'pending'],
  in_flight: ['succeeded', 'failed', 'unknown', 'pending'],
  unknown: ['reconciled', 'pending', 'failed'],
  failed: ['pending'],
  succeeded: [],
  reconciled: [],
};

export function canMove(from: DeliveryStatus, to: DeliveryStatus): boolean {
  return EDGES[from].includes(to);
}

export class IllegalDeliveryTransitionError extends Error {
  constructor(
    readonly from: DeliveryStatus,
    readonly to: DeliveryStatus,
  ) {
    super(`A delivery cannot go from ${from} to ${to}`);
    this.name = 'IllegalDeliveryTransitionError';
  }
}

export function assertMove(from: DeliveryStatus, to: DeliveryStatus): void {
  if (!canMove(from, to)) throw new IllegalDeliveryTransitionError(from, to);
}

/**
 * Actions whose repetition is harmless: taking something down twice leaves it down. Only these may be retried
 * after a lost response (or a worker lost mid-call) without asking the vendor first.
 */
export function isIdempotentAction(action: DeliveryAction): boolean {
  return action === 'unpublishContent';
}

export interface RetryPolicy {
  /** Vendor attempts before the delivery fails. */
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/** What the ledger does after an attempt failed. */
export type AttemptDecision =
  | { kind: 'retry'; delayMs: number }
  | { kind: 'failed'; reason: string }
  | { kind: 'unknown' }
  | { kind: 'needs_reauth' }
  /** Not sent (breaker open, limiter, connection unusable for a while): wait without using an attempt. */
  | { kind: 'wait'; delayMs: number };

export interface AttemptFailure {
  kind: ConnectorErrorKind;
  retryAfterMs?: number | undefined;
  /** The request never reached the vendor (breaker open, local rate limiter, daily quota spent locally). */
  notSent: boolean;
}

/** Exponential backoff with full jitter; `attempt` is 1 for the first retry. */
export function computeBackoffMs(attempt: number, p: RetryPolicy, random: () => number): number {
  const cap = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Decides what a failed attempt means. `vendorAttempts` counts attempts that reached (or may have reached) the
 * vendor, including this one.
 */
export function decideAfterFailure(
  f: AttemptFailure,
  ctx: { action: DeliveryAction; vendorAttempts: number; policy: RetryPolicy; random: () => number },
): AttemptDecision {
  const fallbackWait = Math.max(1_000, f.retryAfterMs ?? ctx.policy.baseMs);
  if (f.notSent) return { kind: 'wait', delayMs: fallbackWait };
  switch (f.kind) {
    case 'invalid_request':
    case 'not_found':
      return { kind: 'failed', reason: f.kind };
    case 'auth_expired':
      return { kind: 'needs_reauth' };
    case 'disconnected':
      return { kind: 'wait', delayMs: Math.max(1_000, f.retryAfterMs ?? 60 * 60_000) };
    case 'unknown_outcome':
      return isIdempotentAction(ctx.action)
        ? retryOrFail(ctx.vendorAttempts, ctx.policy, ctx.random, f.retryAfterMs)
        : { kind: 'unknown' };
    case 'retryable':
    case 'rate_limited':
      return retryOrFail(ctx.vendorAttempts, ctx.policy, ctx.random, f.retryAfterMs);
  }
}

function retryOrFail(
  attempts: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | undefined,
): AttemptDecision {
  if (attempts >= policy.maxAttempts) return { kind: 'failed', reason: `exhausted ${attempts} attempts` };
  return { kind: 'retry', delayMs: retryAfterMs ?? computeBackoffMs(attempts, policy, random) };
}

/** A worker died (lease expired) while the delivery was in flight: the call may or may not have happened. */
export function decideAfterLostWorker(action: DeliveryAction): 'retry' | 'unknown' {
  return isIdempotentAction(action) ? 'retry' : 'unknown';
}

/** A human's decision on an `unknown` delivery. */
export const RESOLVE_OUTCOMES = ['succeeded', 'retry', 'failed'] as const;
export type ResolveOutcome = (typeof RESOLVE_OUTCOMES)[number];

export function statusAfterResolve(outcome: ResolveOutcome): DeliveryStatus {
  return outcome === 'succeeded' ? 'reconciled' : outcome === 'retry' ? 'pending' : 'failed';
}
