import { describe, expect, it } from 'vitest';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../../../platform/db/identity.tables.js';
import { DEFAULT_WORKFLOW } from './workflow.default.js';
import { evaluateTransition } from './workflow.evaluate.js';
import { validateDefinition } from './workflow.validate.js';
import type { ContentSnapshot, TransitionResult } from './workflow.types.js';

const validPost: ContentSnapshot = {
  ownerId: 'owner-user',
  authorIds: ['owner-user'],
  type: 'blog_post',
  fields: { title: 'Launch' },
  body: 'All about the [launch](https://example.com/launch).',
  approvals: [],
  contentHash: 'h',
};

function attempt(action: string, from: string, userId: string, role: WorkspaceRole): TransitionResult {
  return evaluateTransition({
    definition: DEFAULT_WORKFLOW,
    currentState: from,
    action,
    actor: { userId, role },
    content: validPost,
    reason: 'because',
  });
}

/**
 * The authorization matrix of the default definition, written out by hand so a change to the definition shows up
 * as a diff here. Actor: a member who is neither the owner nor an author.
 */
const MATRIX: Record<string, Record<string, readonly WorkspaceRole[]>> = {
  submit: { draft: ['owner', 'admin', 'publisher', 'reviewer', 'editor'] },
  approve: { review: ['owner', 'admin', 'reviewer'] },
  reject: { review: ['owner', 'admin', 'reviewer'] },
  publish: { approved: ['owner', 'admin', 'publisher'] },
  unpublish: { published: ['owner', 'admin', 'publisher'] },
  archive: { published: ['owner', 'admin', 'publisher'], approved: ['owner', 'admin', 'publisher'] },
  restore: { archived: ['owner', 'admin'] },
};

describe('DEFAULT_WORKFLOW', () => {
  it('is a valid definition', () => {
    expect(validateDefinition(DEFAULT_WORKFLOW)).toMatchObject({ ok: true });
  });

  it('has the issue’s states and transitions', () => {
    expect(DEFAULT_WORKFLOW.states.map((s) => s.key)).toEqual([
      'draft',
      'review',
      'approved',
      'published',
      'archived',
    ]);
    expect(DEFAULT_WORKFLOW.transitions.map((t) => `${t.action}:${t.from.join('|')}>${t.to}`)).toEqual([
      'submit:draft>review',
      'approve:review>approved',
      'reject:review>draft',
      'publish:approved>published',
      'unpublish:published>approved',
      'archive:published|approved>archived',
      'restore:archived>draft',
    ]);
  });

  it('matches the authorization matrix for every transition × source state × role', () => {
    const actual: Record<string, Record<string, WorkspaceRole[]>> = {};
    for (const transition of DEFAULT_WORKFLOW.transitions) {
      for (const from of transition.from) {
        const allowed = WORKSPACE_ROLES.filter(
          (role) => attempt(transition.action, from, 'other-user', role).ok,
        );
        (actual[transition.action] ??= {})[from] = allowed;
      }
    }
    expect(actual).toEqual(MATRIX);
  });

  it('refused roles get 403 TRANSITION_FORBIDDEN', () => {
    expect(attempt('publish', 'approved', 'other-user', 'reviewer')).toMatchObject({
      ok: false,
      status: 403,
      code: 'TRANSITION_FORBIDDEN',
    });
  });

  it('lets the owner restore their own content whatever their role, but not a viewer', () => {
    expect(attempt('restore', 'archived', 'owner-user', 'editor').ok).toBe(true);
    expect(attempt('restore', 'archived', 'owner-user', 'viewer').ok).toBe(false);
  });

  it('enforces four-eyes on approve, even for workspace owners', () => {
    expect(attempt('approve', 'review', 'owner-user', 'owner')).toMatchObject({
      ok: false,
      failed: [{ guard: 'not_author' }],
    });
  });

  it('requires reasons for reject and unpublish only', () => {
    expect(DEFAULT_WORKFLOW.transitions.filter((t) => t.requiresReason).map((t) => t.action)).toEqual([
      'reject',
      'unpublish',
    ]);
  });

  it('validates content on submit: social posts over 280 characters and unresolved variables', () => {
    const social: ContentSnapshot = {
      ...validPost,
      type: 'social_post',
      body: `${'x'.repeat(281)} {{ coupon }}`,
    };
    const result = evaluateTransition({
      definition: DEFAULT_WORKFLOW,
      currentState: 'draft',
      action: 'submit',
      actor: { userId: 'owner-user', role: 'editor' },
      content: social,
    });
    expect(result).toMatchObject({ ok: false, status: 422, code: 'TRANSITION_INVALID' });
    expect(!result.ok && result.failed.map((f) => f.rule)).toEqual(['max_length', 'no_unresolved_variables']);
  });

  it('lets per-recipient merge fields through in emails', () => {
    const email: ContentSnapshot = {
      ...validPost,
      type: 'email',
      fields: { title: 'Newsletter', subject: 'Hi {{ contact.first_name }}' },
      body: 'Dear {{ contact.first_name }}, [unsubscribe](https://example.com/u)',
    };
    const result = evaluateTransition({
      definition: DEFAULT_WORKFLOW,
      currentState: 'draft',
      action: 'submit',
      actor: { userId: 'owner-user', role: 'editor' },
      content: email,
    });
    expect(result.ok).toBe(true);
  });
});
