/**
 * The content workflow engine: pure, I/O-free decisions about how content moves between states. The service layer
 * loads content, asks this module, then persists, audits and emits events in one transaction.
 *
 * Terminology
 * - **Workflow definition**: data (validated JSON) naming the states and transitions content moves through. It is
 *   versioned: content keeps the version it started with until it is migrated explicitly.
 * - **State**: where content is (`draft`, `review`, …). Exactly one is *initial*; a *terminal* state has no exits.
 *   Its *kind* (draft, review, approved, published, archived, custom) tells the rest of the product what it means.
 * - **Transition**: a named *action* (`approve`) from one or more states to one state, with guards and optionally a
 *   required reason. An action name means one thing per source state.
 * - **Guard**: a condition on a transition: `roles`, `owner_or_admin`, `not_author` (four-eyes), `min_approvals`,
 *   `validation`. All guards must pass; every failure is reported. Who-may guards fail with 403
 *   TRANSITION_FORBIDDEN, content guards and a missing reason with 422 TRANSITION_INVALID; an action that does not
 *   exist from the current state is 422 TRANSITION_NOT_AVAILABLE.
 * - **Validation rule**: a content check inside a `validation` guard: required fields and max lengths per content
 *   type, no unresolved `{{ variables }}`, well-formed links.
 * - **Approval**: one user's vote for one action on one content hash. It counts only while the content still has
 *   that hash and only once per user; a transition with `min_approvals: N` completes on the N-th distinct vote and
 *   otherwise just records the vote (`completes: false`).
 * - **Approval-gated state**: a state content can only reach through an approval. Editing content there voids the
 *   approval and sends it back to the review state (`stateAfterEdit`).
 * - **Rollback**: moving content back to a state in its history, as a new transition with a reason.
 */
export {
  CONTENT_TYPES,
  GUARD_KINDS,
  RULE_KINDS,
  STATE_KINDS,
  guardSchema,
  validationRuleSchema,
  workflowDefinitionSchema,
  workflowStateSchema,
  workflowTransitionSchema,
  type ContentType,
  type Guard,
  type GuardKind,
  type RuleKind,
  type StateKind,
  type ValidationRule,
  type WorkflowDefinition,
  type WorkflowDefinitionInput,
  type WorkflowState,
  type WorkflowTransition,
} from './workflow.schema.js';
export {
  BODY_FORMATS,
  TRANSITION_ERROR_CODES,
  type Approval,
  type BodyFormat,
  type ContentSnapshot,
  type FailedGuard,
  type TransitionAccepted,
  type TransitionErrorCode,
  type TransitionRejected,
  type TransitionRequest,
  type TransitionResult,
  type WorkflowActor,
} from './workflow.types.js';
export { DEFAULT_CONTENT_VALIDATION, DEFAULT_WORKFLOW } from './workflow.default.js';
export {
  parseDefinition,
  validateDefinition,
  type DefinitionProblem,
  type DefinitionValidation,
} from './workflow.validate.js';
export {
  availableActions,
  describeActions,
  evaluateTransition,
  findTransition,
  listTransitionsFrom,
  type ActionOption,
} from './workflow.evaluate.js';
export { listCountedApprovers } from './workflow.guards.js';
export {
  checkValidationRules,
  extractLinks,
  findVariables,
  isWellFormedLink,
  measureLength,
} from './workflow.rules.js';
export {
  findReviewState,
  listApprovalGatedStates,
  stateAfterEdit,
  validateRollbackTarget,
  type EditOutcome,
  type RollbackRejected,
  type RollbackValidation,
} from './workflow.history.js';
export {
  RollbackTargetInvalidError,
  TransitionRejectedError,
  WorkflowDefinitionInvalidError,
  isRollbackTargetInvalidError,
  isTransitionRejectedError,
  isWorkflowDefinitionInvalidError,
} from './workflow.errors.js';
