/** HTTP pieces the catalog routes share: the If-Match precondition and response shapes. */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors/index.js';
import { PreconditionRequiredError } from './catalog.errors.js';
import { PRODUCT_STATUSES, PROPAGATION_STATUSES, type SnapshotEntry } from './catalog.tables.js';
import type { Bundle } from './bundles.repo.js';
import type { Product } from './products.repo.js';
import type { Propagation } from './propagation.repo.js';

/**
 * The expected version from `If-Match: "<version>"` (quotes optional, as curl users forget them). Mutations require
 * it: without one a client could silently overwrite a change it never saw (428 PRECONDITION_REQUIRED).
 */
export function readExpectedVersion(request: FastifyRequest): number {
  const raw = request.headers['if-match'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) throw new PreconditionRequiredError();
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  if (!m) {
    throw new ValidationError('If-Match must be the version you last read, e.g. If-Match: "3"', {
      fields: [{ location: 'headers', path: 'if-match', message: 'is not a version' }],
    });
  }
  return Number(m[1]);
}

export const ifMatchHeaders = z.looseObject({
  'if-match': z.string().max(40).optional().describe('The version you last read, quoted: "3" (required)'),
});

export const priceSchema = z
  .string()
  .regex(/^\d{1,10}(\.\d{1,4})?$/, 'must be a decimal with at most 4 decimals, e.g. "19.99"')
  .describe('Exact decimal as a string, e.g. "19.99"');

export const productSchema = z
  .object({
    id: z.string(),
    sku: z.string(),
    name: z.string(),
    description: z.string(),
    price: z.string(),
    currency: z.string(),
    imageUrl: z.string().nullable(),
    status: z.enum(PRODUCT_STATUSES),
    version: z.number().int().describe('Send it back as If-Match to change or delete the product'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A product');

export function toProductBody(p: Product): z.infer<typeof productSchema> {
  return {
    id: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: p.price,
    currency: p.currency,
    imageUrl: p.imageUrl,
    status: p.status,
    version: p.version,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

const snapshotEntrySchema = z.object({
  productId: z.string(),
  sku: z.string(),
  name: z.string(),
  description: z.string(),
  price: z.string(),
  currency: z.string(),
  imageUrl: z.string().nullable(),
  status: z.enum(PRODUCT_STATUSES),
  version: z.number().int().describe('Product version this snapshot holds'),
});

export const bundleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    body: z.string(),
    imageUrl: z.string().nullable(),
    items: z.array(
      z.object({
        productId: z.string(),
        quantity: z.number().int(),
        product: snapshotEntrySchema.nullable(),
      }),
    ),
    publishable: z.boolean(),
    notPublishableReason: z.string().nullable(),
    staleSince: z
      .string()
      .nullable()
      .describe('Set while a product change is not yet in the snapshot: when that change was made'),
    snapshotUpdatedAt: z.string(),
    version: z.number().int().describe('Send it back as If-Match to change or delete the bundle'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A bundle with the denormalized snapshot of its products');

export function toBundleBody(b: Bundle): z.infer<typeof bundleSchema> {
  const byProduct = new Map<string, SnapshotEntry>(b.snapshot.map((e) => [e.productId, e]));
  return {
    id: b.id,
    name: b.name,
    description: b.description,
    body: b.body,
    imageUrl: b.imageUrl,
    items: b.items.map((i) => ({
      productId: i.productId,
      quantity: i.quantity,
      product: byProduct.get(i.productId) ?? null,
    })),
    publishable: b.notPublishableReason === null,
    notPublishableReason: b.notPublishableReason,
    staleSince: b.staleSince?.toISOString() ?? null,
    snapshotUpdatedAt: b.snapshotUpdatedAt.toISOString(),
    version: b.version,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

export const propagationSchema = z.object({
  productVersion: z.number().int(),
  changedFields: z.array(z.string()),
  status: z.enum(PROPAGATION_STATUSES),
  bundlesTotal: z.number().int().describe('Bundles behind this version when the job started'),
  bundlesUpdated: z.number().int(),
  contentFlagged: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export function toPropagationBody(p: Propagation): z.infer<typeof propagationSchema> {
  return {
    productVersion: p.productVersion,
    changedFields: p.changedFields,
    status: p.status,
    bundlesTotal: p.bundlesTotal,
    bundlesUpdated: p.bundlesUpdated,
    contentFlagged: p.contentFlagged,
    createdAt: p.createdAt.toISOString(),
    startedAt: p.startedAt?.toISOString() ?? null,
    finishedAt: p.finishedAt?.toISOString() ?? null,
  };
}
