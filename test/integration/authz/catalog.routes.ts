import type { Policy } from './policy.js';

/** catalog module routes → the policy action each must declare. */
export const CATALOG_ROUTES: Record<string, Policy> = {
  'POST /api/v1/products': 'catalog.write',
  'GET /api/v1/products': 'catalog.read',
  'GET /api/v1/products/:id': 'catalog.read',
  'PATCH /api/v1/products/:id': 'catalog.write',
  'DELETE /api/v1/products/:id': 'catalog.delete',
  'GET /api/v1/products/:id/propagation': 'catalog.read',
  'POST /api/v1/bundles': 'catalog.write',
  'GET /api/v1/bundles': 'catalog.read',
  'GET /api/v1/bundles/:id': 'catalog.read',
  'PATCH /api/v1/bundles/:id': 'catalog.write',
  'DELETE /api/v1/bundles/:id': 'catalog.delete',
};
