/**
 * SQL for the ledger (`deliveries`, `delivery_attempts`, migrations/0010_deliveries.sql). Writers lock the delivery
 * row first (`forUpdate`), so the attempt job, the reconcile job and human decisions serialize per delivery.
 */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import type { DeliveryAction, DeliveryStatus } from './deliveries.machine.js';

export interface Delivery {
  id: string;
  workspaceId: string;
  connectionId: string;
  action: DeliveryAction;
  contentId: string | null;
  contentVersionId: string | null;
  contentVersion: number | null;
  contentHash: string | null;
  payloadHash: string;
  idempotencyKey: string;
  status: DeliveryStatus;
  pausedReason: string | null;
  targetDeliveryId: string | null;
  externalId: string | null;
  externalUrl: string | null;
  responseSummary: Record<string, unknown> | null;
  lastError: Record<string, unknown> | null;
  attemptCount: number;
  generation: number;
  nextAttemptAt: Date | null;
  resolution: Record<string, unknown> | null;
  trigger: string;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface DeliveryAttempt {
  n: number;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  outcome: string | null;
  error: Record<string, unknown> | null;
  jobId: string | null;
}

type Row = {
  id: string;
  workspace_id: string;
  connection_id: string;
  action: DeliveryAction;
  content_id: string | null;
  content_version_id: string | null;
  content_version: number | null;
  content_hash: string | null;
  payload_hash: string;
  idempotency_key: string;
  status: DeliveryStatus;
  paused_reason: string | null;
  target_delivery_id: string | null;
  external_id: string | null;
  external_url: string | null;
  response_summary: Record<string, unknown> | null;
  last_error: Record<string, unknown> | null;
  attempt_count: number;
  generation: number;
  next_attempt_at: Date | string | null;
  resolution: Record<string, unknown> | null;
  trigger: string;
  created_at: Date | string;
  updated_at: Date | string;
  finished_at: Date | string | null;
};

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const toDateOrNull = (v: Date | string | null): Date | null => (v === null ? null : toDate(v));
const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

function toDelivery(r: Row): Delivery {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    connectionId: r.connection_id,
    action: r.action,
    contentId: r.content_id,
    contentVersionId: r.content_version_id,
    contentVersion: r.content_version === null ? null : Number(r.content_version),
    contentHash: r.content_hash,
    payloadHash: r.payload_hash,
    idempotencyKey: r.idempotency_key,
    status: r.status,
    pausedReason: r.paused_reason,
    targetDeliveryId: r.target_delivery_id,
    externalId: r.external_id,
    externalUrl: r.external_url,
    responseSummary: r.response_summary,
    lastError: r.last_error,
    attemptCount: Number(r.attempt_count),
    generation: Number(r.generation),
    nextAttemptAt: toDateOrNull(r.next_attempt_at),
    resolution: r.resolution,
    trigger: r.trigger,
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
    finishedAt: toDateOrNull(r.finished_at),
  };
}

export interface NewDelivery {
  workspaceId: string;
  connectionId: string;
  action: DeliveryAction;
  contentId: string | null;
  contentVersionId: string | null;
  contentVersion: number | null;
  contentHash: string | null;
  payloadHash: string;
  idempotencyKey: string;
  targetDeliveryId: string | null;
  trigger: string;
}

/** Inserts a pending delivery; `created: false` with the existing row when the idempotency key is taken. */
export async function insertDelivery(
  tx: Executor,
  d: NewDelivery,
  now: Date,
): Promise<{ delivery: Delivery; created: boolean }> {
  const r = await sql<Row>`
    INSERT INTO deliveries (workspace_id, connection_id, action, content_id, content_version_id, content_version,
      content_hash, payload_hash, idempotency_key, status, target_delivery_id, trigger, created_at, updated_at)
    VALUES (${d.workspaceId}, ${d.connectionId}, ${d.action}, ${d.contentId}, ${d.contentVersionId},
      ${d.contentVersion}, ${d.contentHash}, ${d.payloadHash}, ${d.idempotencyKey}, 'pending',
      ${d.targetDeliveryId}, ${d.trigger}, ${now}, ${now})
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING *`.execute(tx);
  if (r.rows[0]) return { delivery: toDelivery(r.rows[0]), created: true };
  const existing = await sql<Row>`
    SELECT * FROM deliveries WHERE idempotency_key = ${d.idempotencyKey}`.execute(tx);
  return { delivery: toDelivery(existing.rows[0]!), created: false };
}

export async function findDelivery(
  db: Executor,
  id: string,
  opts: { workspaceId?: string; forUpdate?: boolean } = {},
): Promise<Delivery | null> {
  const r = await sql<Row>`
    SELECT * FROM deliveries WHERE id = ${id}
    ${opts.workspaceId ? sql`AND workspace_id = ${opts.workspaceId}` : sql``}
    ${opts.forUpdate ? sql`FOR UPDATE` : sql``}`.execute(db);
  return r.rows[0] ? toDelivery(r.rows[0]) : null;
}

export interface DeliveryQuery {
  workspaceId: string;
  status?: DeliveryStatus | undefined;
  connectionId?: string | undefined;
  contentId?: string | undefined;
  since?: Date | undefined;
  before?: { createdAt: string; id: string } | undefined;
  limit: number;
}

/** Newest first; keyset pagination on (created_at, id). */
export async function listDeliveries(db: Executor, q: DeliveryQuery): Promise<Delivery[]> {
  const r = await sql<Row>`
    SELECT * FROM deliveries WHERE workspace_id = ${q.workspaceId}
    ${q.status ? sql`AND status = ${q.status}` : sql``}
    ${q.connectionId ? sql`AND connection_id = ${q.connectionId}` : sql``}
    ${q.contentId ? sql`AND content_id = ${q.contentId}` : sql``}
    ${q.since ? sql`AND created_at >= ${q.since}` : sql``}
    ${q.before ? sql`AND (created_at, id) < (${q.before.createdAt}::timestamptz, ${q.before.id}::uuid)` : sql``}
    ORDER BY created_at DESC, id DESC LIMIT ${q.limit}`.execute(db);
  return r.rows.map(toDelivery);
}

export async function listAttempts(db: Executor, deliveryId: string): Promise<DeliveryAttempt[]> {
  const r = await sql<{
    n: number;
    started_at: Date | string;
    finished_at: Date | string | null;
    duration_ms: number | null;
    outcome: string | null;
    error: Record<string, unknown> | null;
    job_id: string | null;
  }>`SELECT * FROM delivery_attempts WHERE delivery_id = ${deliveryId} ORDER BY n`.execute(db);
  return r.rows.map((a) => ({
    n: Number(a.n),
    startedAt: toDate(a.started_at),
    finishedAt: toDateOrNull(a.finished_at),
    durationMs: a.duration_ms === null ? null : Number(a.duration_ms),
    outcome: a.outcome,
    error: a.error,
    jobId: a.job_id,
  }));
}

/** Marks the delivery in flight and writes the open attempt row: committed BEFORE the vendor is called. */
export async function beginAttempt(
  tx: Executor,
  d: Delivery,
  args: { now: Date; jobId: string },
): Promise<number> {
  const n = d.attemptCount + 1;
  await sql`
    UPDATE deliveries SET status = 'in_flight', attempt_count = ${n}, paused_reason = NULL, next_attempt_at = NULL,
      updated_at = ${args.now}
    WHERE id = ${d.id}`.execute(tx);
  await sql`
    INSERT INTO delivery_attempts (delivery_id, n, started_at, job_id)
    VALUES (${d.id}, ${n}, ${args.now}, ${args.jobId})`.execute(tx);
  return n;
}

export async function finishAttempt(
  tx: Executor,
  deliveryId: string,
  n: number,
  args: { outcome: string; error: Record<string, unknown> | null; durationMs: number | null; now: Date },
): Promise<void> {
  await sql`
    UPDATE delivery_attempts SET finished_at = ${args.now}, duration_ms = ${args.durationMs},
      outcome = ${args.outcome}, error = ${json(args.error)}::jsonb
    WHERE delivery_id = ${deliveryId} AND n = ${n}`.execute(tx);
}

/** Attempts that reached (or may have reached) the vendor: every attempt except those skipped before sending. */
export async function countVendorAttempts(tx: Executor, deliveryId: string): Promise<number> {
  const r = await sql<{ c: number }>`
    SELECT count(*)::int AS c FROM delivery_attempts
    WHERE delivery_id = ${deliveryId} AND outcome IS DISTINCT FROM 'skipped'`.execute(tx);
  return Number(r.rows[0]?.c ?? 0);
}

export interface DeliveryPatch {
  status?: DeliveryStatus;
  externalId?: string | null;
  externalUrl?: string | null;
  responseSummary?: Record<string, unknown> | null;
  lastError?: Record<string, unknown> | null;
  nextAttemptAt?: Date | null;
  pausedReason?: string | null;
  resolution?: Record<string, unknown> | null;
  /** The hash of what the attempt sends, once the referenced images are fetched (content-payload.ts). */
  payloadHash?: string;
  /** Starts a new generation: jobs of older generations stop when they see it. */
  bumpGeneration?: boolean;
  finished?: boolean;
}

export async function updateDelivery(
  tx: Executor,
  id: string,
  p: DeliveryPatch,
  now: Date,
): Promise<Delivery> {
  const sets = [sql`updated_at = ${now}`];
  if (p.status !== undefined) sets.push(sql`status = ${p.status}`);
  if (p.externalId !== undefined) sets.push(sql`external_id = ${p.externalId}`);
  if (p.externalUrl !== undefined) sets.push(sql`external_url = ${p.externalUrl}`);
  if (p.responseSummary !== undefined) sets.push(sql`response_summary = ${json(p.responseSummary)}::jsonb`);
  if (p.lastError !== undefined) sets.push(sql`last_error = ${json(p.lastError)}::jsonb`);
  if (p.nextAttemptAt !== undefined) sets.push(sql`next_attempt_at = ${p.nextAttemptAt}`);
  if (p.pausedReason !== undefined) sets.push(sql`paused_reason = ${p.pausedReason}`);
  if (p.resolution !== undefined) sets.push(sql`resolution = ${json(p.resolution)}::jsonb`);
  if (p.payloadHash !== undefined) sets.push(sql`payload_hash = ${p.payloadHash}`);
  if (p.bumpGeneration) sets.push(sql`generation = generation + 1`);
  if (p.finished !== undefined) sets.push(sql`finished_at = ${p.finished ? now : null}`);
  const r = await sql<Row>`UPDATE deliveries SET ${sql.join(sets)} WHERE id = ${id} RETURNING *`.execute(tx);
  return toDelivery(r.rows[0]!);
}

/** Pending deliveries parked because their connection needed re-authorisation or was paused. */
export async function listPausedDeliveryIds(tx: Executor, connectionId: string): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT id FROM deliveries WHERE connection_id = ${connectionId} AND status = 'pending'
      AND paused_reason IS NOT NULL
    ORDER BY created_at, id FOR UPDATE`.execute(tx);
  return r.rows.map((x) => x.id);
}

/** Failed deliveries to replay (dead letters), oldest first. */
export async function listFailedDeliveryIds(
  tx: Executor,
  q: { workspaceId: string; connectionId?: string | undefined; since?: Date | undefined; limit: number },
): Promise<string[]> {
  const r = await sql<{ id: string }>`
    SELECT id FROM deliveries WHERE workspace_id = ${q.workspaceId} AND status = 'failed'
    ${q.connectionId ? sql`AND connection_id = ${q.connectionId}` : sql``}
    ${q.since ? sql`AND created_at >= ${q.since}` : sql``}
    ORDER BY created_at, id LIMIT ${q.limit} FOR UPDATE`.execute(tx);
  return r.rows.map((x) => x.id);
}

/** The latest live publish of a content item at a connection: the object an unpublish takes down. */
export async function findLivePublish(
  tx: Executor,
  contentId: string,
  connectionId: string,
): Promise<Delivery | null> {
  const r = await sql<Row>`
    SELECT * FROM deliveries WHERE content_id = ${contentId} AND connection_id = ${connectionId}
      AND action = 'publishContent' AND status IN ('succeeded', 'reconciled') AND external_id IS NOT NULL
    ORDER BY finished_at DESC NULLS LAST, created_at DESC LIMIT 1`.execute(tx);
  return r.rows[0] ? toDelivery(r.rows[0]) : null;
}
