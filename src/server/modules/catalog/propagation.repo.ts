/**
 * SQL for propagating a product change: the `product_propagations` status rows, the batch that refreshes bundle
 * snapshots, and the one cross-module write the catalog makes — `content_items.source_changed_at` and
 * `not_publishable_reason` of content linked to the product or its bundles (agreed with the content module, which
 * owns the table; nothing else of content is touched here).
 */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import type { PropagationStatus, SnapshotEntry } from './catalog.tables.js';
import { CATALOG_REASON_PREFIX } from './catalog.snapshot.js';

export interface Propagation {
  productId: string;
  productVersion: number;
  changedFields: string[];
  status: PropagationStatus;
  bundlesTotal: number;
  bundlesUpdated: number;
  contentFlagged: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export async function insertPropagation(
  executor: Executor,
  input: {
    workspaceId: string;
    productId: string;
    productVersion: number;
    changedFields: string[];
    /** Nothing to propagate to: recorded as done at once. */
    done?: boolean;
  },
  now: Date,
): Promise<void> {
  await executor
    .insertInto('product_propagations')
    .values({
      workspace_id: input.workspaceId,
      product_id: input.productId,
      product_version: input.productVersion,
      changed_fields: input.changedFields,
      status: input.done ? 'done' : 'pending',
      created_at: now,
      ...(input.done ? { started_at: now, finished_at: now } : {}),
    })
    .onConflict((oc) => oc.columns(['product_id', 'product_version']).doNothing())
    .execute();
}

/** Newest first. */
export async function listPropagations(
  executor: Executor,
  productId: string,
  limit: number,
): Promise<Propagation[]> {
  const rows = await executor
    .selectFrom('product_propagations')
    .selectAll()
    .where('product_id', '=', productId)
    .orderBy('product_version', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    productId: r.product_id,
    productVersion: r.product_version,
    changedFields: r.changed_fields,
    status: r.status,
    bundlesTotal: r.bundles_total,
    bundlesUpdated: r.bundles_updated,
    contentFlagged: r.content_flagged,
    createdAt: new Date(r.created_at),
    startedAt: r.started_at ? new Date(r.started_at) : null,
    finishedAt: r.finished_at ? new Date(r.finished_at) : null,
  }));
}

/** Bundles containing the product whose snapshot is behind `version`. */
export async function countStaleBundles(
  executor: Executor,
  productId: string,
  version: number,
): Promise<number> {
  const r = await executor
    .selectFrom('bundle_items')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('product_id', '=', productId)
    .where('synced_version', '<', version)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Marks the change running (committed on its own, so the status API shows it) with the bundle count to do. */
export async function startPropagation(
  executor: Executor,
  productId: string,
  productVersion: number,
  bundlesTotal: number,
  now: Date,
): Promise<boolean> {
  const r = await executor
    .updateTable('product_propagations')
    // A retried job keeps its first start and total; only the counters move on.
    .set({
      status: 'running',
      started_at: sql<Date>`coalesce(started_at, ${now}::timestamptz)`,
      bundles_total: sql<number>`CASE WHEN status = 'pending' THEN ${bundlesTotal}::int ELSE bundles_total END`,
    })
    .where('product_id', '=', productId)
    .where('product_version', '=', productVersion)
    .where('status', '!=', 'done')
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function addPropagationProgress(
  executor: Executor,
  productId: string,
  productVersion: number,
  delta: { bundles: number; content: number },
): Promise<void> {
  await sql`
    UPDATE product_propagations
    SET bundles_updated = bundles_updated + ${delta.bundles}, content_flagged = content_flagged + ${delta.content}
    WHERE product_id = ${productId} AND product_version = ${productVersion}`.execute(executor);
}

export async function finishPropagation(
  executor: Executor,
  productId: string,
  productVersion: number,
  now: Date,
): Promise<void> {
  await executor
    .updateTable('product_propagations')
    .set({ status: 'done', finished_at: now })
    .where('product_id', '=', productId)
    .where('product_version', '=', productVersion)
    .execute();
}

/** Up to `limit` bundles behind `version`, locked in id order (the same order every writer locks them in). */
export async function lockStaleBundles(
  executor: Executor,
  productId: string,
  version: number,
  limit: number,
): Promise<{ id: string; workspaceId: string; snapshot: SnapshotEntry[] }[]> {
  const r = await sql<{ id: string; workspace_id: string; snapshot: SnapshotEntry[] | string }>`
    SELECT b.id, b.workspace_id, b.snapshot FROM bundles b
    WHERE b.id IN (
      SELECT bundle_id FROM bundle_items
      WHERE product_id = ${productId} AND synced_version < ${version}
      ORDER BY bundle_id LIMIT ${limit})
    ORDER BY b.id
    FOR UPDATE OF b`.execute(executor);
  return r.rows.map((row) => ({
    id: row.id,
    workspaceId: row.workspace_id,
    snapshot: typeof row.snapshot === 'string' ? (JSON.parse(row.snapshot) as SnapshotEntry[]) : row.snapshot,
  }));
}

/**
 * Writes refreshed snapshots and marks the product's items as synced to `version` — only where they are still
 * behind (re-checked under the bundle locks), so a replay or an older change writes nothing. Returns the ids written.
 */
export async function writeBundleSnapshots(
  executor: Executor,
  productId: string,
  version: number,
  rows: readonly { id: string; snapshot: SnapshotEntry[]; reason: string | null }[],
  now: Date,
): Promise<string[]> {
  if (rows.length === 0) return [];
  const synced = await sql<{ bundle_id: string }>`
    UPDATE bundle_items SET synced_version = ${version}
    WHERE product_id = ${productId} AND synced_version < ${version}
      AND bundle_id = ANY(${rows.map((r) => r.id)}::uuid[])
    RETURNING bundle_id`.execute(executor);
  const ids = new Set(synced.rows.map((r) => r.bundle_id));
  const todo = rows.filter((r) => ids.has(r.id));
  if (todo.length === 0) return [];
  await sql`
    UPDATE bundles b
    SET snapshot = t.snapshot::jsonb, not_publishable_reason = t.reason, snapshot_updated_at = ${now},
        updated_at = ${now}
    FROM unnest(${todo.map((r) => r.id)}::uuid[], ${todo.map((r) => JSON.stringify(r.snapshot))}::text[],
                ${todo.map((r) => r.reason)}::text[]) AS t(id, snapshot, reason)
    WHERE b.id = t.id`.execute(executor);
  return todo.map((r) => r.id);
}

/**
 * Flags content linked to the product (kind 'product') or to any of `bundleIds` (kind 'bundle'): the source
 * changed now; `reason` (prefixed) makes it not publishable, and null clears only a reason the catalog set.
 * Returns the flagged content ids.
 */
export async function flagLinkedContent(
  executor: Executor,
  input: {
    workspaceId: string;
    productId: string | null;
    bundleIds: readonly string[];
    reason: string | null;
  },
  now: Date,
): Promise<string[]> {
  const reason = input.reason === null ? null : CATALOG_REASON_PREFIX + input.reason;
  const r = await sql<{ id: string }>`
    UPDATE content_items c
    SET source_changed_at = ${now},
        not_publishable_reason = CASE
          WHEN ${reason}::text IS NOT NULL THEN ${reason}::text
          WHEN starts_with(coalesce(c.not_publishable_reason, ''), ${CATALOG_REASON_PREFIX}) THEN NULL
          ELSE c.not_publishable_reason END
    WHERE c.workspace_id = ${input.workspaceId}
      AND c.id IN (
        SELECT content_id FROM content_links
        WHERE (kind = 'product' AND target_id = ${input.productId}::uuid)
           OR (kind = 'bundle' AND target_id = ANY(${[...input.bundleIds]}::uuid[])))
    RETURNING c.id`.execute(executor);
  return r.rows.map((row) => row.id);
}
