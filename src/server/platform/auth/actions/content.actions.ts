/**
 * Policy actions of the content module, with the roles allowed to perform them; merged into `ACTION_ROLES`.
 * Use `atLeast(role)` for a minimum role, or an explicit list where the role order does not fit.
 *
 * `content.transition` admits every role that may take *some* transition (editor+): which transition a role may
 * take is the workflow definition's guards' call, reported as 403 TRANSITION_FORBIDDEN with the failed guards.
 */
import type { WorkspaceRole } from '../../db/index.js';
import { atLeast } from '../roles.js';

export const CONTENT_ACTIONS = {
  'content.read': atLeast('viewer'),
  'content.create': atLeast('editor'),
  'content.edit': atLeast('editor'),
  'content.transition': atLeast('editor'),
  // Rolling back bypasses the forward guards (it is a correction), so it is kept to people who may publish.
  'content.rollback': atLeast('publisher'),
  'content.batch_transition': atLeast('reviewer'),
  'workflow.read': atLeast('viewer'),
  'workflow.manage': atLeast('admin'),
} as const satisfies Record<string, readonly WorkspaceRole[]>;
