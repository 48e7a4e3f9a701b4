import type { Policy } from './policy.js';

/** deliveries module routes (the ledger and content destinations) → the policy action each must declare. */
export const DELIVERY_ROUTES: Record<string, Policy> = {
  'GET /api/v1/deliveries': 'deliveries.read',
  'GET /api/v1/deliveries/:id': 'deliveries.read',
  'POST /api/v1/deliveries/:id/replay': 'deliveries.manage',
  'POST /api/v1/deliveries/replay': 'deliveries.manage',
  'POST /api/v1/deliveries/:id/resolve': 'deliveries.manage',
  'PUT /api/v1/content/:id/destinations': 'deliveries.destinations',
  'GET /api/v1/content/:id/destinations': 'deliveries.read',
  'GET /api/v1/content/:id/deliveries': 'deliveries.read',
};
