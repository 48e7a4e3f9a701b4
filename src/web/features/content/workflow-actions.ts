/**
 * What the signed-in user may try from a state, read from the item's workflow definition. Only the role-type guards
 * are checked here (roles, owner_or_admin); content guards (approvals, validations, not_author) are the server's to
 * judge, and a refusal comes back with every failed guard, which the UI shows.
 */
import type { WorkflowDefinition, WorkflowTransition, WorkspaceRole } from '../../../contracts/index.js';
import { rankOf } from '../../../contracts/index.js';

export interface ActionContext {
  role: WorkspaceRole;
  userId: string;
  ownerId: string;
}

export interface RoleCheck {
  allowed: boolean;
  /** Human reasons the role guards refuse, in the same words as the server's failed guards. */
  failed: string[];
}

export function checkRoleGuards(t: WorkflowTransition, ctx: ActionContext): RoleCheck {
  const failed: string[] = [];
  for (const guard of t.guards ?? []) {
    if (guard.kind === 'roles' && !guard.roles.includes(ctx.role))
      failed.push(
        `${t.label ?? t.action} needs one of these roles: ${guard.roles.join(', ')} (you are ${ctx.role})`,
      );
    if (guard.kind === 'owner_or_admin' && ctx.userId !== ctx.ownerId && rankOf(ctx.role) < rankOf('admin'))
      failed.push(`${t.label ?? t.action} is for the owner of the item or an admin`);
  }
  return { allowed: failed.length === 0, failed };
}

export function transitionsFrom(def: WorkflowDefinition, state: string): WorkflowTransition[] {
  return def.transitions.filter((t) => t.from.includes(state));
}

/** Transitions from `state` that the user's role may take. */
export function allowedTransitions(
  def: WorkflowDefinition,
  state: string,
  ctx: ActionContext,
): WorkflowTransition[] {
  return transitionsFrom(def, state).filter((t) => checkRoleGuards(t, ctx).allowed);
}

export function findMove(def: WorkflowDefinition, from: string, to: string): WorkflowTransition | undefined {
  return def.transitions.find((t) => t.from.includes(from) && t.to === to);
}

export function labelOf(def: WorkflowDefinition | undefined, state: string): string {
  return def?.states.find((s) => s.key === state)?.label ?? state;
}
