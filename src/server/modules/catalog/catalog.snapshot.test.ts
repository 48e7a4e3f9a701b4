import { describe, expect, it } from 'vitest';
import {
  computeNotPublishableReason,
  diffProductFields,
  normalizePrice,
  replaceSnapshotEntry,
  toSnapshotEntry,
  type ProductFields,
} from './catalog.snapshot.js';

const product = (over: Partial<ProductFields> = {}): ProductFields => ({
  id: 'p1',
  sku: 'SKU-1',
  name: 'Mug',
  description: '',
  price: '9.50',
  currency: 'EUR',
  imageUrl: null,
  status: 'active',
  version: 1,
  ...over,
});

describe('bundle snapshot rules', () => {
  it('replaces only the changed product, keeping order', () => {
    const snap = [toSnapshotEntry(product()), toSnapshotEntry(product({ id: 'p2', sku: 'SKU-2' }))];
    const next = replaceSnapshotEntry(snap, product({ name: 'Big mug', version: 2 }));
    expect(next.map((e) => [e.productId, e.name, e.version])).toEqual([
      ['p1', 'Big mug', 2],
      ['p2', 'Mug', 1],
    ]);
  });

  it('never moves an entry back to an older product version', () => {
    const snap = [toSnapshotEntry(product({ name: 'v3', version: 3 }))];
    expect(replaceSnapshotEntry(snap, product({ name: 'v2', version: 2 }))[0]!.name).toBe('v3');
    expect(replaceSnapshotEntry(snap, product({ name: 'v3 again', version: 3 }))[0]!.name).toBe('v3');
  });

  it('is not publishable while a product in it is discontinued', () => {
    const a = toSnapshotEntry(product());
    const b = toSnapshotEntry(product({ id: 'p2', sku: 'SKU-2', status: 'discontinued' }));
    const c = toSnapshotEntry(product({ id: 'p3', sku: 'SKU-3', status: 'discontinued' }));
    expect(computeNotPublishableReason([a])).toBeNull();
    expect(computeNotPublishableReason([a, b])).toBe('product SKU-2 is discontinued');
    expect(computeNotPublishableReason([b, c])).toBe('products SKU-2, SKU-3 are discontinued');
  });

  it('diffs fields, comparing prices as decimals', () => {
    const before = product();
    expect(diffProductFields(before, { ...before, price: '9.5000' })).toEqual([]);
    expect(diffProductFields(before, { ...before, price: '9.51', status: 'discontinued' })).toEqual([
      'price',
      'status',
    ]);
  });

  it('normalizes prices', () => {
    expect(normalizePrice('19.9900')).toBe('19.99');
    expect(normalizePrice('005')).toBe('5.00');
    expect(normalizePrice('1.2345')).toBe('1.2345');
    expect(normalizePrice('0.0000')).toBe('0.00');
    expect(() => normalizePrice('1e3')).toThrow();
  });
});
