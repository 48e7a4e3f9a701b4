import { describe, expect, it } from 'vitest';
import { AppError, isAppError } from '../../../platform/errors/index.js';
import {
  RollbackTargetInvalidError,
  TransitionRejectedError,
  WorkflowDefinitionInvalidError,
  isRollbackTargetInvalidError,
  isTransitionRejectedError,
  isWorkflowDefinitionInvalidError,
} from './workflow.errors.js';

const rejection = {
  ok: false,
  status: 422,
  code: 'TRANSITION_NOT_AVAILABLE',
  action: 'publish',
  from: 'draft',
  failed: [
    { guard: 'state', message: "No 'publish' action from state 'draft'; available from here: submit" },
  ],
} as const;

describe('workflow errors', () => {
  it('are AppErrors carrying the rejection’s status and code', () => {
    const error = new TransitionRejectedError(rejection);
    expect(isAppError(error)).toBe(true);
    expect([error.status, error.code, error.name]).toEqual([
      422,
      'TRANSITION_NOT_AVAILABLE',
      'TransitionRejectedError',
    ]);
    expect(error.message).toBe(
      "Cannot publish from 'draft': No 'publish' action from state 'draft'; available from here: submit",
    );
  });

  it('summarise definition problems and keep all of them in details', () => {
    const problems = [
      { path: 'states', message: 'No initial state' },
      { path: 'states[2]', message: 'unreachable' },
    ];
    const error = new WorkflowDefinitionInvalidError(problems);
    expect([error.status, error.code]).toEqual([422, 'WORKFLOW_DEFINITION_INVALID']);
    expect(error.message).toBe('Workflow definition is invalid: states: No initial state (and 1 more)');
    expect(error.details).toEqual({ problems });
  });

  it('have type guards that tell them apart', () => {
    const errors = [
      new TransitionRejectedError(rejection),
      new RollbackTargetInvalidError({
        ok: false,
        status: 422,
        code: 'ROLLBACK_TARGET_INVALID',
        target: 'x',
        reasons: ['r'],
      }),
      new WorkflowDefinitionInvalidError([]),
      new AppError('OTHER', 400, 'other'),
    ];
    expect(errors.map(isTransitionRejectedError)).toEqual([true, false, false, false]);
    expect(errors.map(isRollbackTargetInvalidError)).toEqual([false, true, false, false]);
    expect(errors.map(isWorkflowDefinitionInvalidError)).toEqual([false, false, true, false]);
  });
});
