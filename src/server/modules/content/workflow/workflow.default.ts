/**
 * The workflow every workspace starts with: draft → review → approved → published → archived.
 *
 * | action    | from → to                      | guards                                                     | why |
 * |-----------|--------------------------------|------------------------------------------------------------|-----|
 * | submit    | draft → review                 | roles editor+; validation (all rules below)                | reviewers should not spend time on content that cannot ship |
 * | approve   | review → approved              | roles reviewer/admin/owner; not_author; min_approvals 1; validation | four-eyes; content may have been edited in review, so re-validate |
 * | reject    | review → draft                 | roles reviewer/admin/owner; reason required                | the author needs to know what to change |
 * | publish   | approved → published           | roles publisher/admin/owner                                | approval already validated this exact hash (an edit returns it to review) |
 * | unpublish | published → approved          | roles publisher/admin/owner; reason required               | takes public content down: the audit log should say why |
 * | archive   | published, approved → archived | roles publisher/admin/owner                                | from published it also takes content down, a publisher's call |
 * | restore   | archived → draft               | roles editor+; owner_or_admin                              | the owner revives their own work; admins anyone's |
 *
 * "editor+" is editor, reviewer, publisher, admin, owner: everyone but viewers. Nobody skips review: there is no
 * draft → published edge, and publish requires the approved state, which only `approve` enters.
 *
 * Validation rules (on submit and approve):
 * - required fields: blog post title+body, email title+subject+body, social post body, landing page title+body,
 *   asset title;
 * - max length: social post body 280 characters, email subject 200;
 * - no unresolved `{{ variables }}` in the body, except `contact.*` merge fields that are filled per recipient at
 *   send time;
 * - every link is an absolute http(s) or mailto URL (relative links break in emails and on social networks).
 */
import type { WorkspaceRole } from '../../../platform/db/identity.tables.js';
import type { Guard, WorkflowDefinition } from './workflow.schema.js';

const EDITORS_AND_UP: WorkspaceRole[] = ['editor', 'reviewer', 'publisher', 'admin', 'owner'];
const REVIEWERS: WorkspaceRole[] = ['reviewer', 'admin', 'owner'];
const PUBLISHERS: WorkspaceRole[] = ['publisher', 'admin', 'owner'];

/** The validation guard shared by submit and approve; exported so custom definitions can start from it. */
export const DEFAULT_CONTENT_VALIDATION: Guard = {
  kind: 'validation',
  rules: [
    {
      kind: 'required_fields',
      byType: {
        blog_post: ['title', 'body'],
        email: ['title', 'subject', 'body'],
        social_post: ['body'],
        landing_page: ['title', 'body'],
        asset: ['title'],
      },
    },
    { kind: 'max_length', field: 'body', byType: { social_post: 280 } },
    { kind: 'max_length', field: 'subject', byType: { email: 200 } },
    { kind: 'no_unresolved_variables', allow: ['contact.*'] },
    { kind: 'links_well_formed' },
  ],
};

export const DEFAULT_WORKFLOW: WorkflowDefinition = {
  key: 'default',
  name: 'Default review workflow',
  version: 1,
  states: [
    { key: 'draft', label: 'Draft', initial: true, kind: 'draft' },
    { key: 'review', label: 'In review', kind: 'review' },
    { key: 'approved', label: 'Approved', kind: 'approved' },
    { key: 'published', label: 'Published', kind: 'published' },
    // Not terminal: `restore` brings archived content back to draft.
    { key: 'archived', label: 'Archived', kind: 'archived' },
  ],
  transitions: [
    {
      action: 'submit',
      from: ['draft'],
      to: 'review',
      label: 'Submit for review',
      guards: [{ kind: 'roles', roles: EDITORS_AND_UP }, DEFAULT_CONTENT_VALIDATION],
    },
    {
      action: 'approve',
      from: ['review'],
      to: 'approved',
      label: 'Approve',
      guards: [
        { kind: 'roles', roles: REVIEWERS },
        { kind: 'not_author' },
        { kind: 'min_approvals', count: 1 },
        DEFAULT_CONTENT_VALIDATION,
      ],
    },
    {
      action: 'reject',
      from: ['review'],
      to: 'draft',
      label: 'Request changes',
      requiresReason: true,
      guards: [{ kind: 'roles', roles: REVIEWERS }],
    },
    {
      action: 'publish',
      from: ['approved'],
      to: 'published',
      label: 'Publish',
      guards: [{ kind: 'roles', roles: PUBLISHERS }],
    },
    {
      action: 'unpublish',
      from: ['published'],
      to: 'approved',
      label: 'Unpublish',
      requiresReason: true,
      guards: [{ kind: 'roles', roles: PUBLISHERS }],
    },
    {
      action: 'archive',
      from: ['published', 'approved'],
      to: 'archived',
      label: 'Archive',
      guards: [{ kind: 'roles', roles: PUBLISHERS }],
    },
    {
      action: 'restore',
      from: ['archived'],
      to: 'draft',
      label: 'Restore to draft',
      guards: [{ kind: 'roles', roles: EDITORS_AND_UP }, { kind: 'owner_or_admin' }],
    },
  ],
};
