/**
 * Inbound webhooks: verify the raw request, store it with its processing job in ONE transaction, answer at once;
 * parse it into canonical events later, in the job. Generic endpoints are managed here too.
 *
 * The request path does: look up the source → verify (401 on failure: logged and counted, nothing stored) →
 * INSERT … ON CONFLICT (source, webhook id) DO NOTHING → enqueue the job (same transaction). A replayed webhook id
 * is answered 200 `duplicate` without a second row or job.
 */
import { randomBytes } from 'node:crypto';
import type { Actor } from '../../platform/auth/index.js';
import { authorize } from '../../platform/auth/index.js';
import { inTransaction } from '../../platform/db/index.js';
import { NotFoundError, ValidationError } from '../../platform/errors/index.js';
import { isValidEventType } from '../../platform/events/index.js';
import { systemActor } from '../../platform/auth/index.js';
import { enqueue, type JobContext } from '../../platform/queue/index.js';
import { InboundParseError, PARSERS } from './inbound-parsers.js';
import {
  VENDOR_WEBHOOKS,
  VERIFIERS,
  type InboundParserKind,
  type VerifierKind,
} from './inbound-verifiers.js';
import {
  deleteEndpointRow,
  findEndpoint,
  findInbound,
  finishInboundRows,
  insertEndpoint,
  listEndpoints,
  listInbound,
  lockReceivedBatch,
  resetInbound,
  updateEndpointRow,
  type EndpointWrite,
  type InboundEndpoint,
  type InboundOutcome,
  type InboundWebhook,
} from './inbound.repo.js';
import { generateWebhookSecret } from './standard-webhooks.js';
import type { WebhooksContext } from './webhooks.context.js';
import {
  InboundAlreadyProcessedError,
  WebhookSignatureInvalidError,
  WebhooksNotSupportedError,
} from './webhooks.errors.js';
import type { ProcessInboundPayload } from './webhooks.jobs.js';
import type { InboundScheme, InboundStatus } from './webhooks.tables.js';

export interface RawInbound {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type IngestResult = { id: string; duplicate: false } | { id: null; duplicate: true };

/** Headers kept with a stored request: what helps debugging, never signatures or credentials. */
const KEPT_HEADERS = [
  'content-type',
  'user-agent',
  'webhook-id',
  'webhook-timestamp',
  'x-hubspot-request-timestamp',
  'x-request-id',
];

function keptHeaders(headers: RawInbound['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of KEPT_HEADERS) {
    const v = headers[h];
    const s = Array.isArray(v) ? v[0] : v;
    if (s !== undefined) out[h] = s.slice(0, 500);
  }
  return out;
}

interface ResolvedSource {
  kind: 'connection' | 'endpoint';
  id: string;
  workspaceId: string;
  vendor: string;
  verifier: VerifierKind;
  secret: string | null;
  endpoint: InboundEndpoint | null;
}

async function resolveConnectionSource(ctx: WebhooksContext, connectionId: string): Promise<ResolvedSource> {
  const conn = ctx.connections ? await ctx.connections.findWebhookConnection(connectionId) : null;
  if (!conn) throw new NotFoundError('Connection', connectionId);
  const spec = VENDOR_WEBHOOKS[conn.vendor];
  if (!spec) throw new WebhooksNotSupportedError(conn.vendor);
  return {
    kind: 'connection',
    id: conn.id,
    workspaceId: conn.workspaceId,
    vendor: conn.vendor,
    verifier: spec.verifier,
    secret: conn.webhookSecret,
    endpoint: null,
  };
}

async function resolveEndpointSource(ctx: WebhooksContext, endpointId: string): Promise<ResolvedSource> {
  const ep = await findEndpoint(ctx.db, endpointId);
  if (!ep || !ep.enabled) throw new NotFoundError('Webhook endpoint', endpointId);
  return {
    kind: 'endpoint',
    id: ep.id,
    workspaceId: ep.workspaceId,
    vendor: 'generic',
    verifier: ep.scheme,
    secret: ctx.secrets.decrypt(ep.secretCipher),
    endpoint: ep,
  };
}

/** The source of a request, from the per-process cache (`sourceCacheMs`) or the database. */
async function resolveSource(
  ctx: WebhooksContext,
  source: { kind: 'connection' | 'endpoint'; id: string },
): Promise<ResolvedSource> {
  const key = `${source.kind}:${source.id}`;
  const nowMs = Date.now();
  const hit = ctx.sourceCache.get(key);
  if (hit && nowMs - hit.at < ctx.options.sourceCacheMs) return hit.source as ResolvedSource;
  const s =
    source.kind === 'connection'
      ? await resolveConnectionSource(ctx, source.id)
      : await resolveEndpointSource(ctx, source.id);
  if (ctx.sourceCache.size > 10_000) ctx.sourceCache.clear();
  ctx.sourceCache.set(key, { at: nowMs, source: s });
  return s;
}

/** Forgets a cached source after a change on this node (other nodes follow within `sourceCacheMs`). */
function forgetSource(ctx: WebhooksContext, kind: 'connection' | 'endpoint', id: string): void {
  ctx.sourceCache.delete(`${kind}:${id}`);
}

/** A failed verification: counted, logged (never the body), answered 401; nothing is stored. */
function rejectInbound(ctx: WebhooksContext, s: ResolvedSource, reason: string, message: string): never {
  ctx.metrics.inbound('rejected', s.vendor);
  ctx.logger.warn(
    { source: s.kind, source_id: s.id, workspace_id: s.workspaceId, vendor: s.vendor, reason },
    message,
  );
  throw new WebhookSignatureInvalidError(reason);
}

/** The request path of `POST /hooks/{connectionId}` and `POST /hooks/generic/{endpointId}`. */
export async function ingestInbound(
  ctx: WebhooksContext,
  source: { kind: 'connection' | 'endpoint'; id: string },
  req: RawInbound,
): Promise<IngestResult> {
  const s = await resolveSource(ctx, source);
  const nowMs = ctx.clock.nowMs();
  const verdict = s.secret
    ? VERIFIERS[s.verifier](
        {
          method: req.method,
          url: req.url,
          publicUrl: ctx.publicUrl,
          headers: req.headers,
          body: req.body,
          nowMs,
        },
        {
          secret: s.secret,
          toleranceSeconds: ctx.options.inboundToleranceSeconds,
          signatureHeader: s.endpoint?.signatureHeader ?? null,
          signatureEncoding: s.endpoint?.signatureEncoding ?? null,
          signaturePrefix: s.endpoint?.signaturePrefix ?? '',
        },
      )
    : ({ ok: false, reason: 'no_webhook_secret_configured' } as const);
  if (!verdict.ok) rejectInbound(ctx, s, verdict.reason, 'inbound webhook rejected');
  const contentType = String(req.headers['content-type'] ?? '').slice(0, 200);
  // Stored with its processing job in one transaction, grouped with concurrent requests (inbound-writer.ts).
  ctx.ingestPriority.recordIngest();
  const id = await ctx.inboundWriter.write({
    workspaceId: s.workspaceId,
    sourceKind: s.kind,
    sourceId: s.id,
    vendor: s.vendor,
    dedupeId: verdict.dedupeId,
    contentType,
    headers: keptHeaders(req.headers),
    body: req.body,
    receivedAt: ctx.clock.now(),
  });
  ctx.metrics.inbound(id ? 'verified' : 'duplicate', s.vendor);
  return id ? { id, duplicate: false } : { id: null, duplicate: true };
}

/**
 * Whether a connection accepts webhooks: the URL check some vendors make before they send anything (Mailchimp's
 * validator GETs the configured URL, `?secret=` included). For URL-secret vendors the secret is checked as on a
 * POST — 401, logged and counted otherwise — so the check cannot be used to probe connections; vendors that sign
 * bodies have nothing to verify on a bodiless GET.
 */
export async function checkInboundConnection(
  ctx: WebhooksContext,
  connectionId: string,
  req: Pick<RawInbound, 'url' | 'headers'>,
): Promise<{ vendor: string }> {
  const s = await resolveSource(ctx, { kind: 'connection', id: connectionId });
  if (s.verifier === 'url_secret') {
    const verdict = s.secret
      ? VERIFIERS.url_secret(
          {
            method: 'GET',
            url: req.url,
            publicUrl: ctx.publicUrl,
            headers: req.headers,
            body: Buffer.alloc(0),
            nowMs: ctx.clock.nowMs(),
          },
          { secret: s.secret, toleranceSeconds: ctx.options.inboundToleranceSeconds },
        )
      : ({ ok: false, reason: 'no_webhook_secret_configured' } as const);
    if (!verdict.ok) rejectInbound(ctx, s, verdict.reason, 'inbound webhook URL check rejected');
  }
  return { vendor: s.vendor };
}

function parserOf(row: InboundWebhook): InboundParserKind {
  return row.sourceKind === 'endpoint' ? 'generic' : (VENDOR_WEBHOOKS[row.vendor]?.parser ?? 'generic');
}

/** Rows processed per transaction by a processing job. */
const PROCESS_BATCH = 50;
/** Transactions one job runs before it hands the rest to a follow-up job (keeps jobs short under a flood). */
const PROCESS_ROUNDS = 20;

/**
 * The body of `webhooks.process_inbound`: parse stored requests into canonical events and append them, in one
 * transaction with the rows' status. The ingest path enqueues ONE job per group-committed write (not one per
 * request), so a job processes every received row of its workspace, oldest first, in batches; the rows it was
 * enqueued for are among them, or were taken by an earlier job (rows are locked SKIP LOCKED, so jobs on several
 * workers split a backlog). A parse failure is recorded on its row (status failed, error) instead of retried.
 * Under an inbound burst this process stores first and processes after (inbound-priority.ts): the job waits, and
 * only one job per workspace runs here at a time.
 */
export async function processInbound(
  ctx: WebhooksContext,
  p: ProcessInboundPayload,
  job?: JobContext,
): Promise<void> {
  await ctx.ingestPriority.exclusive(p.workspaceId, async () => {
    for (let round = 0; round < PROCESS_ROUNDS; round++) {
      const waited = await ctx.ingestPriority.waitForIngest();
      if (waited > 0) ctx.metrics.processingDeferred(waited);
      const n = await processInboundBatch(ctx, p.workspaceId, job);
      if (n < PROCESS_BATCH) return;
    }
    // Still more waiting: a follow-up job continues; the rows stay `received` (durable) until it runs.
    await enqueue(ctx.db, ctx.jobs, 'webhooks.process_inbound', p);
  });
}

/** One transaction: lock up to PROCESS_BATCH received rows, parse, append their events, record their outcome. */
async function processInboundBatch(
  ctx: WebhooksContext,
  workspaceId: string,
  job?: JobContext,
): Promise<number> {
  return inTransaction(ctx.db, async (tx) => {
    const rows = await lockReceivedBatch(tx, workspaceId, PROCESS_BATCH);
    if (rows.length === 0) return 0;
    const eventTypes = new Map<string, string>();
    const actor = systemActor(workspaceId);
    const outcomes: InboundOutcome[] = [];
    const appended: Parameters<WebhooksContext['events']['appendMany']>[2][number][] = [];
    const at = ctx.clock.now();
    for (const r of rows) {
      let eventType = 'webhook.received';
      if (r.sourceKind === 'endpoint') {
        if (!eventTypes.has(r.sourceId)) {
          const ep = await findEndpoint(tx, r.sourceId, r.workspaceId);
          eventTypes.set(r.sourceId, ep?.eventType ?? 'webhook.received');
        }
        eventType = eventTypes.get(r.sourceId)!;
      }
      let events;
      try {
        events = PARSERS[parserOf(r)]({
          body: r.body,
          contentType: r.contentType,
          source: { kind: r.sourceKind, id: r.sourceId, vendor: r.vendor, inboundId: r.id },
          eventType,
        });
      } catch (e) {
        if (!(e instanceof InboundParseError)) throw e;
        outcomes.push({ id: r.id, status: 'failed', error: e.message, eventsEmitted: 0 });
        ctx.metrics.processed('failed', r.vendor);
        (job?.logger ?? ctx.logger).warn(
          { inbound_id: r.id, err: e.message },
          'inbound webhook could not be parsed',
        );
        continue;
      }
      for (const e of events) appended.push({ type: e.type, subject: e.subject, payload: e.payload, actor });
      outcomes.push({ id: r.id, status: 'processed', error: null, eventsEmitted: events.length });
      ctx.metrics.processed('processed', r.vendor);
    }
    // One statement for the batch's events, in row order (rows are oldest first).
    await ctx.events.appendMany(tx, workspaceId, appended);
    await finishInboundRows(tx, outcomes, at);
    return rows.length;
  });
}

/** Puts a failed inbound webhook back through processing (after a parser fix). */
export async function reprocessInbound(ctx: WebhooksContext, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  await inTransaction(ctx.db, async (tx) => {
    const row = await findInbound(tx, id, { workspaceId: actor.workspaceId, forUpdate: true });
    if (!row) throw new NotFoundError('Inbound webhook', id);
    if (row.status === 'processed') throw new InboundAlreadyProcessedError(id);
    await resetInbound(tx, id);
    await enqueue(tx, ctx.jobs, 'webhooks.process_inbound', { workspaceId: row.workspaceId, inboundId: id });
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.inbound.reprocess',
      subject: `inbound_webhook:${id}`,
    });
  });
}

export async function pageInbound(
  ctx: WebhooksContext,
  actor: Actor,
  q: {
    status?: InboundStatus | undefined;
    sourceId?: string | undefined;
    before?: { receivedAt: Date; id: string } | undefined;
    limit: number;
  },
): Promise<{ items: InboundWebhook[]; next: InboundWebhook | null }> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const rows = await listInbound(ctx.db, { ...q, workspaceId: actor.workspaceId, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  return { items, next: rows.length > q.limit ? (items.at(-1) ?? null) : null };
}

export async function getInbound(ctx: WebhooksContext, actor: Actor, id: string): Promise<InboundWebhook> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const row = await findInbound(ctx.db, id, { workspaceId: actor.workspaceId });
  if (!row) throw new NotFoundError('Inbound webhook', id);
  return row;
}

export interface EndpointInput {
  name: string;
  scheme: InboundScheme;
  /** The sender's secret; generated (and returned once) when absent. */
  secret?: string | undefined;
  signatureHeader?: string | null | undefined;
  signatureEncoding?: 'hex' | 'base64' | null | undefined;
  signaturePrefix?: string | undefined;
  eventType?: string | undefined;
  enabled?: boolean | undefined;
}

function checkEndpoint(w: EndpointWrite): void {
  if (w.scheme === 'hmac_sha256' && !w.signatureHeader)
    throw new ValidationError('An hmac_sha256 endpoint needs signatureHeader (e.g. "x-signature")', {
      fields: [{ location: 'body', path: 'signatureHeader', message: 'is required for hmac_sha256' }],
    });
  if (!isValidEventType(w.eventType))
    throw new ValidationError(`Invalid event type "${w.eventType}"`, {
      fields: [
        { location: 'body', path: 'eventType', message: 'must be dotted lower case, e.g. "shop.order_paid"' },
      ],
    });
}

export async function createEndpoint(
  ctx: WebhooksContext,
  actor: Actor,
  input: EndpointInput,
): Promise<{ endpoint: InboundEndpoint; secret: string }> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  const write: EndpointWrite = {
    name: input.name,
    scheme: input.scheme,
    signatureHeader: input.scheme === 'hmac_sha256' ? (input.signatureHeader?.toLowerCase() ?? null) : null,
    signatureEncoding: input.scheme === 'hmac_sha256' ? (input.signatureEncoding ?? 'hex') : null,
    signaturePrefix: input.signaturePrefix ?? '',
    eventType: input.eventType ?? 'webhook.received',
    enabled: input.enabled ?? true,
  };
  checkEndpoint(write);
  const secret =
    input.secret ??
    (input.scheme === 'standard_webhooks' ? generateWebhookSecret() : randomBytes(32).toString('base64url'));
  const endpoint = await inTransaction(ctx.db, async (tx) => {
    const ep = await insertEndpoint(
      tx,
      actor.workspaceId,
      { ...write, secretCipher: ctx.secrets.encrypt(secret) },
      ctx.clock.now(),
    );
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.endpoint.create',
      subject: `webhook_endpoint:${ep.id}`,
      after: { ...write, id: ep.id },
    });
    return ep;
  });
  return { endpoint, secret };
}

export async function listWorkspaceEndpoints(ctx: WebhooksContext, actor: Actor): Promise<InboundEndpoint[]> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  return listEndpoints(ctx.db, actor.workspaceId);
}

export async function getEndpoint(ctx: WebhooksContext, actor: Actor, id: string): Promise<InboundEndpoint> {
  authorize(actor, 'webhooks.read', { workspaceId: actor.workspaceId });
  const ep = await findEndpoint(ctx.db, id, actor.workspaceId);
  if (!ep) throw new NotFoundError('Webhook endpoint', id);
  return ep;
}

export async function updateEndpoint(
  ctx: WebhooksContext,
  actor: Actor,
  id: string,
  patch: { [K in Exclude<keyof EndpointInput, 'scheme'>]?: EndpointInput[K] | undefined },
): Promise<InboundEndpoint> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const before = await findEndpoint(tx, id, actor.workspaceId);
    if (!before) throw new NotFoundError('Webhook endpoint', id);
    const merged: EndpointWrite = {
      name: patch.name ?? before.name,
      scheme: before.scheme,
      signatureHeader:
        patch.signatureHeader !== undefined
          ? (patch.signatureHeader?.toLowerCase() ?? null)
          : before.signatureHeader,
      signatureEncoding:
        patch.signatureEncoding !== undefined ? patch.signatureEncoding : before.signatureEncoding,
      signaturePrefix: patch.signaturePrefix ?? before.signaturePrefix,
      eventType: patch.eventType ?? before.eventType,
      enabled: patch.enabled ?? before.enabled,
    };
    checkEndpoint(merged);
    const after = await updateEndpointRow(
      tx,
      actor.workspaceId,
      id,
      {
        ...merged,
        ...(patch.secret !== undefined ? { secretCipher: ctx.secrets.encrypt(patch.secret) } : {}),
      },
      ctx.clock.now(),
    );
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.endpoint.update',
      subject: `webhook_endpoint:${id}`,
      after: merged,
    });
    forgetSource(ctx, 'endpoint', id);
    return after!;
  });
}

export async function deleteEndpoint(ctx: WebhooksContext, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'webhooks.manage', { workspaceId: actor.workspaceId });
  await inTransaction(ctx.db, async (tx) => {
    if (!(await deleteEndpointRow(tx, actor.workspaceId, id)))
      throw new NotFoundError('Webhook endpoint', id);
    forgetSource(ctx, 'endpoint', id);
    await ctx.audit.record(tx, actor, {
      action: 'webhooks.endpoint.delete',
      subject: `webhook_endpoint:${id}`,
    });
  });
}
