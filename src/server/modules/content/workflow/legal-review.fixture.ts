/**
 * A custom definition used by the tests: an extra legal stage between review and approval, two reviewer votes, a
 * terminal archive and no restore. It exercises what the default does not: multi-stage approval, a `custom` state
 * kind, N > 1 approvals and a terminal state.
 */
import type { WorkflowDefinition } from './workflow.schema.js';

export const LEGAL_REVIEW_WORKFLOW: WorkflowDefinition = {
  key: 'legal_review',
  name: 'Review with legal sign-off',
  version: 3,
  states: [
    { key: 'draft', label: 'Draft', initial: true, kind: 'draft' },
    { key: 'review', label: 'In review', kind: 'review' },
    { key: 'legal_review', label: 'Legal review', kind: 'custom' },
    { key: 'approved', label: 'Approved', kind: 'approved' },
    { key: 'published', label: 'Published', kind: 'published' },
    { key: 'archived', label: 'Archived', kind: 'archived', terminal: true },
  ],
  transitions: [
    {
      action: 'submit',
      from: ['draft'],
      to: 'review',
      label: 'Submit',
      guards: [
        { kind: 'owner_or_admin' },
        {
          kind: 'validation',
          rules: [{ kind: 'required_fields', byType: { blog_post: ['title', 'body'] } }],
        },
      ],
    },
    {
      action: 'approve',
      from: ['review'],
      to: 'legal_review',
      label: 'Approve for legal',
      guards: [
        { kind: 'roles', roles: ['reviewer', 'admin', 'owner'] },
        { kind: 'not_author' },
        { kind: 'min_approvals', count: 2 },
      ],
    },
    {
      action: 'reject',
      from: ['review', 'legal_review'],
      to: 'draft',
      label: 'Send back',
      requiresReason: true,
      guards: [{ kind: 'roles', roles: ['reviewer', 'admin', 'owner'] }],
    },
    {
      action: 'legal_approve',
      from: ['legal_review'],
      to: 'approved',
      label: 'Legal sign-off',
      guards: [
        { kind: 'roles', roles: ['admin', 'owner'] },
        { kind: 'not_author' },
        { kind: 'min_approvals', count: 1 },
        { kind: 'validation', rules: [{ kind: 'no_unresolved_variables' }, { kind: 'links_well_formed' }] },
      ],
    },
    {
      action: 'publish',
      from: ['approved'],
      to: 'published',
      label: 'Publish',
      guards: [{ kind: 'roles', roles: ['publisher', 'admin', 'owner'] }],
    },
    {
      action: 'archive',
      from: ['approved', 'published'],
      to: 'archived',
      label: 'Archive',
      requiresReason: true,
      guards: [{ kind: 'roles', roles: ['admin', 'owner'] }],
    },
  ],
};
