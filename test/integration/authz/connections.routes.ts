import type { Policy } from './policy.js';

/** connections module routes → the policy action each must declare. */
export const CONNECTION_ROUTES: Record<string, Policy> = {
  'GET /api/v1/connectors': 'connections.read',
  'POST /api/v1/connections': 'connections.manage',
  'GET /api/v1/connections': 'connections.read',
  'GET /api/v1/connections/:id': 'connections.read',
  'PATCH /api/v1/connections/:id': 'connections.manage',
  'DELETE /api/v1/connections/:id': 'connections.manage',
  'POST /api/v1/connections/:id/test': 'connections.test',
  'GET /api/v1/connections/:id/health': 'connections.read',
  'GET /api/v1/connections/:id/oauth/start': 'connections.manage',
  'GET /api/v1/oauth/callback': 'public',
};
