/**
 * The `delivery.attempt` and `delivery.reconcile` job bodies: where the ledger touches the vendor.
 *
 * Attempt, in three transactions around one vendor call:
 * 1. claim: lock the delivery; a delivery still `in_flight` means the previous worker died mid-call (its lease
 *    expired): that attempt is closed as `worker_lost` and, for a non-idempotent action, the delivery becomes
 *    `unknown` (reconcile, never a blind retry). A paused / re-auth-needing connection parks the delivery; an open
 *    breaker or a connection paused until later makes the job wait (RetryAfterError) without using an attempt;
 * 1b. assets: the images the version references are fetched (publish and create campaign), outside any transaction
 *    and before the delivery is `in_flight`, so a crash while fetching leaves it `pending`, not `unknown`. A fetch
 *    failure is recorded as an attempt that never reached the vendor: transient (timeout, 5xx) → retried like a
 *    `retryable` vendor error and counted against the attempt budget; permanent (404, too large, refused host,
 *    unsupported type) → `invalid_request`, the delivery fails (dead letter) with a message naming the ref;
 * 2. begin: `in_flight` + the open attempt row, COMMITTED before the call, so a crash leaves evidence; the payload
 *    hash becomes the hash of what is sent, fetched images included;
 * 3. record: the outcome decided by `deliveries.machine.ts` (succeeded, retry later, failed, unknown → reconcile job,
 *    needs re-authorisation → connection flagged and delivery parked).
 */
import type { ConnectorClient, ContentPayload, ExternalRef } from '../../connectors/index.js';
import { ConnectorError, isCircuitOpen, isConnectorError } from '../../connectors/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { enqueue, RetryAfterError, type JobContext } from '../../platform/queue/index.js';
import type { Connection, ConnectionHandle } from '../connections/index.js';
import { isAssetFetchError, type AssetFetchError } from './content-assets-fetch.js';
import { hashPayload, loadContentPayload, withFetchedAssets } from './content-payload.js';
import type { DeliveriesContext } from './deliveries.context.js';
import { reconcileDedupeKey, type DeliveryJobPayload } from './deliveries.jobs.js';
import {
  assertMove,
  decideAfterFailure,
  decideAfterLostWorker,
  type AttemptDecision,
} from './deliveries.machine.js';
import {
  beginAttempt,
  countVendorAttempts,
  findDelivery,
  finishAttempt,
  updateDelivery,
  type Delivery,
} from './deliveries.repo.js';
import { enqueueAttempt, jobPayloadOf, subjectOf, summarizeDelivery } from './deliveries.service.js';

const SYSTEM = { kind: 'system', userId: null, tokenId: null, origin: 'job' } as const;

type Claim =
  | { kind: 'stop' }
  | { kind: 'wait'; delayMs: number }
  | { kind: 'go'; delivery: Delivery; connection: Connection };

export async function runDeliveryAttempt(
  ctx: DeliveriesContext,
  p: DeliveryJobPayload,
  job: JobContext,
): Promise<void> {
  const claim = await inTransaction(ctx.db, (tx) => claimDelivery(ctx, tx, p));
  if (claim.kind === 'stop') return;
  if (claim.kind === 'wait') throw new RetryAfterError(claim.delayMs, 'connection paused');
  const { connection } = claim;
  // An open breaker is not checked here: cockatiel only half-opens when a call is tried after the delay. The layer
  // refuses such calls without sending (CIRCUIT_OPEN, with the time left), recorded as a `skipped` attempt.
  const handle = await ctx.connections.open(connection);
  let content: ContentPayload | null = null;
  const d0 = claim.delivery;
  if (d0.contentId !== null && d0.contentVersion !== null) {
    try {
      content = await loadContentPayload(ctx.content, ctx.db, {
        workspaceId: d0.workspaceId,
        contentId: d0.contentId,
        version: d0.contentVersion,
      });
    } catch (e) {
      await failWithoutCall(ctx, d0, `content unavailable: ${(e as Error).message}`);
      return;
    }
  }
  // Phase 1b: the referenced images, all or nothing, before anything is marked in flight.
  let assetFailure: ConnectorError | null = null;
  let fetchMs = 0;
  if (content && ACTIONS_WITH_ASSETS.has(d0.action)) {
    const fetchStarted = performance.now();
    try {
      content = await withFetchedAssets(ctx.assets, content, { signal: job.signal });
    } catch (e) {
      // Shutdown or a lost lease: nothing was attempted; the job runs again.
      if (job.signal.aborted) throw e;
      assetFailure = assetConnectorError(e);
    }
    fetchMs = Math.round(performance.now() - fetchStarted);
  }
  const target = d0.targetDeliveryId ? await findDelivery(ctx.db, d0.targetDeliveryId) : null;
  const sentHash = content && content.assets.length > 0 ? hashPayload(d0.action, content) : null;
  // Phase 2: the attempt row is committed before the vendor sees anything.
  const begun = await inTransaction(ctx.db, async (tx) => {
    const d = await findDelivery(tx, p.deliveryId, { forUpdate: true });
    if (!d || d.generation !== p.generation || d.status !== 'pending') return null;
    assertMove(d.status, 'in_flight');
    const n = await beginAttempt(tx, d, { now: ctx.clock.now(), jobId: job.jobId });
    if (sentHash !== null && sentHash !== d.payloadHash) {
      await updateDelivery(tx, d.id, { payloadHash: sentHash }, ctx.clock.now());
    }
    return { delivery: d, n };
  });
  if (!begun) return;
  const started = performance.now();
  let ref: ExternalRef | null = null;
  let failure: unknown = assetFailure;
  if (!assetFailure) {
    try {
      ref = await invokeAction(handle.client, begun.delivery, content, target);
    } catch (e) {
      failure = e;
    }
  }
  const durationMs = assetFailure ? fetchMs : Math.round(performance.now() - started);
  const decision = await inTransaction(ctx.db, (tx) =>
    recordOutcome(ctx, tx, { ...begun, handle, ref, failure, durationMs }),
  );
  if (decision && (decision.kind === 'retry' || decision.kind === 'wait')) {
    throw new RetryAfterError(decision.delayMs, `delivery ${decision.kind}: next attempt later`);
  }
}

async function claimDelivery(ctx: DeliveriesContext, tx: Executor, p: DeliveryJobPayload): Promise<Claim> {
  let d = await findDelivery(tx, p.deliveryId, { forUpdate: true });
  if (!d || d.generation !== p.generation) return { kind: 'stop' };
  const now = ctx.clock.now();
  if (d.status === 'in_flight') {
    // The worker of the last attempt vanished (lease expired) without recording an outcome.
    await finishAttempt(tx, d.id, d.attemptCount, {
      outcome: 'worker_lost',
      error: {
        kind: 'unknown_outcome',
        message:
          'the worker making this attempt stopped before recording its outcome; the call may have happened',
      },
      durationMs: null,
      now,
    });
    if (decideAfterLostWorker(d.action) === 'unknown') {
      await markUnknown(ctx, tx, d, { kind: 'unknown_outcome', message: 'worker lost during the call' });
      return { kind: 'stop' };
    }
    d = await updateDelivery(tx, d.id, { status: 'pending' }, now);
  }
  if (d.status !== 'pending') return { kind: 'stop' };
  const connection = await ctx.connections.find(tx, d.workspaceId, d.connectionId);
  if (!connection) {
    await updateDelivery(
      tx,
      d.id,
      {
        status: 'failed',
        lastError: { kind: 'invalid_request', message: 'connection not found' },
        finished: true,
      },
      now,
    );
    return { kind: 'stop' };
  }
  if (connection.status !== 'active') {
    // Parked, not dropped: `connection.resumed` gives it a new attempt job.
    await updateDelivery(tx, d.id, { pausedReason: connection.status }, now);
    return { kind: 'stop' };
  }
  if (connection.pausedUntil && connection.pausedUntil.getTime() > now.getTime()) {
    return { kind: 'wait', delayMs: connection.pausedUntil.getTime() - now.getTime() };
  }
  return { kind: 'go', delivery: d, connection };
}

/** Actions whose connectors upload the version's images; an unpublish only needs the external id. */
const ACTIONS_WITH_ASSETS: ReadonlySet<Delivery['action']> = new Set(['publishContent', 'createCampaign']);

/**
 * An image fetch failure as the ledger classifies vendor failures, so one decision path handles both: transient →
 * `retryable` (with the image host's Retry-After), permanent → `invalid_request`. The message names the ref; the
 * code (ASSET_NOT_FOUND, ASSET_HOST_REFUSED …) goes in `vendorCode`. No `httpStatus`: the vendor was not called.
 */
function assetConnectorError(e: unknown): ConnectorError {
  const err: AssetFetchError | null = isAssetFetchError(e) ? e : null;
  if (!err) {
    return new ConnectorError({
      kind: 'retryable',
      message: `fetching the referenced images failed unexpectedly: ${(e as Error)?.message ?? String(e)}`,
      vendorCode: 'ASSET_FETCH_FAILED',
    });
  }
  return new ConnectorError({
    kind: err.transient ? 'retryable' : 'invalid_request',
    message: `${err.message} (no call was made to the vendor)`,
    vendorCode: err.code,
    ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}),
  });
}

/** Calls the capability the delivery's action names; a connector without it is an invalid request. */
async function invokeAction(
  client: ConnectorClient,
  d: Delivery,
  content: ContentPayload | null,
  target: Delivery | null,
): Promise<ExternalRef> {
  const marker = d.idempotencyKey;
  const missing = (what: string) =>
    new ConnectorError({ kind: 'invalid_request', message: `${d.action}: ${what}` });
  if (!content) throw missing('the delivery references no content');
  switch (d.action) {
    case 'publishContent':
      if (!client.publishContent) throw missing('the connector cannot publish content');
      return client.publishContent({ idempotencyMarker: marker, content });
    case 'unpublishContent':
      if (!client.unpublishContent) throw missing('the connector cannot unpublish content');
      if (!target?.externalId) throw missing('nothing was published at this connection');
      return client.unpublishContent({ idempotencyMarker: marker, externalId: target.externalId, content });
    case 'createCampaign':
      if (!client.createCampaign) throw missing('the connector cannot create campaigns');
      return client.createCampaign({ idempotencyMarker: marker, name: content.title, content });
    case 'uploadAsset':
      throw missing('asset deliveries are not supported by the ledger yet');
  }
}

/** Tells "the vendor never saw it" apart: the layer refused before sending (breaker, local limiter, local quota). */
function wasNotSent(e: ConnectorError): boolean {
  if (isCircuitOpen(e)) return true;
  return e.httpStatus === undefined && (e.kind === 'rate_limited' || e.kind === 'disconnected');
}

function toConnectorError(e: unknown): ConnectorError {
  if (isConnectorError(e)) return e;
  // A bug or an unexpected failure inside the connector: we cannot know whether the vendor acted.
  return new ConnectorError({
    kind: 'unknown_outcome',
    message: `unexpected error: ${(e as Error)?.message ?? String(e)}`,
  });
}

async function recordOutcome(
  ctx: DeliveriesContext,
  tx: Executor,
  a: {
    delivery: Delivery;
    n: number;
    handle: ConnectionHandle;
    ref: ExternalRef | null;
    failure: unknown;
    durationMs: number;
  },
): Promise<AttemptDecision | null> {
  const now = ctx.clock.now();
  const vendor = a.handle.connection.vendor;
  const d = await findDelivery(tx, a.delivery.id, { forUpdate: true });
  if (!d) return null;
  if (a.ref) {
    await finishAttempt(tx, d.id, a.n, { outcome: 'succeeded', error: null, durationMs: a.durationMs, now });
    ctx.metrics.count(vendor, d.action, 'succeeded');
    ctx.metrics.observeAttempt(vendor, d.action, 'succeeded', a.durationMs / 1000);
    if (d.status !== 'in_flight' || d.generation !== a.delivery.generation) return null;
    const updated = await updateDelivery(
      tx,
      d.id,
      {
        status: 'succeeded',
        externalId: a.ref.externalId,
        externalUrl: a.ref.url ?? null,
        responseSummary: a.ref.summary ?? null,
        lastError: null,
        finished: true,
      },
      now,
    );
    await appendDeliveryEvent(ctx, tx, 'delivery.succeeded', updated);
    return null;
  }
  const err = toConnectorError(a.failure);
  const notSent = wasNotSent(err);
  await finishAttempt(tx, d.id, a.n, {
    outcome: notSent ? 'skipped' : err.kind,
    error: { ...err.toJSON() },
    durationMs: a.durationMs,
    now,
  });
  ctx.metrics.observeAttempt(vendor, d.action, err.kind, a.durationMs / 1000);
  if (!notSent) ctx.metrics.count(vendor, d.action, err.kind);
  if (d.status !== 'in_flight' || d.generation !== a.delivery.generation) return null;
  const decision = decideAfterFailure(
    { kind: err.kind, retryAfterMs: err.retryAfterMs, notSent },
    {
      action: d.action,
      vendorAttempts: await countVendorAttempts(tx, d.id),
      policy: ctx.retry,
      random: ctx.random,
    },
  );
  const lastError = { ...err.toJSON() };
  switch (decision.kind) {
    case 'retry':
    case 'wait': {
      await updateDelivery(
        tx,
        d.id,
        { status: 'pending', lastError, nextAttemptAt: new Date(now.getTime() + decision.delayMs) },
        now,
      );
      if (decision.kind === 'wait' && err.kind === 'disconnected') {
        await ctx.connections.pauseUntil(tx, d.connectionId, new Date(now.getTime() + decision.delayMs));
      }
      return decision;
    }
    case 'failed': {
      const updated = await updateDelivery(tx, d.id, { status: 'failed', lastError, finished: true }, now);
      ctx.metrics.count(vendor, d.action, 'failed');
      await appendDeliveryEvent(ctx, tx, 'delivery.failed', updated, { reason: decision.reason });
      return decision;
    }
    case 'unknown':
      await markUnknown(ctx, tx, d, lastError);
      ctx.metrics.count(vendor, d.action, 'unknown');
      return decision;
    case 'needs_reauth':
      await updateDelivery(tx, d.id, { status: 'pending', lastError, pausedReason: 'needs_reauth' }, now);
      await ctx.connections.markNeedsReauth(tx, a.handle.connection, err.message);
      return decision;
  }
}

async function markUnknown(
  ctx: DeliveriesContext,
  tx: Executor,
  d: Delivery,
  lastError: Record<string, unknown>,
): Promise<void> {
  const updated = await updateDelivery(tx, d.id, { status: 'unknown', lastError }, ctx.clock.now());
  const payload = jobPayloadOf(updated);
  await enqueue(tx, ctx.jobs, 'delivery.reconcile', payload, { dedupeKey: reconcileDedupeKey(payload) });
  await appendDeliveryEvent(ctx, tx, 'delivery.unknown', updated);
}

async function failWithoutCall(ctx: DeliveriesContext, d: Delivery, message: string): Promise<void> {
  await inTransaction(ctx.db, async (tx) => {
    const cur = await findDelivery(tx, d.id, { forUpdate: true });
    if (!cur || cur.status !== 'pending' || cur.generation !== d.generation) return;
    const updated = await updateDelivery(
      tx,
      d.id,
      { status: 'failed', lastError: { kind: 'invalid_request', message }, finished: true },
      ctx.clock.now(),
    );
    await appendDeliveryEvent(ctx, tx, 'delivery.failed', updated, { reason: message });
  });
}

export async function appendDeliveryEvent(
  ctx: DeliveriesContext,
  tx: Executor,
  type: string,
  d: Delivery,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await ctx.events.append(tx, {
    workspaceId: d.workspaceId,
    type,
    subject: subjectOf(d.id),
    actor: SYSTEM,
    payload: { ...summarizeDelivery(d), ...extra },
  });
}

/**
 * `delivery.reconcile`: asks the vendor whether the effect of an `unknown` delivery exists (by its idempotency
 * marker). Found → `reconciled` with the external id; not found → back to `pending` with a new attempt; a connector
 * that cannot be asked leaves the delivery for a human decision.
 */
export async function runDeliveryReconcile(ctx: DeliveriesContext, p: DeliveryJobPayload): Promise<void> {
  const d = await findDelivery(ctx.db, p.deliveryId);
  if (!d || d.status !== 'unknown' || d.generation !== p.generation) return;
  const connection = await ctx.connections.find(ctx.db, d.workspaceId, d.connectionId);
  if (!connection) return;
  const handle = await ctx.connections.open(connection);
  const find = handle.client.findByIdempotencyMarker?.bind(handle.client);
  if (!find) {
    await inTransaction(ctx.db, (tx) =>
      appendDeliveryEvent(ctx, tx, 'delivery.needs_decision', d, {
        reason: `${connection.vendor} cannot be asked whether the effect happened; decide with POST /api/v1/deliveries/${d.id}/resolve`,
      }),
    );
    return;
  }
  let content: ContentPayload | undefined;
  if (d.contentId !== null && d.contentVersion !== null) {
    content = await loadContentPayload(ctx.content, ctx.db, {
      workspaceId: d.workspaceId,
      contentId: d.contentId,
      version: d.contentVersion,
    }).catch(() => undefined);
  }
  let found: ExternalRef | null;
  try {
    found = await find({ action: d.action, marker: d.idempotencyKey, ...(content ? { content } : {}) });
  } catch (e) {
    const err = toConnectorError(e);
    if (err.kind === 'invalid_request' || err.kind === 'not_found') {
      await inTransaction(ctx.db, (tx) =>
        appendDeliveryEvent(ctx, tx, 'delivery.needs_decision', d, { reason: err.message }),
      );
      return;
    }
    throw new RetryAfterError(
      Math.max(1_000, err.retryAfterMs ?? ctx.retry.baseMs),
      `reconcile: ${err.message}`,
    );
  }
  await inTransaction(ctx.db, async (tx) => {
    const cur = await findDelivery(tx, d.id, { forUpdate: true });
    if (!cur || cur.status !== 'unknown' || cur.generation !== p.generation) return;
    const now = ctx.clock.now();
    const resolution = { outcome: found ? 'found' : 'not_found', by: 'reconcile', at: now.toISOString() };
    if (found) {
      const updated = await updateDelivery(
        tx,
        d.id,
        {
          status: 'reconciled',
          externalId: found.externalId,
          externalUrl: found.url ?? null,
          responseSummary: found.summary ?? null,
          resolution,
          finished: true,
        },
        now,
      );
      ctx.metrics.count(connection.vendor, d.action, 'reconciled');
      await appendDeliveryEvent(ctx, tx, 'delivery.reconciled', updated);
    } else {
      const updated = await updateDelivery(
        tx,
        d.id,
        { status: 'pending', resolution, bumpGeneration: true },
        now,
      );
      await enqueueAttempt(ctx, tx, updated);
      await appendDeliveryEvent(ctx, tx, 'delivery.retrying', updated, { reason: 'not found at the vendor' });
    }
  });
}
