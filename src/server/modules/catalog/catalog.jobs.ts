/**
 * The catalog's jobs. `catalog.propagate_product` carries one product change (product version) into every bundle
 * containing the product and flags linked content. It is enqueued in the transaction that changed the product
 * (outbox), deduplicated per product version, and runs in a per-product lane so one product's changes apply in
 * order (the snapshot rules would converge on the newest anyway; the lane just avoids wasted work).
 */
import { z } from 'zod';
import { defineJobs, type JobContext } from '../../platform/queue/index.js';

export const propagateProductPayload = z
  .object({
    workspaceId: z.uuid(),
    productId: z.uuid(),
    productVersion: z.number().int().positive(),
  })
  .strict();
export type PropagateProductPayload = z.output<typeof propagateProductPayload>;

export type CatalogJobSchemas = { 'catalog.propagate_product': typeof propagateProductPayload };

export const PROPAGATE_PRODUCT_JOB = 'catalog.propagate_product';

export function propagationDedupeKey(p: PropagateProductPayload): string {
  return `${PROPAGATE_PRODUCT_JOB}:${p.productId}:${p.productVersion}`;
}

export function defineCatalogJobs(handlers: {
  propagateProduct: (payload: PropagateProductPayload, ctx: JobContext) => Promise<void>;
}) {
  return defineJobs<CatalogJobSchemas>({
    'catalog.propagate_product': {
      payload: propagateProductPayload,
      handler: handlers.propagateProduct,
      // Each batch commits on its own, so a retry resumes where the last attempt stopped.
      leaseMs: 2 * 60_000,
      retry: { maxAttempts: 10, baseMs: 1_000, maxMs: 5 * 60_000 },
      priority: 5,
      orderingKey: (p) => `catalog.product:${p.productId}`,
    },
  });
}
