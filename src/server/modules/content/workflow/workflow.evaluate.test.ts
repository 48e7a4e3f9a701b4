import { describe, expect, it } from 'vitest';
import { LEGAL_REVIEW_WORKFLOW } from './legal-review.fixture.js';
import { DEFAULT_WORKFLOW } from './workflow.default.js';
import { TransitionRejectedError } from './workflow.errors.js';
import {
  availableActions,
  describeActions,
  evaluateTransition,
  listTransitionsFrom,
} from './workflow.evaluate.js';
import type { ContentSnapshot, TransitionRequest, WorkflowActor } from './workflow.types.js';

const author: WorkflowActor = { userId: 'author', role: 'editor' };
const reviewerA: WorkflowActor = { userId: 'rev-a', role: 'reviewer' };
const reviewerB: WorkflowActor = { userId: 'rev-b', role: 'reviewer' };

function makeContent(overrides: Partial<ContentSnapshot> = {}): ContentSnapshot {
  return {
    ownerId: 'author',
    authorIds: ['author'],
    type: 'blog_post',
    fields: { title: 'Hello' },
    body: 'Read [more](https://example.com).',
    approvals: [],
    contentHash: 'hash-1',
    ...overrides,
  };
}

function makeRequest(overrides: Partial<TransitionRequest>): TransitionRequest {
  return {
    definition: DEFAULT_WORKFLOW,
    currentState: 'review',
    action: 'approve',
    actor: reviewerA,
    content: makeContent(),
    ...overrides,
  };
}

describe('evaluateTransition', () => {
  it('accepts a passing transition that completes at once', () => {
    expect(
      evaluateTransition(makeRequest({ currentState: 'draft', action: 'submit', actor: author })),
    ).toEqual({
      ok: true,
      action: 'submit',
      from: 'draft',
      to: 'review',
      completes: true,
      approvalRecorded: false,
    });
  });

  it('records the single approval the default needs and completes', () => {
    expect(evaluateTransition(makeRequest({}))).toMatchObject({
      ok: true,
      to: 'approved',
      completes: true,
      approvalRecorded: true,
      approvals: { count: 1, required: 1 },
    });
  });

  it('422 TRANSITION_NOT_AVAILABLE for an action that does not leave this state, naming what does', () => {
    expect(evaluateTransition(makeRequest({ currentState: 'draft', action: 'publish' }))).toEqual({
      ok: false,
      status: 422,
      code: 'TRANSITION_NOT_AVAILABLE',
      action: 'publish',
      from: 'draft',
      failed: [
        { guard: 'state', message: "No 'publish' action from state 'draft'; available from here: submit" },
      ],
    });
  });

  it('422 TRANSITION_NOT_AVAILABLE for a state the definition does not have', () => {
    const result = evaluateTransition(makeRequest({ currentState: 'limbo' }));
    expect(result).toMatchObject({ ok: false, code: 'TRANSITION_NOT_AVAILABLE' });
    expect(!result.ok && result.failed[0]?.message).toBe(
      "State 'limbo' does not exist in workflow 'default' v1",
    );
  });

  it('403 TRANSITION_FORBIDDEN listing every failure, including content ones', () => {
    const content = makeContent({ fields: {}, body: 'Hi {{ name }}' });
    const result = evaluateTransition(makeRequest({ actor: author, content }));
    expect(result).toMatchObject({ ok: false, status: 403, code: 'TRANSITION_FORBIDDEN' });
    expect(!result.ok && result.failed.map((f) => f.rule ?? f.guard)).toEqual([
      'roles',
      'not_author',
      'required_fields',
      'no_unresolved_variables',
    ]);
  });

  it('422 TRANSITION_INVALID when only content guards fail', () => {
    const content = makeContent({ body: 'See [here](/relative)' });
    const result = evaluateTransition(makeRequest({ content }));
    expect(result).toMatchObject({
      ok: false,
      status: 422,
      code: 'TRANSITION_INVALID',
      failed: [{ guard: 'validation', rule: 'links_well_formed' }],
    });
  });

  it('requires a non-blank reason where the transition says so', () => {
    for (const reason of [undefined, '', '   ']) {
      const result = evaluateTransition(makeRequest({ action: 'reject', reason }));
      expect(result).toMatchObject({
        ok: false,
        status: 422,
        code: 'TRANSITION_INVALID',
        failed: [{ guard: 'reason', message: 'Request changes requires a reason' }],
      });
    }
    expect(evaluateTransition(makeRequest({ action: 'reject', reason: 'Tone is off' }))).toMatchObject({
      ok: true,
      to: 'draft',
    });
  });

  it('403 wins over a missing reason, and both are listed', () => {
    const result = evaluateTransition(makeRequest({ action: 'reject', actor: author }));
    expect(result).toMatchObject({ ok: false, status: 403 });
    expect(!result.ok && result.failed.map((f) => f.guard)).toEqual(['roles', 'reason']);
  });

  describe('min_approvals 2 (legal review)', () => {
    const base = { definition: LEGAL_REVIEW_WORKFLOW, currentState: 'review', action: 'approve' } as const;

    it('records the first approval without completing, completes on the second distinct one', () => {
      const first = evaluateTransition(makeRequest({ ...base, actor: reviewerA }));
      expect(first).toMatchObject({ ok: true, to: 'legal_review', completes: false, approvalRecorded: true });
      const content = makeContent({
        approvals: [{ userId: 'rev-a', action: 'approve', contentHash: 'hash-1' }],
      });
      const second = evaluateTransition(makeRequest({ ...base, actor: reviewerB, content }));
      expect(second).toMatchObject({ ok: true, completes: true, approvals: { count: 2, required: 2 } });
    });

    it('refuses a second vote by the same user', () => {
      const content = makeContent({
        approvals: [{ userId: 'rev-a', action: 'approve', contentHash: 'hash-1' }],
      });
      expect(evaluateTransition(makeRequest({ ...base, actor: reviewerA, content }))).toMatchObject({
        ok: false,
        status: 422,
        failed: [{ guard: 'min_approvals' }],
      });
    });

    it('does not count approvals of an older content hash', () => {
      const content = makeContent({
        contentHash: 'hash-2',
        approvals: [{ userId: 'rev-a', action: 'approve', contentHash: 'hash-1' }],
      });
      expect(evaluateTransition(makeRequest({ ...base, actor: reviewerB, content }))).toMatchObject({
        ok: true,
        completes: false,
        approvals: { count: 1, required: 2 },
      });
      // And the earlier approver may vote again on the new hash.
      expect(evaluateTransition(makeRequest({ ...base, actor: reviewerA, content }))).toMatchObject({
        ok: true,
      });
    });
  });

  it('becomes a TransitionRejectedError with status, code and failures', () => {
    const result = evaluateTransition(makeRequest({ actor: author }));
    if (result.ok) throw new Error('expected a rejection');
    const error = new TransitionRejectedError(result);
    expect([error.status, error.code]).toEqual([403, 'TRANSITION_FORBIDDEN']);
    expect(error.message).toBe(
      "Cannot approve from 'review': Requires one of the roles reviewer, admin, owner; you are editor (and 1 more)",
    );
    expect(error.details).toEqual({ action: 'approve', from: 'review', failed: result.failed });
  });
});

describe('describeActions and availableActions', () => {
  it('lists every action from the state with why it is disabled', () => {
    const options = describeActions(DEFAULT_WORKFLOW, 'review', author, makeContent());
    expect(options.map((o) => [o.action, o.allowed, o.failed.map((f) => f.guard)])).toEqual([
      ['approve', false, ['roles', 'not_author']],
      ['reject', false, ['roles']],
    ]);
  });

  it('offers reason-requiring actions before a reason is typed', () => {
    const actions = availableActions(DEFAULT_WORKFLOW, 'review', reviewerA, makeContent());
    expect(actions.map((a) => [a.action, a.requiresReason, a.completes])).toEqual([
      ['approve', false, true],
      ['reject', true, true],
    ]);
  });

  it('marks an approval that will not complete yet', () => {
    const [approve] = availableActions(LEGAL_REVIEW_WORKFLOW, 'review', reviewerA, makeContent());
    expect(approve).toMatchObject({ action: 'approve', allowed: true, completes: false });
  });

  it('offers the same set evaluateTransition accepts (given a reason)', () => {
    for (const state of DEFAULT_WORKFLOW.states) {
      for (const actor of [author, reviewerA, { userId: 'boss', role: 'owner' } as const]) {
        const offered = availableActions(DEFAULT_WORKFLOW, state.key, actor, makeContent()).map(
          (a) => a.action,
        );
        const accepted = listTransitionsFrom(DEFAULT_WORKFLOW, state.key)
          .filter(
            (t) =>
              evaluateTransition(
                makeRequest({ currentState: state.key, action: t.action, actor, reason: 'r' }),
              ).ok,
          )
          .map((t) => t.action);
        expect(offered).toEqual(accepted);
      }
    }
  });
});
