/**
 * catalog: products, bundles of products, and the propagation of product changes into bundles and content.
 *
 * Terminology:
 * - product: a sellable item — SKU (unique per workspace), name, description, exact decimal price + currency,
 *   image, status (active | discontinued | draft) and a `version` for If-Match.
 * - bundle: a set of products with quantities plus its own content fields; keeps a denormalized **snapshot** of its
 *   products (name, price, image, status … at a product version).
 * - propagation: carrying one product change (one product version) into every bundle containing the product, by the
 *   `catalog.propagate_product` job enqueued in the change's transaction; status per change: pending → running →
 *   done with counts (`GET /api/v1/products/{id}/propagation`).
 * - stale: a bundle whose snapshot is behind a product's current version (`staleSince` = when that change was made).
 * - not publishable: a bundle containing a discontinued product, and content linked to it or to the product
 *   (`content_items.not_publishable_reason`, prefixed `catalog: `; the catalog clears only reasons it set).
 */
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { CatalogContext } from './catalog.context.js';
import { defineCatalogJobs, type CatalogJobSchemas } from './catalog.jobs.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import type { HttpApp } from '../../platform/http/index.js';
import { registerBundleRoutes } from './bundles.routes.js';
import { registerProductRoutes } from './products.routes.js';
import { propagateProductChange } from './propagation.service.js';

export type { CatalogContext } from './catalog.context.js';
export * from './catalog.errors.js';
export { PRODUCT_STATUSES, type ProductStatus, type SnapshotEntry } from './catalog.tables.js';
export type { CatalogTables } from './catalog.tables.js';
export { PROPAGATE_PRODUCT_JOB, type PropagateProductPayload } from './catalog.jobs.js';
export type { Product } from './products.repo.js';
export type { Bundle, BundleItem } from './bundles.repo.js';
export type { Propagation } from './propagation.repo.js';
export type { PropagationStatusView } from './products.service.js';

import * as products from './products.service.js';
import * as bundles from './bundles.service.js';

export interface CatalogModuleOptions {
  /** Bundles refreshed per transaction by the propagation job (default 200). */
  propagationBatchSize?: number;
}

/** The catalog's use cases, bound to their dependencies; for the CLI and other modules (through this file only). */
export interface CatalogServices {
  createProduct: OmitCtx<typeof products.createProduct>;
  getProduct: OmitCtx<typeof products.getProduct>;
  pageProducts: OmitCtx<typeof products.pageProducts>;
  updateProduct: OmitCtx<typeof products.updateProduct>;
  deleteProduct: OmitCtx<typeof products.deleteProduct>;
  getPropagationStatus: OmitCtx<typeof products.getPropagationStatus>;
  createBundle: OmitCtx<typeof bundles.createBundle>;
  getBundle: OmitCtx<typeof bundles.getBundle>;
  pageBundles: OmitCtx<typeof bundles.pageBundles>;
  updateBundle: OmitCtx<typeof bundles.updateBundle>;
  deleteBundle: OmitCtx<typeof bundles.deleteBundle>;
  /** Runs one propagation now (the job's body); tests and the CLI. */
  propagateProductChange: OmitCtx<typeof propagateProductChange>;
}

type OmitCtx<F> = F extends (ctx: CatalogContext, ...rest: infer A) => infer R ? (...args: A) => R : never;

export type CatalogModule = SwitchboardModule & {
  readonly jobs: JobCatalog<CatalogJobSchemas>;
  readonly services: CatalogServices;
  registerRoutes(app: HttpApp): void;
};

export function createCatalogModule(
  deps: Pick<ModuleDeps, 'db' | 'clock' | 'logger' | 'events' | 'audit'>,
  opts: CatalogModuleOptions = {},
): CatalogModule {
  const jobs = defineCatalogJobs({
    propagateProduct: async (payload, job) => {
      await propagateProductChange(ctx, payload, job);
    },
  });
  const ctx: CatalogContext = {
    db: deps.db.kysely,
    clock: deps.clock,
    logger: deps.logger,
    events: deps.events,
    audit: deps.audit,
    jobs,
    ...(opts.propagationBatchSize !== undefined ? { propagationBatchSize: opts.propagationBatchSize } : {}),
  };
  const bind =
    <A extends unknown[], R>(fn: (c: CatalogContext, ...args: A) => R) =>
    (...args: A): R =>
      fn(ctx, ...args);
  return {
    name: 'catalog',
    jobs,
    services: {
      createProduct: bind(products.createProduct),
      getProduct: bind(products.getProduct),
      pageProducts: bind(products.pageProducts),
      updateProduct: bind(products.updateProduct),
      deleteProduct: bind(products.deleteProduct),
      getPropagationStatus: bind(products.getPropagationStatus),
      createBundle: bind(bundles.createBundle),
      getBundle: bind(bundles.getBundle),
      pageBundles: bind(bundles.pageBundles),
      updateBundle: bind(bundles.updateBundle),
      deleteBundle: bind(bundles.deleteBundle),
      propagateProductChange: bind(propagateProductChange),
    },
    registerRoutes(app) {
      registerProductRoutes(app, ctx);
      registerBundleRoutes(app, ctx);
    },
  };
}
