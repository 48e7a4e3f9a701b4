/**
 * Decisions that look back at where content has been: rolling back to an earlier state, and sending edited
 * approved content back to review.
 *
 * "Approval-gated" is derived from the graph, not from state keys, so custom definitions get it right too: an
 * approval transition is one with a `min_approvals` guard or one that enters an `approved`-kind state, and a state
 * is gated when content cannot reach it from the initial state without passing an approval transition. Archived
 * and terminal states are not gated: editing finished content is the service's call (normally refused), not a
 * silent reopening.
 */
import { findApprovalThreshold } from './workflow.guards.js';
import { findReachableStates } from './workflow.validate.js';
import type { WorkflowDefinition, WorkflowState, WorkflowTransition } from './workflow.schema.js';

export interface RollbackAccepted {
  readonly ok: true;
  readonly target: string;
}

export interface RollbackRejected {
  readonly ok: false;
  readonly status: 422;
  readonly code: 'ROLLBACK_TARGET_INVALID';
  readonly target: string;
  /** Every reason the target is refused. */
  readonly reasons: readonly string[];
}

export type RollbackValidation = RollbackAccepted | RollbackRejected;

/**
 * A rollback target must exist in the definition, appear in the content's history (states it was in), and differ
 * from the current state. The move itself is a new audited transition made by the service, with a reason.
 */
export function validateRollbackTarget(
  definition: WorkflowDefinition,
  history: readonly string[],
  currentState: string,
  target: string,
): RollbackValidation {
  const reasons: string[] = [];
  if (!definition.states.some((s) => s.key === target)) {
    reasons.push(`state '${target}' does not exist in workflow '${definition.key}' v${definition.version}`);
  }
  if (!history.includes(target)) {
    reasons.push(`the content has never been in state '${target}'`);
  }
  if (target === currentState) {
    reasons.push(`the content is already in state '${target}'`);
  }
  return reasons.length === 0
    ? { ok: true, target }
    : { ok: false, status: 422, code: 'ROLLBACK_TARGET_INVALID', target, reasons };
}

function findInitialState(definition: WorkflowDefinition): WorkflowState | undefined {
  return definition.states.find((s) => s.initial);
}

function isApprovalTransition(definition: WorkflowDefinition, transition: WorkflowTransition): boolean {
  if (findApprovalThreshold(transition) !== undefined) return true;
  return definition.states.some((s) => s.key === transition.to && s.kind === 'approved');
}

/** States whose content carries an approval that an edit voids (see the module comment). */
export function listApprovalGatedStates(definition: WorkflowDefinition): Set<string> {
  const initial = findInitialState(definition);
  if (initial === undefined) return new Set();
  const withoutApprovals: WorkflowDefinition = {
    ...definition,
    transitions: definition.transitions.filter((t) => !isApprovalTransition(definition, t)),
  };
  const reachableUnapproved = findReachableStates(withoutApprovals, initial.key);
  const reachable = findReachableStates(definition, initial.key);
  const gated = new Set<string>();
  for (const state of definition.states) {
    if (!reachable.has(state.key) || reachableUnapproved.has(state.key)) continue;
    if (state.terminal || state.kind === 'archived') continue;
    gated.add(state.key);
  }
  return gated;
}

/**
 * Where edited approved content goes back to: the source state of the approval transition nearest the initial
 * state (in the default definition, `review`). With several approval stages this is the first one, so every stage
 * re-approves the new content.
 */
export function findReviewState(definition: WorkflowDefinition): string | undefined {
  const initial = findInitialState(definition);
  if (initial === undefined) return undefined;
  const sources = new Set(
    definition.transitions.filter((t) => isApprovalTransition(definition, t)).flatMap((t) => t.from),
  );
  // Breadth-first from the initial state, so the nearest source wins; ties go to definition order.
  const seen = new Set([initial.key]);
  const queue = [initial.key];
  for (let state = queue.shift(); state !== undefined; state = queue.shift()) {
    if (sources.has(state)) return state;
    for (const t of definition.transitions) {
      if (t.from.includes(state) && !seen.has(t.to)) {
        seen.add(t.to);
        queue.push(t.to);
      }
    }
  }
  return undefined;
}

export interface EditOutcome {
  /** The state the content is in after the edit. */
  readonly state: string;
  readonly returnedToReview: boolean;
  /** Why it moved, for the audit entry and the notification; present when it moved. */
  readonly reason?: string;
}

/**
 * The state after an edit of content in `state`. Approvals are pinned to the content hash, so an edit of
 * approval-gated content (approved, published, or a later custom review stage) voids them and sends the content
 * back to the review state. Anything else stays where it is.
 */
export function stateAfterEdit(definition: WorkflowDefinition, state: string): EditOutcome {
  if (!listApprovalGatedStates(definition).has(state)) return { state, returnedToReview: false };
  const review = findReviewState(definition);
  if (review === undefined || review === state) return { state, returnedToReview: false };
  const label = (key: string) => definition.states.find((s) => s.key === key)?.label ?? key;
  return {
    state: review,
    returnedToReview: true,
    reason:
      `Edited while '${label(state)}': approvals are pinned to the content hash, ` +
      `so the new version goes back to '${label(review)}' for re-approval`,
  };
}
