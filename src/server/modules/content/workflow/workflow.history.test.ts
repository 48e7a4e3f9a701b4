import { describe, expect, it } from 'vitest';
import { LEGAL_REVIEW_WORKFLOW } from './legal-review.fixture.js';
import { DEFAULT_WORKFLOW } from './workflow.default.js';
import { RollbackTargetInvalidError, isRollbackTargetInvalidError } from './workflow.errors.js';
import {
  findReviewState,
  listApprovalGatedStates,
  stateAfterEdit,
  validateRollbackTarget,
} from './workflow.history.js';
import type { WorkflowDefinition } from './workflow.schema.js';

describe('validateRollbackTarget', () => {
  const history = ['draft', 'review', 'approved', 'published'];

  it('accepts a state the content was in', () => {
    expect(validateRollbackTarget(DEFAULT_WORKFLOW, history, 'published', 'review')).toEqual({
      ok: true,
      target: 'review',
    });
  });

  it('refuses a state never visited', () => {
    expect(validateRollbackTarget(DEFAULT_WORKFLOW, history, 'published', 'archived')).toEqual({
      ok: false,
      status: 422,
      code: 'ROLLBACK_TARGET_INVALID',
      target: 'archived',
      reasons: ["the content has never been in state 'archived'"],
    });
  });

  it('refuses the current state', () => {
    expect(validateRollbackTarget(DEFAULT_WORKFLOW, history, 'published', 'published')).toMatchObject({
      ok: false,
      reasons: ["the content is already in state 'published'"],
    });
  });

  it('refuses a state the definition no longer has, with every reason', () => {
    const result = validateRollbackTarget(
      DEFAULT_WORKFLOW,
      ['draft', 'legal_review'],
      'draft',
      'legal_review',
    );
    expect(result).toMatchObject({
      ok: false,
      reasons: ["state 'legal_review' does not exist in workflow 'default' v1"],
    });
    const everything = validateRollbackTarget(DEFAULT_WORKFLOW, [], 'ghost', 'ghost');
    expect(!everything.ok && everything.reasons).toHaveLength(3);
  });

  it('becomes a 422 RollbackTargetInvalidError', () => {
    const result = validateRollbackTarget(DEFAULT_WORKFLOW, history, 'published', 'archived');
    if (result.ok) throw new Error('expected a rejection');
    const error = new RollbackTargetInvalidError(result);
    expect(isRollbackTargetInvalidError(error)).toBe(true);
    expect([error.status, error.code, error.message]).toEqual([
      422,
      'ROLLBACK_TARGET_INVALID',
      "Cannot roll back to 'archived': the content has never been in state 'archived'",
    ]);
  });
});

describe('approval-gated states', () => {
  it('are approved and published in the default (archived is finished, not gated)', () => {
    expect([...listApprovalGatedStates(DEFAULT_WORKFLOW)]).toEqual(['approved', 'published']);
    expect(findReviewState(DEFAULT_WORKFLOW)).toBe('review');
  });

  it('include a custom legal stage reached through an approval', () => {
    expect([...listApprovalGatedStates(LEGAL_REVIEW_WORKFLOW)]).toEqual([
      'legal_review',
      'approved',
      'published',
    ]);
    expect(findReviewState(LEGAL_REVIEW_WORKFLOW)).toBe('review');
  });

  it('treat entering an approved-kind state as an approval even without min_approvals', () => {
    const def: WorkflowDefinition = {
      key: 'light',
      name: 'Light',
      version: 1,
      states: [
        { key: 'writing', label: 'Writing', initial: true },
        { key: 'checking', label: 'Checking' },
        { key: 'ok', label: 'OK', kind: 'approved' },
        { key: 'live', label: 'Live' },
      ],
      transitions: [
        { action: 'send', from: ['writing'], to: 'checking', label: 'Send', guards: [] },
        { action: 'accept', from: ['checking'], to: 'ok', label: 'Accept', guards: [] },
        { action: 'launch', from: ['ok'], to: 'live', label: 'Launch', guards: [] },
      ],
    };
    expect([...listApprovalGatedStates(def)]).toEqual(['ok', 'live']);
    expect(stateAfterEdit(def, 'live')).toMatchObject({ state: 'checking', returnedToReview: true });
  });

  it('are none when nothing is approved', () => {
    const def: WorkflowDefinition = {
      key: 'flat',
      name: 'Flat',
      version: 1,
      states: [
        { key: 'a', label: 'A', initial: true },
        { key: 'b', label: 'B' },
      ],
      transitions: [{ action: 'go', from: ['a'], to: 'b', label: 'Go', guards: [] }],
    };
    expect(listApprovalGatedStates(def).size).toBe(0);
    expect(findReviewState(def)).toBeUndefined();
    expect(stateAfterEdit(def, 'b')).toEqual({ state: 'b', returnedToReview: false });
  });
});

describe('stateAfterEdit', () => {
  it('sends edited approved content back to review, saying why', () => {
    expect(stateAfterEdit(DEFAULT_WORKFLOW, 'approved')).toEqual({
      state: 'review',
      returnedToReview: true,
      reason:
        "Edited while 'Approved': approvals are pinned to the content hash, so the new version goes back to 'In review' for re-approval",
    });
  });

  it('does the same for published content and for later custom review stages', () => {
    expect(stateAfterEdit(DEFAULT_WORKFLOW, 'published')).toMatchObject({
      state: 'review',
      returnedToReview: true,
    });
    expect(stateAfterEdit(LEGAL_REVIEW_WORKFLOW, 'legal_review')).toMatchObject({
      state: 'review',
      returnedToReview: true,
    });
  });

  it('leaves draft, review, archived and unknown states alone', () => {
    for (const state of ['draft', 'review', 'archived', 'nonexistent']) {
      expect(stateAfterEdit(DEFAULT_WORKFLOW, state)).toEqual({ state, returnedToReview: false });
    }
  });
});
