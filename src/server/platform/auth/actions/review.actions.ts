/**
 * Policy actions of the review module, with the roles allowed to perform them; merged into `ACTION_ROLES`.
 * Use `atLeast(role)` for a minimum role, or an explicit list where the role order does not fit.
 *
 * Notifications are per user: `notifications.*` admit every member, and the service only ever touches the
 * caller's own rows. External reviewer links carry an approval on the creator's behalf, so only those who may
 * approve in the default workflow (reviewer, admin, owner — not publishers or editors) create them.
 */
import type { WorkspaceRole } from '../../db/index.js';
import { atLeast } from '../roles.js';

const APPROVERS: readonly WorkspaceRole[] = ['reviewer', 'admin', 'owner'];

export const REVIEW_ACTIONS = {
  'comments.read': atLeast('viewer'),
  'comments.create': atLeast('editor'),
  'review_requests.read': atLeast('viewer'),
  'review_requests.manage': atLeast('editor'),
  'reviewer_links.read': APPROVERS,
  'reviewer_links.manage': APPROVERS,
  'notifications.read': atLeast('viewer'),
  'notifications.manage': atLeast('viewer'),
} as const satisfies Record<string, readonly WorkspaceRole[]>;
