/**
 * The one authorization policy (DESIGN §7): `can(actor, action, resource)` is used by HTTP routes, the CLI and jobs.
 *
 * Roles, strongest first: owner > admin > publisher > reviewer > editor > viewer. Kernel actions use a minimum
 * role; later modules may list explicit role sets where the order does not fit (e.g. reviewers approve, editors
 * do not).
 */
export { atLeast, ROLE_RANK } from './roles.js';
import { ForbiddenError } from '../errors/index.js';
import type { WorkspaceRole } from '../db/index.js';
import type { Actor } from './actor.js';
import { atLeast, ROLE_RANK } from './roles.js';
import { CATALOG_ACTIONS } from './actions/catalog.actions.js';
import { CONTENT_ACTIONS } from './actions/content.actions.js';
import { REVIEW_ACTIONS } from './actions/review.actions.js';
import { WEBHOOK_ACTIONS } from './actions/webhooks.actions.js';
import { CONNECTION_ACTIONS } from './actions/connections.actions.js';
import { DELIVERY_ACTIONS } from './actions/deliveries.actions.js';

/** Every action the platform knows, with the roles allowed to perform it. Exhaustive by construction. */
export const ACTION_ROLES = {
  /** One's own account (who am I, change my password, log out): every member. */
  'account.read': atLeast('viewer'),
  'account.manage': atLeast('viewer'),
  'workspace.read': atLeast('viewer'),
  'workspace.create': atLeast('owner'),
  'workspace.manage': atLeast('admin'),
  'users.read': atLeast('admin'),
  'users.manage': atLeast('admin'),
  'tokens.read': atLeast('viewer'),
  'tokens.create': atLeast('viewer'),
  'tokens.revoke': atLeast('viewer'),
  'jobs.read': atLeast('viewer'),
  'jobs.manage': atLeast('admin'),
  'events.read': atLeast('viewer'),
  'events.write': atLeast('editor'),
  'audit.read': atLeast('admin'),
  'audit.verify': atLeast('admin'),
  'secrets.rotate': atLeast('owner'),
  // Each module's actions live in its own file (one owner per file); they are listed here so the policy stays one table.
  ...CONTENT_ACTIONS,
  ...REVIEW_ACTIONS,
  ...CATALOG_ACTIONS,
  ...WEBHOOK_ACTIONS,
  ...CONNECTION_ACTIONS,
  ...DELIVERY_ACTIONS,
} as const satisfies Record<string, readonly WorkspaceRole[]>;

export type Action = keyof typeof ACTION_ROLES;

export interface Resource {
  workspaceId?: string;
  /** The user who owns the resource, for "own or admin" decisions. */
  ownerUserId?: string | null;
}

/**
 * True when `actor` may perform `action` on `resource`. A resource in another workspace is always refused.
 * Own-resource rule: `tokens.revoke` is allowed on one's own tokens for every role, others' only for admins.
 */
export function can(actor: Actor, action: Action, resource: Resource = {}): boolean {
  if (resource.workspaceId !== undefined && resource.workspaceId !== actor.workspaceId) return false;
  const allowed = (ACTION_ROLES[action] as readonly WorkspaceRole[]).includes(actor.role);
  if (!allowed) return false;
  if (action === 'tokens.revoke' && resource.ownerUserId !== undefined) {
    return resource.ownerUserId === actor.userId || ROLE_RANK[actor.role] >= ROLE_RANK.admin;
  }
  return true;
}

/** Throws `ForbiddenError` (403 FORBIDDEN) unless `can(...)`. */
export function authorize(actor: Actor, action: Action, resource: Resource = {}): void {
  if (!can(actor, action, resource)) {
    throw new ForbiddenError(`Your role (${actor.role}) does not allow ${action}`, {
      action,
      role: actor.role,
    });
  }
}

/** Roles at or above `role`; used to check that a token never carries more than its creator. */
export function roleAtMost(role: WorkspaceRole, ceiling: WorkspaceRole): boolean {
  return ROLE_RANK[role] <= ROLE_RANK[ceiling];
}
