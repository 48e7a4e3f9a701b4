/** SQL for `products`. Prices are selected as text and normalized, so no float ever holds one. */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import type { ProductStatus } from './catalog.tables.js';
import { normalizePrice } from './catalog.snapshot.js';

export interface Product {
  id: string;
  workspaceId: string;
  sku: string;
  name: string;
  description: string;
  /** Exact decimal as text, e.g. "19.99". */
  price: string;
  currency: string;
  imageUrl: string | null;
  status: ProductStatus;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProductWrite {
  sku: string;
  name: string;
  description: string;
  price: string;
  currency: string;
  imageUrl: string | null;
  status: ProductStatus;
}

interface ProductRow {
  id: string;
  workspace_id: string;
  sku: string;
  name: string;
  description: string;
  price: string;
  currency: string;
  image_url: string | null;
  status: ProductStatus;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toProduct = (r: ProductRow): Product => ({
  id: r.id,
  workspaceId: r.workspace_id,
  sku: r.sku,
  name: r.name,
  description: r.description,
  price: normalizePrice(String(r.price)),
  currency: r.currency,
  imageUrl: r.image_url,
  status: r.status,
  version: r.version,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

function selectProducts(executor: Executor) {
  return executor
    .selectFrom('products')
    .select([
      'id',
      'workspace_id',
      'sku',
      'name',
      'description',
      sql<string>`price::text`.as('price'),
      'currency',
      'image_url',
      'status',
      'version',
      'created_at',
      'updated_at',
    ]);
}

export async function findProduct(
  executor: Executor,
  workspaceId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Product | null> {
  let q = selectProducts(executor).where('workspace_id', '=', workspaceId).where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const row = await q.executeTakeFirst();
  return row ? toProduct(row as ProductRow) : null;
}

/**
 * Products by id (any order); ids not in the workspace are simply absent. `forShare` locks them (in id order) until
 * the transaction ends, so a concurrent product change waits for it and then sees what it wrote.
 */
export async function findProducts(
  executor: Executor,
  workspaceId: string,
  ids: readonly string[],
  opts: { forShare?: boolean } = {},
): Promise<Product[]> {
  if (ids.length === 0) return [];
  let q = selectProducts(executor)
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...ids])
    .orderBy('id');
  if (opts.forShare) q = q.forShare();
  const rows = await q.execute();
  return rows.map((r) => toProduct(r as ProductRow));
}

export interface ProductListQuery {
  workspaceId: string;
  status?: ProductStatus | undefined;
  /** Exclusive: products whose SKU sorts after this. */
  afterSku?: string | undefined;
  limit: number;
}

/** A page ordered by SKU (unique per workspace, so the cursor is stable while rows change). */
export async function listProducts(executor: Executor, q: ProductListQuery): Promise<Product[]> {
  let query = selectProducts(executor).where('workspace_id', '=', q.workspaceId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.afterSku !== undefined) query = query.where('sku', '>', q.afterSku);
  const rows = await query.orderBy('sku').limit(q.limit).execute();
  return rows.map((r) => toProduct(r as ProductRow));
}

/** Inserts unless the SKU is taken in the workspace (then null). */
export async function insertProduct(
  executor: Executor,
  workspaceId: string,
  input: ProductWrite,
  now: Date,
): Promise<Product | null> {
  const inserted = await executor
    .insertInto('products')
    .values({
      workspace_id: workspaceId,
      sku: input.sku,
      name: input.name,
      description: input.description,
      price: input.price,
      currency: input.currency,
      image_url: input.imageUrl,
      status: input.status,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['workspace_id', 'sku']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted ? findProduct(executor, workspaceId, inserted.id) : null;
}

/** Writes `input` as version `expectedVersion + 1`; null when the row is no longer at `expectedVersion`. */
export async function updateProductRow(
  executor: Executor,
  workspaceId: string,
  id: string,
  expectedVersion: number,
  input: ProductWrite,
  now: Date,
): Promise<Product | null> {
  const updated = await executor
    .updateTable('products')
    .set({
      sku: input.sku,
      name: input.name,
      description: input.description,
      price: input.price,
      currency: input.currency,
      image_url: input.imageUrl,
      status: input.status,
      version: expectedVersion + 1,
      updated_at: now,
    })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('version', '=', expectedVersion)
    .returning('id')
    .executeTakeFirst();
  return updated ? findProduct(executor, workspaceId, id) : null;
}

export async function deleteProductRow(executor: Executor, workspaceId: string, id: string): Promise<void> {
  await executor
    .deleteFrom('products')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** What still references a product: bundles containing it and content items linking to it. */
export async function countProductUses(
  executor: Executor,
  productId: string,
): Promise<{ bundles: number; content: number }> {
  const r = await sql<{ bundles: number; content: number }>`
    SELECT (SELECT count(*)::int FROM bundle_items WHERE product_id = ${productId}) AS bundles,
           (SELECT count(*)::int FROM content_links WHERE kind = 'product' AND target_id = ${productId}) AS content
  `.execute(executor);
  return r.rows[0] ?? { bundles: 0, content: 0 };
}
