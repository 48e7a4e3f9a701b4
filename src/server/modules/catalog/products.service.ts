/**
 * Product use cases. Each is one transaction: authorize → load → change → persist → event + audit → enqueue the
 * propagation (outbox), so a product change and the job that carries it into bundles commit together.
 */
import type { Actor } from '../../platform/auth/index.js';
import { authorize } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import { enqueue } from '../../platform/queue/index.js';
import type { CatalogContext } from './catalog.context.js';
import {
  isUniqueViolation,
  ProductInUseError,
  ProductSkuTakenError,
  ProductVersionConflictError,
} from './catalog.errors.js';
import { propagationDedupeKey } from './catalog.jobs.js';
import { diffProductFields, normalizePrice, type PropagatedField } from './catalog.snapshot.js';
import type { ProductStatus } from './catalog.tables.js';
import {
  countProductUses,
  deleteProductRow,
  findProduct,
  insertProduct,
  listProducts,
  updateProductRow,
  type Product,
  type ProductWrite,
} from './products.repo.js';
import {
  countStaleBundles,
  insertPropagation,
  listPropagations,
  type Propagation,
} from './propagation.repo.js';

export interface CreateProductInput {
  sku: string;
  name: string;
  description?: string | undefined;
  price: string;
  currency: string;
  imageUrl?: string | null | undefined;
  status?: ProductStatus | undefined;
}

/** Only the fields present change; `imageUrl: null` removes the image. */
export type UpdateProductInput = { [K in keyof CreateProductInput]?: CreateProductInput[K] | undefined };

const subjectOf = (id: string) => `product:${id}`;

/** What events and audit entries say about a product (everything but timestamps). */
function summarize(p: Product) {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    price: p.price,
    currency: p.currency,
    status: p.status,
    version: p.version,
  };
}

export async function createProduct(
  ctx: CatalogContext,
  actor: Actor,
  input: CreateProductInput,
): Promise<Product> {
  authorize(actor, 'catalog.write', { workspaceId: actor.workspaceId });
  const write: ProductWrite = {
    sku: input.sku,
    name: input.name,
    description: input.description ?? '',
    price: normalizePrice(input.price),
    currency: input.currency,
    imageUrl: input.imageUrl ?? null,
    status: input.status ?? 'active',
  };
  return inTransaction(ctx.db, async (tx) => {
    const product = await insertProduct(tx, actor.workspaceId, write, ctx.clock.now());
    if (!product) throw new ProductSkuTakenError(input.sku);
    await ctx.events.append(tx, {
      workspaceId: actor.workspaceId,
      type: 'product.created',
      subject: subjectOf(product.id),
      payload: summarize(product),
      actor,
    });
    await ctx.audit.record(tx, actor, {
      action: 'catalog.product.create',
      subject: subjectOf(product.id),
      after: summarize(product),
    });
    return product;
  });
}

export async function getProduct(ctx: CatalogContext, actor: Actor, id: string): Promise<Product> {
  authorize(actor, 'catalog.read', { workspaceId: actor.workspaceId });
  const product = await findProduct(ctx.db, actor.workspaceId, id);
  if (!product) throw new NotFoundError('Product', id);
  return product;
}

export async function pageProducts(
  ctx: CatalogContext,
  actor: Actor,
  q: { status?: ProductStatus | undefined; afterSku?: string | undefined; limit: number },
): Promise<{ items: Product[]; nextAfterSku: string | null }> {
  authorize(actor, 'catalog.read', { workspaceId: actor.workspaceId });
  const rows = await listProducts(ctx.db, { workspaceId: actor.workspaceId, ...q, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  return { items, nextAfterSku: rows.length > q.limit ? (items.at(-1)?.sku ?? null) : null };
}

/**
 * Applies `patch` to the product at `expectedVersion`. A real change bumps the version, emits `product.updated`
 * (or `product.discontinued` when the status becomes discontinued), and enqueues its propagation; a patch that
 * changes nothing returns the product unchanged.
 */
export async function updateProduct(
  ctx: CatalogContext,
  actor: Actor,
  id: string,
  expectedVersion: number,
  patch: UpdateProductInput,
): Promise<Product> {
  authorize(actor, 'catalog.write', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const current = await loadAtVersion(tx, actor, id, expectedVersion);
    const next: ProductWrite = {
      sku: patch.sku ?? current.sku,
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      price: patch.price !== undefined ? normalizePrice(patch.price) : current.price,
      currency: patch.currency ?? current.currency,
      imageUrl: patch.imageUrl !== undefined ? patch.imageUrl : current.imageUrl,
      status: patch.status ?? current.status,
    };
    const changed = diffProductFields(current, next);
    if (changed.length === 0) return current;
    const updated = await writeProduct(tx, ctx, actor, id, expectedVersion, next);
    const type =
      changed.includes('status') && updated.status === 'discontinued'
        ? 'product.discontinued'
        : 'product.updated';
    await ctx.events.append(tx, {
      workspaceId: actor.workspaceId,
      type,
      subject: subjectOf(id),
      payload: { ...summarize(updated), changed },
      actor,
    });
    await ctx.audit.record(tx, actor, {
      action: type === 'product.discontinued' ? 'catalog.product.discontinue' : 'catalog.product.update',
      subject: subjectOf(id),
      before: pick(current, changed),
      after: { ...pick(updated, changed), version: updated.version },
    });
    await schedulePropagation(ctx, tx, updated, changed);
    return updated;
  });
}

/** Deletes a product no bundle or content references (409 PRODUCT_IN_USE otherwise: discontinue it instead). */
export async function deleteProduct(
  ctx: CatalogContext,
  actor: Actor,
  id: string,
  expectedVersion: number,
): Promise<void> {
  authorize(actor, 'catalog.delete', { workspaceId: actor.workspaceId });
  await inTransaction(ctx.db, async (tx) => {
    const current = await loadAtVersion(tx, actor, id, expectedVersion);
    const uses = await countProductUses(tx, id);
    if (uses.bundles > 0 || uses.content > 0) throw new ProductInUseError(uses);
    await deleteProductRow(tx, actor.workspaceId, id);
    await ctx.events.append(tx, {
      workspaceId: actor.workspaceId,
      type: 'product.deleted',
      subject: subjectOf(id),
      payload: summarize(current),
      actor,
    });
    await ctx.audit.record(tx, actor, {
      action: 'catalog.product.delete',
      subject: subjectOf(id),
      before: summarize(current),
    });
  });
}

export interface PropagationStatusView {
  productId: string;
  productVersion: number;
  /** Of the newest change: pending (queued), running, or done. `done` too when the product never changed. */
  status: Propagation['status'];
  /** Bundles containing the product whose snapshot is not at its current version yet. */
  bundlesStale: number;
  /** Newest first (up to 20). */
  changes: Propagation[];
}

export async function getPropagationStatus(
  ctx: CatalogContext,
  actor: Actor,
  productId: string,
): Promise<PropagationStatusView> {
  const product = await getProduct(ctx, actor, productId);
  const changes = await listPropagations(ctx.db, productId, 20);
  return {
    productId,
    productVersion: product.version,
    status: changes[0]?.status ?? 'done',
    bundlesStale: await countStaleBundles(ctx.db, productId, product.version),
    changes,
  };
}

async function loadAtVersion(
  tx: Executor,
  actor: Actor,
  id: string,
  expectedVersion: number,
): Promise<Product> {
  const current = await findProduct(tx, actor.workspaceId, id, { forUpdate: true });
  if (!current) throw new NotFoundError('Product', id);
  if (current.version !== expectedVersion) throw new ProductVersionConflictError(current.version);
  return current;
}

async function writeProduct(
  tx: Executor,
  ctx: CatalogContext,
  actor: Actor,
  id: string,
  expectedVersion: number,
  next: ProductWrite,
): Promise<Product> {
  try {
    // The row is locked by loadAtVersion, so only a unique SKU clash can make this fail.
    const updated = await updateProductRow(tx, actor.workspaceId, id, expectedVersion, next, ctx.clock.now());
    if (!updated) throw new ProductVersionConflictError(expectedVersion);
    return updated;
  } catch (e) {
    if (isUniqueViolation(e)) throw new ProductSkuTakenError(next.sku);
    throw e;
  }
}

/**
 * Records the change as pending and enqueues its job, both in the caller's transaction. A product nothing uses is
 * recorded as done at once, without a job. That is safe against a bundle being created concurrently: bundle writes
 * take shared locks on their products, so they either committed before our row lock (and are counted here) or wait
 * for this transaction and snapshot the new version.
 */
async function schedulePropagation(
  ctx: CatalogContext,
  tx: Executor,
  product: Product,
  changed: PropagatedField[],
): Promise<void> {
  const payload = {
    workspaceId: product.workspaceId,
    productId: product.id,
    productVersion: product.version,
  };
  const uses = await countProductUses(tx, product.id);
  const now = ctx.clock.now();
  if (uses.bundles === 0 && uses.content === 0) {
    await insertPropagation(tx, { ...payload, changedFields: changed, done: true }, now);
    return;
  }
  await insertPropagation(tx, { ...payload, changedFields: changed }, now);
  await enqueue(tx, ctx.jobs, 'catalog.propagate_product', payload, {
    dedupeKey: propagationDedupeKey(payload),
  });
}

function pick(p: Product, fields: readonly PropagatedField[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, p[f]]));
}
