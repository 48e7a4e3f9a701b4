/**
 * Errors the service layer throws from the engine's results. The engine itself returns data (so batches can report
 * per-item failures); these classes carry the stable code and HTTP status to the one place that formats errors.
 */
import { AppError } from '../../../platform/errors/index.js';
import type { RollbackRejected } from './workflow.history.js';
import type { TransitionRejected } from './workflow.types.js';
import type { DefinitionProblem } from './workflow.validate.js';

/** 403 TRANSITION_FORBIDDEN, 422 TRANSITION_INVALID or 422 TRANSITION_NOT_AVAILABLE, with every failed guard. */
export class TransitionRejectedError extends AppError {
  constructor(readonly rejection: TransitionRejected) {
    super(rejection.code, rejection.status, describeRejection(rejection), {
      action: rejection.action,
      from: rejection.from,
      failed: rejection.failed,
    });
    this.name = 'TransitionRejectedError';
  }
}

export function isTransitionRejectedError(e: unknown): e is TransitionRejectedError {
  return e instanceof TransitionRejectedError;
}

function describeRejection(rejection: TransitionRejected): string {
  const first = rejection.failed[0]?.message ?? 'refused';
  const more = rejection.failed.length > 1 ? ` (and ${rejection.failed.length - 1} more)` : '';
  return `Cannot ${rejection.action} from '${rejection.from}': ${first}${more}`;
}

/** 422 ROLLBACK_TARGET_INVALID: the target is not a state the content was in, is the current one, or is gone. */
export class RollbackTargetInvalidError extends AppError {
  constructor(readonly rejection: RollbackRejected) {
    super(
      'ROLLBACK_TARGET_INVALID',
      422,
      `Cannot roll back to '${rejection.target}': ${rejection.reasons.join('; ')}`,
      {
        target: rejection.target,
        reasons: rejection.reasons,
      },
    );
    this.name = 'RollbackTargetInvalidError';
  }
}

export function isRollbackTargetInvalidError(e: unknown): e is RollbackTargetInvalidError {
  return e instanceof RollbackTargetInvalidError;
}

/** 422 WORKFLOW_DEFINITION_INVALID with every problem and its path. */
export class WorkflowDefinitionInvalidError extends AppError {
  constructor(readonly problems: readonly DefinitionProblem[]) {
    const first = problems[0];
    const summary = first === undefined ? 'invalid' : `${first.path || '(document)'}: ${first.message}`;
    const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : '';
    super('WORKFLOW_DEFINITION_INVALID', 422, `Workflow definition is invalid: ${summary}${more}`, {
      problems,
    });
    this.name = 'WorkflowDefinitionInvalidError';
  }
}

export function isWorkflowDefinitionInvalidError(e: unknown): e is WorkflowDefinitionInvalidError {
  return e instanceof WorkflowDefinitionInvalidError;
}
