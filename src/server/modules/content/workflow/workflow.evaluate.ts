/**
 * Deciding a transition: find it, run every guard, then work out whether it completes now or only records an
 * approval. The result is data, never a throw, so a batch approval can collect per-item failures; the service turns
 * a rejection into `TransitionRejectedError` when it acts on a single item.
 */
import {
  FAILED_CHECK_STATUS,
  checkGuards,
  findApprovalThreshold,
  listCountedApprovers,
} from './workflow.guards.js';
import type { WorkflowDefinition, WorkflowTransition } from './workflow.schema.js';
import type {
  ContentSnapshot,
  FailedGuard,
  TransitionAccepted,
  TransitionRejected,
  TransitionRequest,
  TransitionResult,
  WorkflowActor,
} from './workflow.types.js';

/** The transition `action` leaving `state`, if any. Validated definitions have at most one. */
export function findTransition(
  definition: WorkflowDefinition,
  state: string,
  action: string,
): WorkflowTransition | undefined {
  return definition.transitions.find((t) => t.action === action && t.from.includes(state));
}

/** Transitions leaving `state`, in definition order. */
export function listTransitionsFrom(definition: WorkflowDefinition, state: string): WorkflowTransition[] {
  return definition.transitions.filter((t) => t.from.includes(state));
}

function reject(request: TransitionRequest, failed: FailedGuard[]): TransitionRejected {
  const forbidden = failed.some((f) => FAILED_CHECK_STATUS[f.guard] === 403);
  return {
    ok: false,
    status: forbidden ? 403 : 422,
    code: forbidden ? 'TRANSITION_FORBIDDEN' : 'TRANSITION_INVALID',
    action: request.action,
    from: request.currentState,
    failed,
  };
}

function rejectNotAvailable(request: TransitionRequest, message: string): TransitionRejected {
  return {
    ok: false,
    status: 422,
    code: 'TRANSITION_NOT_AVAILABLE',
    action: request.action,
    from: request.currentState,
    failed: [{ guard: 'state', message }],
  };
}

/** Marker for `describeActions`: a button is offered before the user has typed a reason. */
const REASON_NOT_ASKED_YET = Symbol('reason not asked yet');

function decide(
  request: TransitionRequest,
  transition: WorkflowTransition,
  reason: string | undefined | typeof REASON_NOT_ASKED_YET,
): TransitionResult {
  const { actor, content } = request;
  const failed = checkGuards({ transition, actor, content });
  if (transition.requiresReason && reason !== REASON_NOT_ASKED_YET && (reason ?? '').trim() === '') {
    failed.push({ guard: 'reason', message: `${transition.label} requires a reason` });
  }
  if (failed.length > 0) return reject(request, failed);

  const accepted: TransitionAccepted = {
    ok: true,
    action: transition.action,
    from: request.currentState,
    to: transition.to,
    completes: true,
    approvalRecorded: false,
  };
  const required = findApprovalThreshold(transition);
  if (required === undefined) return accepted;
  // The min_approvals guard already refused a second vote by the same user, so this one is new.
  const count = listCountedApprovers(content.approvals, transition.action, content.contentHash).size + 1;
  return {
    ...accepted,
    completes: count >= required,
    approvalRecorded: true,
    approvals: { count, required },
  };
}

/**
 * Decides whether `actor` may take `action` on content in `currentState`.
 *
 * - no such action from this state (or an unknown state) → 422 TRANSITION_NOT_AVAILABLE;
 * - any who-may guard fails → 403 TRANSITION_FORBIDDEN, listing every failure including validation ones;
 * - otherwise any validation failure, duplicate approval or missing reason → 422 TRANSITION_INVALID;
 * - otherwise ok; `completes` is false while `min_approvals` is not reached (the approval is recorded, the state stays).
 */
export function evaluateTransition(request: TransitionRequest): TransitionResult {
  const { definition, currentState, action } = request;
  if (!definition.states.some((s) => s.key === currentState)) {
    return rejectNotAvailable(
      request,
      `State '${currentState}' does not exist in workflow '${definition.key}' v${definition.version}`,
    );
  }
  const transition = findTransition(definition, currentState, action);
  if (transition === undefined) {
    const here = listTransitionsFrom(definition, currentState).map((t) => t.action);
    const hint = here.length === 0 ? 'none' : here.join(', ');
    return rejectNotAvailable(
      request,
      `No '${action}' action from state '${currentState}'; available from here: ${hint}`,
    );
  }
  return decide(request, transition, request.reason);
}

export interface ActionOption {
  readonly action: string;
  readonly label: string;
  readonly to: string;
  readonly requiresReason: boolean;
  /** Whether the actor could take it now (a required reason is assumed to be supplied). */
  readonly allowed: boolean;
  /** For a disabled button: why. Empty when allowed. */
  readonly failed: readonly FailedGuard[];
  /** False when taking it would only record an approval. */
  readonly completes: boolean;
}

/** Every action leaving `state`, with whether the actor may take it and why not; for disabled buttons. */
export function describeActions(
  definition: WorkflowDefinition,
  state: string,
  actor: WorkflowActor,
  content: ContentSnapshot,
): ActionOption[] {
  return listTransitionsFrom(definition, state).map((transition) => {
    const request = { definition, currentState: state, action: transition.action, actor, content };
    const result = decide(request, transition, REASON_NOT_ASKED_YET);
    return {
      action: transition.action,
      label: transition.label,
      to: transition.to,
      requiresReason: transition.requiresReason ?? false,
      allowed: result.ok,
      failed: result.ok ? [] : result.failed,
      completes: result.ok ? result.completes : false,
    };
  });
}

/** The actions `actor` could take now on content in `state` (the UI's enabled buttons). */
export function availableActions(
  definition: WorkflowDefinition,
  state: string,
  actor: WorkflowActor,
  content: ContentSnapshot,
): ActionOption[] {
  return describeActions(definition, state, actor, content).filter((option) => option.allowed);
}
