/**
 * Content items, versions, diffs and history as the REST API returns them (src/server/modules/content/), plus the
 * workflow definition schema itself (re-exported from the engine: it is pure zod, so the definition editor and the
 * server validate the same shape).
 */
import { z } from 'zod';

export {
  CONTENT_TYPES,
  GUARD_KINDS,
  STATE_KINDS,
  workflowDefinitionSchema,
  type ContentType,
  type Guard,
  type WorkflowDefinition,
  type WorkflowState,
  type WorkflowTransition,
} from '../server/modules/content/workflow/workflow.schema.js';
import { CONTENT_TYPES } from '../server/modules/content/workflow/workflow.schema.js';

export const BODY_FORMATS = ['markdown', 'html', 'json'] as const;
export type BodyFormat = (typeof BODY_FORMATS)[number];

export const contentSummarySchema = z.object({
  id: z.string(),
  type: z.enum(CONTENT_TYPES),
  title: z.string(),
  slug: z.string(),
  ownerId: z.string(),
  tags: z.array(z.string()),
  locale: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  state: z.string(),
  version: z.number().int(),
  workflow: z.object({ key: z.string(), version: z.number().int() }),
  publishAt: z.string().nullable(),
  archiveAt: z.string().nullable(),
  sourceChangedAt: z.string().nullable(),
  notPublishableReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ContentSummary = z.infer<typeof contentSummarySchema>;

export const contentVersionSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  title: z.string(),
  body: z.string(),
  bodyFormat: z.enum(BODY_FORMATS),
  fields: z.record(z.string(), z.unknown()),
  authorId: z.string().nullable(),
  contentHash: z.string(),
  restoredFrom: z.number().int().nullable(),
  createdAt: z.string(),
});
export type ContentVersion = z.infer<typeof contentVersionSchema>;

export const contentLinkSchema = z.object({ kind: z.enum(['product', 'bundle']), targetId: z.string() });

export const contentDetailSchema = contentSummarySchema.extend({
  current: contentVersionSchema,
  links: z.array(contentLinkSchema),
});
export type ContentDetail = z.infer<typeof contentDetailSchema>;

export const contentEditResultSchema = contentDetailSchema.extend({
  returnedToReview: z.object({ from: z.string(), to: z.string(), reason: z.string() }).nullable(),
  newVersion: z.boolean(),
});
export type ContentEditResult = z.infer<typeof contentEditResultSchema>;

const textDiffSchema = z.object({
  changed: z.boolean(),
  added: z.number().int(),
  removed: z.number().int(),
  patch: z.string(),
});
export const contentDiffSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  title: z.object({ changed: z.boolean(), from: z.string(), to: z.string() }),
  bodyFormat: z.object({ changed: z.boolean(), from: z.string(), to: z.string() }),
  body: textDiffSchema,
  fields: textDiffSchema,
});
export type ContentDiff = z.infer<typeof contentDiffSchema>;
export const diffSinceApprovalSchema = contentDiffSchema.extend({
  approvedAt: z.string(),
  approvedBy: z.string(),
});
export type DiffSinceApproval = z.infer<typeof diffSinceApprovalSchema>;

export const contentHistorySchema = z.object({
  transitions: z.array(
    z.object({
      from: z.string(),
      to: z.string(),
      action: z.string(),
      actorUserId: z.string().nullable(),
      actorKind: z.string(),
      reason: z.string().nullable(),
      version: z.number().int(),
      contentHash: z.string(),
      at: z.string(),
    }),
  ),
  approvals: z.array(
    z.object({
      userId: z.string(),
      action: z.string(),
      contentHash: z.string(),
      round: z.number().int(),
      at: z.string(),
    }),
  ),
});
export type ContentHistory = z.infer<typeof contentHistorySchema>;

export const transitionResultSchema = z.object({
  item: contentSummarySchema,
  completed: z.boolean(),
  approvalRecorded: z.boolean(),
  approvals: z.object({ count: z.number().int(), required: z.number().int() }).optional(),
});
export type TransitionResult = z.infer<typeof transitionResultSchema>;

/** A page of any list endpoint. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
