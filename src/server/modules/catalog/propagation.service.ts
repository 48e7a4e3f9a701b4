/**
 * Carrying one product change into every bundle that contains the product (the `catalog.propagate_product` job).
 *
 * - Batches: each batch of bundles is its own transaction (locks held briefly; a retry resumes where it stopped).
 * - Idempotent by product version: a bundle item records the product version its snapshot holds, and a batch only
 *   touches items still behind, re-checked under the bundle's row lock. A job always applies the product's *current*
 *   version, so two racing changes end with every bundle at the newest, whatever order their jobs run in.
 * - Every refreshed bundle gets a `bundle.updated` event; linked content is flagged `source_changed_at`, and while a
 *   product is discontinued, its bundles and their content are marked not publishable.
 */
import { systemActor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import type { JobContext } from '../../platform/queue/index.js';
import type { CatalogContext } from './catalog.context.js';
import type { PropagateProductPayload } from './catalog.jobs.js';
import { computeNotPublishableReason, replaceSnapshotEntry } from './catalog.snapshot.js';
import { findProduct, type Product } from './products.repo.js';
import {
  addPropagationProgress,
  countStaleBundles,
  finishPropagation,
  flagLinkedContent,
  lockStaleBundles,
  startPropagation,
  writeBundleSnapshots,
} from './propagation.repo.js';

const DEFAULT_BATCH = 200;

export interface PropagationResult {
  bundlesUpdated: number;
  contentFlagged: number;
}

export async function propagateProductChange(
  ctx: CatalogContext,
  payload: PropagateProductPayload,
  job?: Pick<JobContext, 'signal' | 'logger'>,
): Promise<PropagationResult> {
  const { workspaceId, productId, productVersion } = payload;
  const initial = await findProduct(ctx.db, workspaceId, productId);
  // Deleted since: nothing references it any more (deletion requires that), and its status rows went with it.
  if (!initial) return { bundlesUpdated: 0, contentFlagged: 0 };
  await startPropagation(
    ctx.db,
    productId,
    productVersion,
    await countStaleBundles(ctx.db, productId, initial.version),
    ctx.clock.now(),
  );
  const batchSize = ctx.propagationBatchSize ?? DEFAULT_BATCH;
  const result: PropagationResult = { bundlesUpdated: 0, contentFlagged: 0 };
  for (;;) {
    job?.signal.throwIfAborted();
    const batch = await inTransaction(ctx.db, (tx) => propagateBatch(ctx, tx, payload, batchSize));
    if (batch === null) break;
    result.bundlesUpdated += batch.bundlesUpdated;
    result.contentFlagged += batch.contentFlagged;
  }
  await inTransaction(ctx.db, async (tx) => {
    const product = await findProduct(tx, workspaceId, productId);
    if (!product) return;
    // Content linked to the product itself (content linked through bundles was flagged with its bundle's batch).
    const flagged = await flagLinkedContent(
      tx,
      { workspaceId, productId, bundleIds: [], reason: discontinuedReason(product) },
      ctx.clock.now(),
    );
    await emitContentFlagged(ctx, tx, workspaceId, flagged, productId);
    result.contentFlagged += flagged.length;
    await addPropagationProgress(tx, productId, productVersion, { bundles: 0, content: flagged.length });
    await finishPropagation(tx, productId, productVersion, ctx.clock.now());
    await ctx.audit.record(tx, systemActor(workspaceId), {
      action: 'catalog.product.propagate',
      subject: `product:${productId}`,
      after: { productVersion, appliedVersion: product.version, ...result },
    });
  });
  job?.logger.info({ productId, productVersion, ...result }, 'product change propagated');
  return result;
}

/** One batch: null when no bundle is behind the product's current version any more. */
async function propagateBatch(
  ctx: CatalogContext,
  tx: Executor,
  payload: PropagateProductPayload,
  limit: number,
): Promise<PropagationResult | null> {
  const { workspaceId, productId, productVersion } = payload;
  const product = await findProduct(tx, workspaceId, productId);
  if (!product) return null;
  const locked = await lockStaleBundles(tx, productId, product.version, limit);
  if (locked.length === 0) return null;
  const now = ctx.clock.now();
  const rows = locked.map((b) => {
    const snapshot = replaceSnapshotEntry(b.snapshot, product);
    return { id: b.id, snapshot, reason: computeNotPublishableReason(snapshot) };
  });
  const written = new Set(await writeBundleSnapshots(tx, productId, product.version, rows, now));
  const actor = systemActor(workspaceId);
  for (const row of rows) {
    if (!written.has(row.id)) continue;
    await ctx.events.append(tx, {
      workspaceId,
      type: 'bundle.updated',
      subject: `bundle:${row.id}`,
      payload: {
        id: row.id,
        cause: 'product_changed',
        productId,
        productVersion: product.version,
        publishable: row.reason === null,
        notPublishableReason: row.reason,
      },
      actor,
    });
  }
  // Content linked to these bundles takes its bundle's publishability (one statement per distinct reason).
  let contentFlagged = 0;
  const byReason = new Map<string | null, string[]>();
  for (const row of rows) {
    if (!written.has(row.id)) continue;
    byReason.set(row.reason, [...(byReason.get(row.reason) ?? []), row.id]);
  }
  for (const [reason, bundleIds] of byReason) {
    const flagged = await flagLinkedContent(tx, { workspaceId, productId: null, bundleIds, reason }, now);
    await emitContentFlagged(ctx, tx, workspaceId, flagged, productId);
    contentFlagged += flagged.length;
  }
  await addPropagationProgress(tx, productId, productVersion, {
    bundles: written.size,
    content: contentFlagged,
  });
  return { bundlesUpdated: written.size, contentFlagged };
}

function discontinuedReason(p: Product): string | null {
  return p.status === 'discontinued' ? `product ${p.sku} is discontinued` : null;
}

async function emitContentFlagged(
  ctx: CatalogContext,
  tx: Executor,
  workspaceId: string,
  contentIds: readonly string[],
  productId: string,
): Promise<void> {
  const actor = systemActor(workspaceId);
  for (const id of contentIds) {
    await ctx.events.append(tx, {
      workspaceId,
      type: 'content.source_changed',
      subject: `content:${id}`,
      payload: { id, source: { kind: 'product', id: productId } },
      actor,
    });
  }
}
