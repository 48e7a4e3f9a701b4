/**
 * Pure rules for a bundle's denormalized product snapshot: what a product looks like inside a bundle, replacing one
 * product's entry, and whether the bundle may be published. No I/O, so propagation and edits share them exactly.
 */
import type { ProductStatus, SnapshotEntry } from './catalog.tables.js';

/** The product fields a bundle copies. A change to any of them propagates. */
export const PROPAGATED_FIELDS = [
  'sku',
  'name',
  'description',
  'price',
  'currency',
  'imageUrl',
  'status',
] as const;
export type PropagatedField = (typeof PROPAGATED_FIELDS)[number];

export interface ProductFields {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: string;
  currency: string;
  imageUrl: string | null;
  status: ProductStatus;
  version: number;
}

export function toSnapshotEntry(p: ProductFields): SnapshotEntry {
  return {
    productId: p.id,
    sku: p.sku,
    name: p.name,
    description: p.description,
    price: p.price,
    currency: p.currency,
    imageUrl: p.imageUrl,
    status: p.status,
    version: p.version,
  };
}

/**
 * Replaces the entry of `product` in `snapshot`, keeping item order. An entry that already holds this version or a
 * newer one is left alone, so applying an old change twice, or after a newer one, never moves the snapshot back.
 */
export function replaceSnapshotEntry(
  snapshot: readonly SnapshotEntry[],
  product: ProductFields,
): SnapshotEntry[] {
  return snapshot.map((e) =>
    e.productId === product.id && e.version < product.version ? toSnapshotEntry(product) : e,
  );
}

/** Why the bundle cannot be published right now (a discontinued product in it), or null when it can. */
export function computeNotPublishableReason(snapshot: readonly SnapshotEntry[]): string | null {
  const gone = snapshot.filter((e) => e.status === 'discontinued').map((e) => e.sku);
  if (gone.length === 0) return null;
  return gone.length === 1
    ? `product ${gone[0]} is discontinued`
    : `products ${gone.join(', ')} are discontinued`;
}

/** The fields whose value differs between `before` and `after` (in PROPAGATED_FIELDS order). */
export function diffProductFields(
  before: Omit<ProductFields, 'id' | 'version'>,
  after: Omit<ProductFields, 'id' | 'version'>,
): PropagatedField[] {
  return PROPAGATED_FIELDS.filter((f) =>
    f === 'price' ? normalizePrice(before.price) !== normalizePrice(after.price) : before[f] !== after[f],
  );
}

/** Canonical decimal text: no leading zeros, at least two and at most four decimals ("19.9900" → "19.99"). */
export function normalizePrice(price: string): string {
  const m = /^(\d+)(?:\.(\d+))?$/.exec(price.trim());
  if (!m) throw new Error(`not a decimal price: ${price}`);
  const whole = m[1]!.replace(/^0+(?=\d)/, '');
  const frac = (m[2] ?? '').replace(/0+$/, '').padEnd(2, '0');
  return `${whole}.${frac}`;
}

/** Marker on content reasons we set, so we only ever clear our own. */
export const CATALOG_REASON_PREFIX = 'catalog: ';
