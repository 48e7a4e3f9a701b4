/** The catalog's errors: one class per failure, each with a stable SCREAMING_SNAKE code and its HTTP status. */
import { AppError, ConflictError } from '../../platform/errors/index.js';

/** 409: the product changed since the caller read it (If-Match); nothing was written. */
export class ProductVersionConflictError extends ConflictError {
  constructor(readonly currentVersion: number) {
    super(
      'PRODUCT_VERSION_CONFLICT',
      `The product was changed by someone else (now at version ${currentVersion}); reload it and retry`,
      { currentVersion },
    );
    this.name = 'ProductVersionConflictError';
  }
}

/** 409: the bundle changed since the caller read it (If-Match); nothing was written. */
export class BundleVersionConflictError extends ConflictError {
  constructor(readonly currentVersion: number) {
    super(
      'BUNDLE_VERSION_CONFLICT',
      `The bundle was changed by someone else (now at version ${currentVersion}); reload it and retry`,
      { currentVersion },
    );
    this.name = 'BundleVersionConflictError';
  }
}

export class ProductSkuTakenError extends ConflictError {
  constructor(sku: string) {
    super('PRODUCT_SKU_TAKEN', `Another product of this workspace already has SKU ${sku}`, { sku });
    this.name = 'ProductSkuTakenError';
  }
}

/** 409: deleting a product that bundles or content still reference; discontinue it instead. */
export class ProductInUseError extends ConflictError {
  constructor(details: { bundles: number; content: number }) {
    super(
      'PRODUCT_IN_USE',
      `The product is used by ${details.bundles} bundle(s) and ${details.content} content item(s); discontinue it instead`,
      details,
    );
    this.name = 'ProductInUseError';
  }
}

/** 422: a bundle names products that do not exist in the workspace. */
export class BundleProductUnknownError extends AppError {
  constructor(productIds: string[]) {
    super('BUNDLE_PRODUCT_UNKNOWN', 422, `Unknown product(s): ${productIds.join(', ')}`, { productIds });
    this.name = 'BundleProductUnknownError';
  }
}

/** 428: a mutating request without the expected version (`If-Match: "<version>"`). */
export class PreconditionRequiredError extends AppError {
  constructor() {
    super(
      'PRECONDITION_REQUIRED',
      428,
      'Send the version you last read as If-Match: "<version>" so a concurrent change is not overwritten',
    );
    this.name = 'PreconditionRequiredError';
  }
}

export const isProductVersionConflict = (e: unknown): e is ProductVersionConflictError =>
  e instanceof ProductVersionConflictError;
export const isBundleVersionConflict = (e: unknown): e is BundleVersionConflictError =>
  e instanceof BundleVersionConflictError;

/** PostgreSQL (and PGlite) unique_violation. */
export function isUniqueViolation(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '23505';
}
