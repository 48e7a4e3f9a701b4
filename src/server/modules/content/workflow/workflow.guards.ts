/**
 * One check per guard kind, in an exhaustive registry: adding a kind to the schema without a check here is a compile
 * error. Checks are pure and independent, so a transition reports every failing guard at once.
 *
 * Who-may-do-it guards (roles, owner_or_admin, not_author) fail with 403; what-state-is-the-content-in guards
 * (validation, min_approvals' duplicate vote, a missing reason) fail with 422.
 */
import { ROLE_RANK } from '../../../platform/auth/policy.js';
import { checkValidationRules } from './workflow.rules.js';
import type { GuardKind, GuardOf, WorkflowTransition } from './workflow.schema.js';
import type { Approval, ContentSnapshot, FailedCheck, FailedGuard, WorkflowActor } from './workflow.types.js';

export interface GuardContext {
  readonly transition: WorkflowTransition;
  readonly actor: WorkflowActor;
  readonly content: ContentSnapshot;
}

type GuardCheck<K extends GuardKind> = (guard: GuardOf<K>, context: GuardContext) => FailedGuard[];

/** Which HTTP status a failed check maps to. */
export const FAILED_CHECK_STATUS: Readonly<Record<FailedCheck, 403 | 422>> = {
  roles: 403,
  owner_or_admin: 403,
  not_author: 403,
  min_approvals: 422,
  validation: 422,
  reason: 422,
  state: 422,
};

/**
 * Distinct users whose approval counts for `action` on the content as it is now. Approvals of an older hash (the
 * content was edited since) or for another transition never count.
 */
export function listCountedApprovers(
  approvals: readonly Approval[],
  action: string,
  contentHash: string,
): Set<string> {
  const approvers = new Set<string>();
  for (const approval of approvals) {
    if (approval.action === action && approval.contentHash === contentHash) approvers.add(approval.userId);
  }
  return approvers;
}

const GUARD_CHECKS: { [K in GuardKind]: GuardCheck<K> } = {
  roles(guard, { actor }) {
    if (guard.roles.includes(actor.role)) return [];
    return [
      {
        guard: 'roles',
        message: `Requires one of the roles ${guard.roles.join(', ')}; you are ${actor.role}`,
      },
    ];
  },
  owner_or_admin(_guard, { actor, content }) {
    if (actor.userId === content.ownerId || ROLE_RANK[actor.role] >= ROLE_RANK.admin) return [];
    return [{ guard: 'owner_or_admin', message: 'Only the content owner or a workspace admin may do this' }];
  },
  not_author(_guard, { actor, content }) {
    if (!content.authorIds.includes(actor.userId)) return [];
    return [
      {
        guard: 'not_author',
        message: 'Four-eyes rule: you authored a version of this content, so someone else must do this',
      },
    ];
  },
  min_approvals(guard, { transition, actor, content }) {
    // The count itself never fails: below the threshold the approval is recorded and the state waits. What fails is
    // voting twice on the same content, which would otherwise let one user fill several seats.
    const approvers = listCountedApprovers(content.approvals, transition.action, content.contentHash);
    if (!approvers.has(actor.userId)) return [];
    return [
      {
        guard: 'min_approvals',
        message: `You already approved this version; ${guard.count} distinct approvals are needed (${approvers.size} so far)`,
      },
    ];
  },
  validation(guard, { content }) {
    return checkValidationRules(guard.rules, content);
  },
};

function checkGuard<K extends GuardKind>(guard: GuardOf<K>, context: GuardContext): FailedGuard[] {
  return (GUARD_CHECKS[guard.kind] as GuardCheck<K>)(guard, context);
}

/** Every failure of every guard on the transition, in declaration order. */
export function checkGuards(context: GuardContext): FailedGuard[] {
  return context.transition.guards.flatMap((guard) => checkGuard(guard, context));
}

/** The approval threshold of a transition, or undefined when it does not collect approvals. */
export function findApprovalThreshold(transition: WorkflowTransition): number | undefined {
  for (const guard of transition.guards) if (guard.kind === 'min_approvals') return guard.count;
  return undefined;
}
