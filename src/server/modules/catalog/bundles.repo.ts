/**
 * SQL for `bundles` and `bundle_items`. A bundle's `staleSince` is derived on read — the time of the oldest product
 * change its snapshot has not caught up with — so a product change never writes every bundle in its own request.
 */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import type { SnapshotEntry } from './catalog.tables.js';

export interface BundleItem {
  productId: string;
  quantity: number;
  /** The product version the snapshot holds. */
  syncedVersion: number;
}

export interface Bundle {
  id: string;
  workspaceId: string;
  name: string;
  description: string;
  body: string;
  imageUrl: string | null;
  snapshot: SnapshotEntry[];
  items: BundleItem[];
  notPublishableReason: string | null;
  /** When a product change not yet in the snapshot happened; null when the snapshot is current. */
  staleSince: Date | null;
  version: number;
  snapshotUpdatedAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface BundleFieldsWrite {
  name: string;
  description: string;
  body: string;
  imageUrl: string | null;
}

export interface BundleItemWrite {
  productId: string;
  quantity: number;
  syncedVersion: number;
}

interface BundleRow {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  body: string;
  image_url: string | null;
  snapshot: SnapshotEntry[] | string;
  not_publishable_reason: string | null;
  version: number;
  snapshot_updated_at: Date;
  created_at: Date;
  updated_at: Date;
}

const parseJson = <T>(v: T | string): T => (typeof v === 'string' ? (JSON.parse(v) as T) : v);

/** Loads bundles with their items and derived staleness; result follows `rows` order. */
async function hydrate(executor: Executor, rows: BundleRow[]): Promise<Bundle[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const items = await executor
    .selectFrom('bundle_items')
    .select(['bundle_id', 'product_id', 'quantity', 'synced_version'])
    .where('bundle_id', 'in', ids)
    .orderBy('bundle_id')
    .orderBy('position')
    .execute();
  const stale = await sql<{ bundle_id: string; stale_since: Date }>`
    SELECT bi.bundle_id, min(pp.created_at) AS stale_since
    FROM bundle_items bi
    JOIN product_propagations pp ON pp.product_id = bi.product_id AND pp.product_version > bi.synced_version
    WHERE bi.bundle_id = ANY(${ids}::uuid[])
    GROUP BY bi.bundle_id`.execute(executor);
  const staleById = new Map(stale.rows.map((r) => [r.bundle_id, new Date(r.stale_since)]));
  const itemsById = new Map<string, BundleItem[]>();
  for (const it of items) {
    const list = itemsById.get(it.bundle_id) ?? [];
    list.push({ productId: it.product_id, quantity: it.quantity, syncedVersion: it.synced_version });
    itemsById.set(it.bundle_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    workspaceId: r.workspace_id,
    name: r.name,
    description: r.description,
    body: r.body,
    imageUrl: r.image_url,
    snapshot: parseJson(r.snapshot),
    items: itemsById.get(r.id) ?? [],
    notPublishableReason: r.not_publishable_reason,
    staleSince: staleById.get(r.id) ?? null,
    version: r.version,
    snapshotUpdatedAt: new Date(r.snapshot_updated_at),
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  }));
}

export async function findBundle(
  executor: Executor,
  workspaceId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Bundle | null> {
  let q = executor
    .selectFrom('bundles')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  if (!row) return null;
  const [bundle] = await hydrate(executor, [row as BundleRow]);
  return bundle ?? null;
}

export interface BundleListQuery {
  workspaceId: string;
  after?: { createdAt: string; id: string } | undefined;
  /** Only bundles containing this product. */
  productId?: string | undefined;
  limit: number;
}

/** A page in creation order (created_at, id): stable while bundles are edited. */
export async function listBundles(executor: Executor, q: BundleListQuery): Promise<Bundle[]> {
  let query = executor.selectFrom('bundles').selectAll().where('workspace_id', '=', q.workspaceId);
  const after = q.after;
  if (after) {
    query = query.where((eb) =>
      eb.or([
        eb('created_at', '>', new Date(after.createdAt)),
        eb.and([eb('created_at', '=', new Date(after.createdAt)), eb('id', '>', after.id)]),
      ]),
    );
  }
  if (q.productId) {
    const productId = q.productId;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('bundle_items')
          .select('bundle_items.bundle_id')
          .whereRef('bundle_items.bundle_id', '=', 'bundles.id')
          .where('bundle_items.product_id', '=', productId),
      ),
    );
  }
  const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit).execute();
  return hydrate(executor, rows as BundleRow[]);
}

export async function insertBundle(
  executor: Executor,
  workspaceId: string,
  fields: BundleFieldsWrite,
  snapshot: SnapshotEntry[],
  reason: string | null,
  now: Date,
): Promise<string> {
  const row = await executor
    .insertInto('bundles')
    .values({
      workspace_id: workspaceId,
      name: fields.name,
      description: fields.description,
      body: fields.body,
      image_url: fields.imageUrl,
      snapshot: JSON.stringify(snapshot),
      not_publishable_reason: reason,
      snapshot_updated_at: now,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Replaces the bundle's items (the snapshot is written by the caller in the same transaction). */
export async function replaceBundleItems(
  executor: Executor,
  bundleId: string,
  items: readonly BundleItemWrite[],
): Promise<void> {
  await executor.deleteFrom('bundle_items').where('bundle_id', '=', bundleId).execute();
  if (items.length === 0) return;
  await executor
    .insertInto('bundle_items')
    .values(
      items.map((it, position) => ({
        bundle_id: bundleId,
        product_id: it.productId,
        position,
        quantity: it.quantity,
        synced_version: it.syncedVersion,
      })),
    )
    .execute();
}

/** An edit of the bundle itself: bumps its version; false when it is no longer at `expectedVersion`. */
export async function updateBundleRow(
  executor: Executor,
  id: string,
  expectedVersion: number,
  fields: BundleFieldsWrite,
  snapshot: { entries: SnapshotEntry[]; reason: string | null } | null,
  now: Date,
): Promise<boolean> {
  const r = await executor
    .updateTable('bundles')
    .set({
      name: fields.name,
      description: fields.description,
      body: fields.body,
      image_url: fields.imageUrl,
      version: expectedVersion + 1,
      updated_at: now,
      ...(snapshot
        ? {
            snapshot: JSON.stringify(snapshot.entries),
            not_publishable_reason: snapshot.reason,
            snapshot_updated_at: now,
          }
        : {}),
    })
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

export async function deleteBundleRow(executor: Executor, id: string): Promise<void> {
  await executor.deleteFrom('bundles').where('id', '=', id).execute();
}
