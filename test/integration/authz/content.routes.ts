import type { Policy } from './policy.js';

/** content module routes → the policy action each must declare. */
export const CONTENT_ROUTES: Record<string, Policy> = {
  'GET /api/v1/content': 'content.read',
  'POST /api/v1/content': 'content.create',
  'GET /api/v1/content/:id': 'content.read',
  'PATCH /api/v1/content/:id': 'content.edit',
  'GET /api/v1/content/:id/versions': 'content.read',
  'GET /api/v1/content/:id/versions/:version': 'content.read',
  'POST /api/v1/content/:id/versions/:version/restore': 'content.edit',
  'GET /api/v1/content/:id/diff': 'content.read',
  'GET /api/v1/content/:id/diff-since-approval': 'content.read',
  'POST /api/v1/content/:id/transitions': 'content.transition',
  'GET /api/v1/content/:id/history': 'content.read',
  'GET /api/v1/content/:id/actions': 'content.read',
  'POST /api/v1/content/:id/rollback': 'content.rollback',
  'POST /api/v1/content/batch-transitions': 'content.batch_transition',
  'POST /api/v1/content/:id/workflow-migration': 'workflow.manage',
  'GET /api/v1/workflows': 'workflow.read',
  'GET /api/v1/workflows/:key': 'workflow.read',
  'POST /api/v1/workflows/validate': 'workflow.read',
  'POST /api/v1/workflows': 'workflow.manage',
};
