import type { Policy } from './policy.js';

/** webhooks module routes → the policy action each must declare. */
export const WEBHOOK_ROUTES: Record<string, Policy> = {
  'POST /api/v1/webhooks/subscriptions': 'webhooks.manage',
  'GET /api/v1/webhooks/subscriptions': 'webhooks.read',
  'GET /api/v1/webhooks/subscriptions/:id': 'webhooks.read',
  'PATCH /api/v1/webhooks/subscriptions/:id': 'webhooks.manage',
  'DELETE /api/v1/webhooks/subscriptions/:id': 'webhooks.manage',
  'POST /api/v1/webhooks/subscriptions/:id/rotate-secret': 'webhooks.manage',
  'POST /api/v1/webhooks/subscriptions/:id/ping': 'webhooks.manage',
  'GET /api/v1/webhooks/settings': 'webhooks.read',
  'PUT /api/v1/webhooks/settings': 'webhooks.manage',
  'GET /api/v1/webhooks/messages': 'webhooks.read',
  'GET /api/v1/webhooks/messages/:id': 'webhooks.read',
  // Thin-event payload URL: authorized by the token derived from the subscription secret, not by a session.
  'GET /api/v1/webhooks/messages/:id/payload': 'public',
  'POST /api/v1/webhooks/replay': 'webhooks.manage',
  'GET /api/v1/webhooks/inbound': 'webhooks.read',
  'GET /api/v1/webhooks/inbound/:id': 'webhooks.read',
  'POST /api/v1/webhooks/inbound/:id/reprocess': 'webhooks.manage',
  'POST /api/v1/webhooks/endpoints': 'webhooks.manage',
  'GET /api/v1/webhooks/endpoints': 'webhooks.read',
  'GET /api/v1/webhooks/endpoints/:id': 'webhooks.read',
  'PATCH /api/v1/webhooks/endpoints/:id': 'webhooks.manage',
  'DELETE /api/v1/webhooks/endpoints/:id': 'webhooks.manage',
  // Inbound webhooks: verified by the sender's signature (401 when it fails), never by a session.
  'POST /hooks/:id': 'public',
  'GET /hooks/:id': 'public',
  'POST /hooks/generic/:id': 'public',
};
