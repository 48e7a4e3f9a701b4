import type { Policy } from './policy.js';

/** review module routes → the policy action each must declare. */
export const REVIEW_ROUTES: Record<string, Policy> = {
  'GET /api/v1/content/:id/comments': 'comments.read',
  'POST /api/v1/content/:id/comments': 'comments.create',
  'GET /api/v1/content/:id/review-requests': 'review_requests.read',
  'POST /api/v1/content/:id/review-requests': 'review_requests.manage',
  'GET /api/v1/review-requests': 'review_requests.read',
  'POST /api/v1/review-requests/:id/cancel': 'review_requests.manage',
  'GET /api/v1/content/:id/reviewer-links': 'reviewer_links.read',
  'POST /api/v1/content/:id/reviewer-links': 'reviewer_links.manage',
  'POST /api/v1/reviewer-links/:id/revoke': 'reviewer_links.manage',
  'GET /api/v1/review-links/:token': 'public',
  'POST /api/v1/review-links/:token/decision': 'public',
  'GET /api/v1/notifications': 'notifications.read',
  'GET /api/v1/notifications/unread-count': 'notifications.read',
  'POST /api/v1/notifications/:id/read': 'notifications.manage',
  'POST /api/v1/notifications/read-all': 'notifications.manage',
  'GET /api/v1/notifications/preferences': 'notifications.read',
  'PUT /api/v1/notifications/preferences': 'notifications.manage',
};
