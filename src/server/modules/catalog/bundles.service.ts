/**
 * Bundle use cases: a bundle is a set of products with quantities plus its own content fields, and a snapshot of its
 * products taken from their current versions whenever its product set is written (and refreshed by propagation
 * afterwards). One transaction each: authorize → load → change → persist → event + audit.
 */
import type { Actor } from '../../platform/auth/index.js';
import { authorize } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { NotFoundError, ValidationError } from '../../platform/errors/index.js';
import type { CatalogContext } from './catalog.context.js';
import { BundleProductUnknownError, BundleVersionConflictError } from './catalog.errors.js';
import { computeNotPublishableReason, toSnapshotEntry } from './catalog.snapshot.js';
import type { SnapshotEntry } from './catalog.tables.js';
import {
  deleteBundleRow,
  findBundle,
  insertBundle,
  listBundles,
  replaceBundleItems,
  updateBundleRow,
  type Bundle,
  type BundleFieldsWrite,
  type BundleItemWrite,
} from './bundles.repo.js';
import { findProducts } from './products.repo.js';

export interface BundleItemInput {
  productId: string;
  quantity: number;
}

export interface CreateBundleInput {
  name: string;
  description?: string | undefined;
  body?: string | undefined;
  imageUrl?: string | null | undefined;
  items: BundleItemInput[];
}

/** Only the fields present change. */
export type UpdateBundleInput = { [K in keyof CreateBundleInput]?: CreateBundleInput[K] | undefined };

const subjectOf = (id: string) => `bundle:${id}`;

function summarize(b: Bundle) {
  return {
    id: b.id,
    name: b.name,
    version: b.version,
    items: b.items.map((i) => ({ productId: i.productId, quantity: i.quantity })),
    notPublishableReason: b.notPublishableReason,
  };
}

export async function createBundle(
  ctx: CatalogContext,
  actor: Actor,
  input: CreateBundleInput,
): Promise<Bundle> {
  authorize(actor, 'catalog.write', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const now = ctx.clock.now();
    const built = await buildSnapshot(tx, actor.workspaceId, input.items);
    const id = await insertBundle(
      tx,
      actor.workspaceId,
      {
        name: input.name,
        description: input.description ?? '',
        body: input.body ?? '',
        imageUrl: input.imageUrl ?? null,
      },
      built.entries,
      built.reason,
      now,
    );
    await replaceBundleItems(tx, id, built.items);
    const bundle = (await findBundle(tx, actor.workspaceId, id))!;
    await recordBundleChange(ctx, tx, actor, 'bundle.created', bundle, null);
    return bundle;
  });
}

export async function getBundle(ctx: CatalogContext, actor: Actor, id: string): Promise<Bundle> {
  authorize(actor, 'catalog.read', { workspaceId: actor.workspaceId });
  const bundle = await findBundle(ctx.db, actor.workspaceId, id);
  if (!bundle) throw new NotFoundError('Bundle', id);
  return bundle;
}

export async function pageBundles(
  ctx: CatalogContext,
  actor: Actor,
  q: { after?: { createdAt: string; id: string } | undefined; productId?: string | undefined; limit: number },
): Promise<{ items: Bundle[]; nextAfter: { createdAt: string; id: string } | null }> {
  authorize(actor, 'catalog.read', { workspaceId: actor.workspaceId });
  const rows = await listBundles(ctx.db, { workspaceId: actor.workspaceId, ...q, limit: q.limit + 1 });
  const items = rows.slice(0, q.limit);
  const last = items.at(-1);
  return {
    items,
    nextAfter:
      rows.length > q.limit && last ? { createdAt: last.createdAt.toISOString(), id: last.id } : null,
  };
}

/** Edits the bundle at `expectedVersion`; new `items` replace the product set and re-take the snapshot. */
export async function updateBundle(
  ctx: CatalogContext,
  actor: Actor,
  id: string,
  expectedVersion: number,
  patch: UpdateBundleInput,
): Promise<Bundle> {
  authorize(actor, 'catalog.write', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const current = await loadAtVersion(tx, actor, id, expectedVersion);
    const fields: BundleFieldsWrite = {
      name: patch.name ?? current.name,
      description: patch.description ?? current.description,
      body: patch.body ?? current.body,
      imageUrl: patch.imageUrl !== undefined ? patch.imageUrl : current.imageUrl,
    };
    const built = patch.items ? await buildSnapshot(tx, actor.workspaceId, patch.items) : null;
    const now = ctx.clock.now();
    const ok = await updateBundleRow(tx, id, expectedVersion, fields, built, now);
    if (!ok) throw new BundleVersionConflictError(expectedVersion);
    if (built) await replaceBundleItems(tx, id, built.items);
    const updated = (await findBundle(tx, actor.workspaceId, id))!;
    await recordBundleChange(ctx, tx, actor, 'bundle.updated', updated, current);
    return updated;
  });
}

export async function deleteBundle(
  ctx: CatalogContext,
  actor: Actor,
  id: string,
  expectedVersion: number,
): Promise<void> {
  authorize(actor, 'catalog.delete', { workspaceId: actor.workspaceId });
  await inTransaction(ctx.db, async (tx) => {
    const current = await loadAtVersion(tx, actor, id, expectedVersion);
    await deleteBundleRow(tx, id);
    await recordBundleChange(ctx, tx, actor, 'bundle.deleted', null, current);
  });
}

async function loadAtVersion(
  tx: Executor,
  actor: Actor,
  id: string,
  expectedVersion: number,
): Promise<Bundle> {
  const current = await findBundle(tx, actor.workspaceId, id, { forUpdate: true });
  if (!current) throw new NotFoundError('Bundle', id);
  if (current.version !== expectedVersion) throw new BundleVersionConflictError(current.version);
  return current;
}

/** The snapshot of `items` from the products' current versions; unknown or repeated products are refused. */
async function buildSnapshot(
  tx: Executor,
  workspaceId: string,
  items: readonly BundleItemInput[],
): Promise<{ entries: SnapshotEntry[]; reason: string | null; items: BundleItemWrite[] }> {
  const ids = items.map((i) => i.productId);
  const repeated = ids.filter((pid, i) => ids.indexOf(pid) !== i);
  if (repeated.length) {
    throw new ValidationError('A product may appear once per bundle; raise its quantity instead', {
      fields: [{ location: 'body', path: 'items', message: `repeats ${[...new Set(repeated)].join(', ')}` }],
    });
  }
  // Shared locks: a product change committing meanwhile would otherwise see no bundle to propagate to, while this
  // bundle snapshots the version before it (see schedulePropagation).
  const products = new Map(
    (await findProducts(tx, workspaceId, ids, { forShare: true })).map((p) => [p.id, p]),
  );
  const unknown = ids.filter((pid) => !products.has(pid));
  if (unknown.length) throw new BundleProductUnknownError(unknown);
  const entries = items.map((i) => toSnapshotEntry(products.get(i.productId)!));
  return {
    entries,
    reason: computeNotPublishableReason(entries),
    items: items.map((i) => ({
      productId: i.productId,
      quantity: i.quantity,
      syncedVersion: products.get(i.productId)!.version,
    })),
  };
}

async function recordBundleChange(
  ctx: CatalogContext,
  tx: Executor,
  actor: Actor,
  type: 'bundle.created' | 'bundle.updated' | 'bundle.deleted',
  after: Bundle | null,
  before: Bundle | null,
): Promise<void> {
  const subject = subjectOf((after ?? before)!.id);
  await ctx.events.append(tx, {
    workspaceId: actor.workspaceId,
    type,
    subject,
    payload: { ...summarize((after ?? before)!), cause: 'edit' },
    actor,
  });
  await ctx.audit.record(tx, actor, {
    action: `catalog.${type}`,
    subject,
    ...(before ? { before: summarize(before) } : {}),
    ...(after ? { after: summarize(after) } : {}),
  });
}
