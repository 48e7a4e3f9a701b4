/** Kysely view of `migrations/0008_catalog.sql`. */
import type { ColumnType, Generated } from 'kysely';

export const PRODUCT_STATUSES = ['active', 'discontinued', 'draft'] as const;
export type ProductStatus = (typeof PRODUCT_STATUSES)[number];

export const PROPAGATION_STATUSES = ['pending', 'running', 'done'] as const;
export type PropagationStatus = (typeof PROPAGATION_STATUSES)[number];

/** One product as copied into a bundle's snapshot, at `version`. */
export interface SnapshotEntry {
  productId: string;
  sku: string;
  name: string;
  description: string;
  /** Exact decimal as text. */
  price: string;
  currency: string;
  imageUrl: string | null;
  status: ProductStatus;
  version: number;
}

/** Numeric columns: written as text, read as text (selects cast with `::text`). */
type Decimal = ColumnType<string, string, string>;
type Json<T> = ColumnType<T, string, string>;

export interface CatalogTables {
  products: {
    id: Generated<string>;
    workspace_id: string;
    sku: string;
    name: string;
    description: Generated<string>;
    price: Decimal;
    currency: string;
    image_url: string | null;
    status: ProductStatus;
    version: Generated<number>;
    created_at: Date;
    updated_at: Date;
  };
  bundles: {
    id: Generated<string>;
    workspace_id: string;
    name: string;
    description: Generated<string>;
    body: Generated<string>;
    image_url: string | null;
    snapshot: Json<SnapshotEntry[]>;
    not_publishable_reason: string | null;
    version: Generated<number>;
    snapshot_updated_at: Date;
    created_at: Date;
    updated_at: Date;
  };
  bundle_items: {
    bundle_id: string;
    product_id: string;
    position: number;
    quantity: number;
    synced_version: number;
  };
  product_propagations: {
    id: Generated<string>;
    workspace_id: string;
    product_id: string;
    product_version: number;
    changed_fields: string[];
    status: PropagationStatus;
    bundles_total: Generated<number>;
    bundles_updated: Generated<number>;
    content_flagged: Generated<number>;
    created_at: Date;
    started_at: Date | null;
    finished_at: Date | null;
  };
}
