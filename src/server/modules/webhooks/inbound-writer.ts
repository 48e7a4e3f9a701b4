/**
 * Group commit for inbound webhooks. Every verified request must be stored with its processing job in one
 * transaction before it is acknowledged; doing that one request at a time costs a transaction (and, embedded, a
 * WAL flush) per webhook. The writer gathers the requests that arrive while a write is in flight and stores them
 * together: one transaction, one multi-row INSERT … ON CONFLICT DO NOTHING for the rows, one processing job per
 * workspace of the batch. Each request still waits for the commit that contains it, so "2xx" keeps meaning "durably stored".
 *
 * Invariants: a request is answered only after its batch committed; a failed batch fails every request in it (the
 * sender retries); a webhook id repeated inside one batch is stored once, and the repeats are answered duplicate.
 */
import { sql } from 'kysely';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { enqueueMany, type JobCatalog } from '../../platform/queue/index.js';
import type { WebhookJobSchemas } from './webhooks.jobs.js';

export interface InboundRow {
  workspaceId: string;
  sourceKind: 'connection' | 'endpoint';
  sourceId: string;
  vendor: string;
  dedupeId: string;
  contentType: string;
  headers: Record<string, string>;
  body: Buffer;
  receivedAt: Date;
}

interface Pending {
  row: InboundRow;
  resolve: (id: string | null) => void;
  reject: (e: unknown) => void;
}

/** Rows per transaction at most; more wait for the next one. */
const MAX_BATCH = 500;

export class InboundWriter {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  /**
   * @param coveredByRunning Asked inside the write's transaction, per workspace of the batch: true when a
   *   processing run already going on in this process is bound to look at the workspace again after this commit
   *   (IngestPriority.joinRunning), so no job is enqueued for it. Only safe where nothing runs between this check
   *   and the commit, i.e. on the embedded database's single session; `() => false` elsewhere.
   */
  constructor(
    private readonly db: Executor,
    private readonly jobs: JobCatalog<WebhookJobSchemas>,
    private readonly coveredByRunning: (workspaceId: string) => boolean = () => false,
  ) {}

  /** Stores one request with its job; resolves to the new row id, or null when (source, webhook id) was seen. */
  write(row: InboundRow): Promise<string | null> {
    return new Promise((resolve, reject) => {
      this.queue.push({ row, resolve, reject });
      if (!this.flushing) this.flushing = this.drain();
    });
  }

  private async drain(): Promise<void> {
    // Let the requests already parsed in this turn of the event loop join the first batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      try {
        const ids = await this.store(batch.map((p) => p.row));
        batch.forEach((p, i) => p.resolve(ids[i] ?? null));
      } catch (e) {
        for (const p of batch) p.reject(e);
      }
    }
    this.flushing = null;
  }

  /** One transaction for the batch; returns the new id per row (null for a duplicate). */
  private async store(rows: InboundRow[]): Promise<(string | null)[]> {
    const key = (r: InboundRow) => `${r.sourceId}\u0000${r.dedupeId}`;
    const firstIndex = new Map<string, number>();
    rows.forEach((r, i) => {
      if (!firstIndex.has(key(r))) firstIndex.set(key(r), i);
    });
    const unique = rows.filter((r, i) => firstIndex.get(key(r)) === i);
    return inTransaction(this.db, async (tx) => {
      const inserted = await sql<{ id: string; source_id: string; dedupe_id: string }>`
        INSERT INTO inbound_webhooks
          (workspace_id, source_kind, source_id, vendor, dedupe_id, content_type, headers, body, status, received_at)
        SELECT w, k, s, v, d, ct, h::jsonb, b, 'received', r
        FROM unnest(${unique.map((r) => r.workspaceId)}::uuid[], ${unique.map((r) => r.sourceKind)}::text[],
                    ${unique.map((r) => r.sourceId)}::uuid[], ${unique.map((r) => r.vendor)}::text[],
                    ${unique.map((r) => r.dedupeId)}::text[], ${unique.map((r) => r.contentType)}::text[],
                    ${unique.map((r) => JSON.stringify(r.headers))}::text[], ${unique.map((r) => r.body)}::bytea[],
                    ${unique.map((r) => r.receivedAt)}::timestamptz[]) AS t(w, k, s, v, d, ct, h, b, r)
        ON CONFLICT (source_id, dedupe_id) DO NOTHING
        RETURNING id, source_id, dedupe_id`.execute(tx);
      const idByKey = new Map(inserted.rows.map((r) => [`${r.source_id}\u0000${r.dedupe_id}`, r.id]));
      const stored = unique.filter((r) => idByKey.has(key(r)));
      // One processing job per workspace of the batch, not per request: the job processes every received row of
      // its workspace (processInbound), so the rows stored here are covered once it runs. None when a run in this
      // process will look at the workspace again after this commit (during a burst, ingest first).
      const firstOfWorkspace = new Map<string, string>();
      for (const r of stored)
        if (!firstOfWorkspace.has(r.workspaceId)) firstOfWorkspace.set(r.workspaceId, idByKey.get(key(r))!);
      for (const workspaceId of [...firstOfWorkspace.keys()])
        if (this.coveredByRunning(workspaceId)) firstOfWorkspace.delete(workspaceId);
      await enqueueMany(
        tx,
        this.jobs,
        [...firstOfWorkspace].map(([workspaceId, inboundId]) => ({
          name: 'webhooks.process_inbound' as const,
          payload: { workspaceId, inboundId },
        })),
      );
      // Only the first occurrence of a key in the batch gets the id; later ones are duplicates.
      return rows.map((r, i) => (firstIndex.get(key(r)) === i ? (idByKey.get(key(r)) ?? null) : null));
    });
  }
}
