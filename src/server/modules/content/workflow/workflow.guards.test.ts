import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROLES } from '../../../platform/db/identity.tables.js';
import {
  FAILED_CHECK_STATUS,
  checkGuards,
  findApprovalThreshold,
  listCountedApprovers,
} from './workflow.guards.js';
import type { Guard, WorkflowTransition } from './workflow.schema.js';
import type { ContentSnapshot, WorkflowActor } from './workflow.types.js';

const content: ContentSnapshot = {
  ownerId: 'owner-1',
  authorIds: ['owner-1', 'writer-2'],
  type: 'social_post',
  fields: {},
  body: 'Short and sweet',
  approvals: [
    { userId: 'rev-1', action: 'approve', contentHash: 'h2' },
    { userId: 'rev-1', action: 'approve', contentHash: 'h2' },
    { userId: 'rev-2', action: 'approve', contentHash: 'h1' },
    { userId: 'rev-3', action: 'legal_approve', contentHash: 'h2' },
    { userId: 'rev-4', action: 'approve', contentHash: 'h2' },
  ],
  contentHash: 'h2',
};

function makeTransition(guards: Guard[]): WorkflowTransition {
  return { action: 'approve', from: ['review'], to: 'approved', label: 'Approve', guards };
}

function failuresFor(guards: Guard[], actor: WorkflowActor): string[] {
  return checkGuards({ transition: makeTransition(guards), actor, content }).map((f) => f.guard);
}

describe('listCountedApprovers', () => {
  it('counts distinct users on the current hash for this action only', () => {
    expect([...listCountedApprovers(content.approvals, 'approve', 'h2')]).toEqual(['rev-1', 'rev-4']);
    expect([...listCountedApprovers(content.approvals, 'approve', 'h1')]).toEqual(['rev-2']);
    expect([...listCountedApprovers(content.approvals, 'legal_approve', 'h2')]).toEqual(['rev-3']);
  });
});

describe('checkGuards', () => {
  it('roles: passes listed roles only', () => {
    const guards: Guard[] = [{ kind: 'roles', roles: ['reviewer', 'owner'] }];
    const passing = WORKSPACE_ROLES.filter((role) => failuresFor(guards, { userId: 'x', role }).length === 0);
    expect(passing).toEqual(['owner', 'reviewer']);
    const [failure] = checkGuards({
      transition: makeTransition(guards),
      actor: { userId: 'x', role: 'editor' },
      content,
    });
    expect(failure?.message).toBe('Requires one of the roles reviewer, owner; you are editor');
  });

  it('owner_or_admin: the owner whatever their role, or admins and owners', () => {
    const guards: Guard[] = [{ kind: 'owner_or_admin' }];
    expect(failuresFor(guards, { userId: 'owner-1', role: 'editor' })).toEqual([]);
    expect(failuresFor(guards, { userId: 'someone', role: 'admin' })).toEqual([]);
    expect(failuresFor(guards, { userId: 'someone', role: 'owner' })).toEqual([]);
    expect(failuresFor(guards, { userId: 'someone', role: 'publisher' })).toEqual(['owner_or_admin']);
  });

  it('not_author: any version author is refused, even an admin', () => {
    const guards: Guard[] = [{ kind: 'not_author' }];
    expect(failuresFor(guards, { userId: 'writer-2', role: 'owner' })).toEqual(['not_author']);
    expect(failuresFor(guards, { userId: 'rev-9', role: 'reviewer' })).toEqual([]);
  });

  it('min_approvals: never fails on the count, only on a second vote for the same hash', () => {
    const guards: Guard[] = [{ kind: 'min_approvals', count: 5 }];
    expect(failuresFor(guards, { userId: 'rev-9', role: 'reviewer' })).toEqual([]);
    // rev-2 approved an older hash: voting again on the new one is fine.
    expect(failuresFor(guards, { userId: 'rev-2', role: 'reviewer' })).toEqual([]);
    const [failure] = checkGuards({
      transition: makeTransition(guards),
      actor: { userId: 'rev-1', role: 'reviewer' },
      content,
    });
    expect(failure).toEqual({
      guard: 'min_approvals',
      message: 'You already approved this version; 5 distinct approvals are needed (2 so far)',
    });
  });

  it('validation: delegates to the rules', () => {
    const guards: Guard[] = [
      { kind: 'validation', rules: [{ kind: 'max_length', field: 'body', byType: { social_post: 5 } }] },
    ];
    expect(failuresFor(guards, { userId: 'x', role: 'owner' })).toEqual(['validation']);
  });

  it('reports every failing guard in declaration order', () => {
    const guards: Guard[] = [
      { kind: 'roles', roles: ['reviewer'] },
      { kind: 'not_author' },
      { kind: 'owner_or_admin' },
      {
        kind: 'validation',
        rules: [{ kind: 'required_fields', byType: { social_post: ['title', 'image'] } }],
      },
    ];
    expect(failuresFor(guards, { userId: 'writer-2', role: 'editor' })).toEqual([
      'roles',
      'not_author',
      'owner_or_admin',
      'validation',
    ]);
  });
});

describe('guard metadata', () => {
  it('maps who-may checks to 403 and content checks to 422', () => {
    expect(FAILED_CHECK_STATUS).toEqual({
      roles: 403,
      owner_or_admin: 403,
      not_author: 403,
      min_approvals: 422,
      validation: 422,
      reason: 422,
      state: 422,
    });
  });

  it('finds the approval threshold', () => {
    expect(findApprovalThreshold(makeTransition([{ kind: 'not_author' }]))).toBeUndefined();
    expect(
      findApprovalThreshold(makeTransition([{ kind: 'not_author' }, { kind: 'min_approvals', count: 3 }])),
    ).toBe(3);
  });
});
