/**
 * A workflow definition is data: states, transitions and the guards on each transition. Workspaces store their own
 * definitions as JSON, so the shape is a zod schema and every object is strict — a misspelt key such as
 * `requireReason` must be reported on save, not silently ignored at transition time.
 *
 * The schema checks each piece in isolation (known guard kinds, well-formed keys); `validateDefinition` adds the
 * checks that need the whole graph (one initial state, reachability, references, unique actions).
 */
import { z } from 'zod';
import { WORKSPACE_ROLES } from '../../../platform/db/identity.tables.js';

/** Content types the product knows (issue 3). Validation rules are configured per type. */
export const CONTENT_TYPES = ['blog_post', 'email', 'social_post', 'landing_page', 'asset'] as const;
export type ContentType = (typeof CONTENT_TYPES)[number];

/**
 * What a state means to the rest of the product, independent of its key: the default definition uses one of each;
 * a custom stage (e.g. "legal_review") is `custom` or reuses `review`.
 */
export const STATE_KINDS = ['draft', 'review', 'approved', 'published', 'archived', 'custom'] as const;
export type StateKind = (typeof STATE_KINDS)[number];

export const GUARD_KINDS = ['roles', 'owner_or_admin', 'not_author', 'min_approvals', 'validation'] as const;
export type GuardKind = (typeof GUARD_KINDS)[number];

export const RULE_KINDS = [
  'required_fields',
  'max_length',
  'no_unresolved_variables',
  'links_well_formed',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** State keys and action names are stored, logged and used in URLs: keep them boring. */
const keySchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, 'Use lowercase letters, digits and underscores, starting with a letter');

const contentTypeSchema = z.enum(CONTENT_TYPES);
const fieldNameSchema = z.string().min(1).max(100);

function unknownKindMessage(what: string, known: readonly string[]) {
  return (issue: { code?: string; input?: unknown }): string | undefined => {
    if (issue.code !== 'invalid_union') return undefined;
    const input = issue.input as { kind?: unknown } | undefined;
    const kind = typeof input === 'object' && input !== null ? input.kind : undefined;
    return `Unknown ${what} kind ${JSON.stringify(kind)}; known kinds: ${known.join(', ')}`;
  };
}

export const validationRuleSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({
      kind: z.literal('required_fields'),
      /** Field names that must be present and non-empty, per content type. `body` means the version body. */
      byType: z.partialRecord(contentTypeSchema, z.array(fieldNameSchema)),
    }),
    z.strictObject({
      kind: z.literal('max_length'),
      field: fieldNameSchema,
      /** Maximum length in user-perceived characters (grapheme clusters), per content type. */
      byType: z.partialRecord(contentTypeSchema, z.int().positive()),
    }),
    z.strictObject({
      kind: z.literal('no_unresolved_variables'),
      /**
       * Variables that may legitimately stay in the body because they are filled later, e.g. per-recipient merge
       * fields at send time. `name` allows exactly that variable; `prefix.*` allows a whole namespace.
       */
      allow: z.array(z.string().min(1)).optional(),
    }),
    z.strictObject({ kind: z.literal('links_well_formed') }),
  ],
  { error: unknownKindMessage('validation rule', RULE_KINDS) },
);
export type ValidationRule = z.infer<typeof validationRuleSchema>;

export const guardSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('roles'), roles: z.array(z.enum(WORKSPACE_ROLES)).min(1) }),
    /** The content's owner, or an admin/owner of the workspace. */
    z.strictObject({ kind: z.literal('owner_or_admin') }),
    /** Four-eyes: nobody who authored a version of the content may take this transition. */
    z.strictObject({ kind: z.literal('not_author') }),
    /** The transition completes only once `count` distinct users approved the current content hash. */
    z.strictObject({ kind: z.literal('min_approvals'), count: z.int().min(1).max(50) }),
    z.strictObject({ kind: z.literal('validation'), rules: z.array(validationRuleSchema).min(1) }),
  ],
  { error: unknownKindMessage('guard', GUARD_KINDS) },
);
export type Guard = z.infer<typeof guardSchema>;
export type GuardOf<K extends GuardKind> = Extract<Guard, { kind: K }>;

export const workflowStateSchema = z.strictObject({
  key: keySchema,
  label: z.string().min(1).max(100),
  initial: z.boolean().optional(),
  /** No transition may leave a terminal state. */
  terminal: z.boolean().optional(),
  kind: z.enum(STATE_KINDS).optional(),
});
export type WorkflowState = z.infer<typeof workflowStateSchema>;

export const workflowTransitionSchema = z.strictObject({
  action: keySchema,
  from: z.array(keySchema).min(1, 'A transition needs at least one source state'),
  to: keySchema,
  label: z.string().min(1).max(100),
  requiresReason: z.boolean().optional(),
  /** All guards must pass (AND). An empty list means anyone who can reach the content may take it. */
  guards: z.array(guardSchema).default([]),
});
export type WorkflowTransition = z.infer<typeof workflowTransitionSchema>;

export const workflowDefinitionSchema = z.strictObject({
  key: keySchema,
  name: z.string().min(1).max(200),
  /** Content keeps the definition version it started with; a new version is a new row, never an edit. */
  version: z.int().min(1),
  states: z.array(workflowStateSchema).min(1, 'A workflow needs at least one state'),
  transitions: z.array(workflowTransitionSchema),
});
/** A definition as stored and evaluated (defaults applied). */
export type WorkflowDefinition = z.infer<typeof workflowDefinitionSchema>;
/** A definition as authored (e.g. `guards` may be omitted). */
export type WorkflowDefinitionInput = z.input<typeof workflowDefinitionSchema>;
