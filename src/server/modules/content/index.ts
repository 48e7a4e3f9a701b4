/**
 * content: content items, immutable versions, the workflow they move through, approvals pinned to content hashes,
 * scheduled transitions, rollback and batch approvals (issue 3). The pure engine is in `workflow/`.
 *
 * Terminology (see also workflow/index.ts):
 * - item version (`version`): the optimistic-concurrency counter of an item; every write takes it (If-Match /
 *   `expectedVersion` / `--expect-version`) and a stale one gets 409 CONTENT_VERSION_CONFLICT.
 * - content version: an immutable snapshot of what reviewers read (title, body, fields), numbered 1, 2, 3 … per
 *   item, with a content hash. Edits that change nothing visible add none.
 * - review round: bumped on every state change; approvals count only in the round (and hash) they were given in.
 * - schedule: `publishAt` / `archiveAt`, executed by `content.scheduled_transition` jobs; a state change cancels
 *   a pending publish.
 *
 * Other modules use `ContentService` (from this file) or react to `content.*` events; the catalog writes only
 * `content_items.source_changed_at` / `not_publishable_reason` and reads `content_links`.
 */
import type { Actor } from '../../platform/auth/index.js';
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { ContentContext } from './content.context.js';
import type { StoredDefinition } from './content.definitions.js';
import type { VersionDiff } from './content.diff.js';
import { registerContentRoutes } from './content.routes.js';
import {
  defineContentJobs,
  runScheduledTransition,
  type ScheduledOutcome,
  type ScheduledTransitionPayload,
} from './content.schedule.js';
import {
  createContent,
  diffContentVersions,
  diffSinceApproval,
  editContent,
  getContent,
  getVersion,
  listContentHistory,
  listContentVersions,
  migrateContentDefinition,
  restoreVersion,
  type ContentDetail,
  type CreateContentInput,
  type EditContentInput,
  type EditResult,
  type HistoryCursor,
  type HistoryPageQuery,
} from './content.service.js';
import {
  batchTransition,
  rollbackContent,
  transitionContent,
  type ApplyResult,
  type BatchInput,
  type BatchItemResult,
  type RollbackInput,
  type TransitionInput,
} from './content-transitions.service.js';
import { applyWorkflow, checkWorkflow, listWorkflows, showWorkflow } from './content-workflow.service.js';
import { registerWorkflowRoutes } from './content-workflow.routes.js';
import { describeContentActions, type ContentActions } from './content-actions.service.js';
import { registerContentActionRoutes } from './content-actions.routes.js';
import { authorize } from '../../platform/auth/index.js';
import {
  listItems,
  type ApprovalRecord,
  type ContentItem,
  type ContentVersion,
  type TransitionRecord,
  type VersionPage,
} from './content.repo.js';
import type { DefinitionValidation } from './workflow/index.js';

export type {
  ContentItem,
  ContentVersion,
  ContentLink,
  TransitionRecord,
  ApprovalRecord,
} from './content.repo.js';
export type {
  ContentDetail,
  CreateContentInput,
  EditContentInput,
  EditResult,
  HistoryCursor,
  HistoryPageQuery,
} from './content.service.js';
export type { VersionPage } from './content.repo.js';
export type {
  BatchInput,
  BatchItemResult,
  RollbackInput,
  TransitionInput,
} from './content-transitions.service.js';
export type { StoredDefinition } from './content.definitions.js';
export type { ContentActionOption, ContentActions } from './content-actions.service.js';
export type { VersionDiff } from './content.diff.js';
export type { ContentTables, ContentLinkKind } from './content.tables.js';
export { CONTENT_LINK_KINDS } from './content.tables.js';
export { computeContentHash } from './content.diff.js';

export interface ContentHistory {
  transitions: TransitionRecord[];
  approvals: ApprovalRecord[];
  /** Where the next page starts; null on the last page and whenever no page was asked for. */
  next: HistoryCursor | null;
}

export interface ListContentQuery {
  state?: string | undefined;
  type?: ContentItem['type'] | undefined;
  tag?: string | undefined;
  after?: { updatedAt: string; id: string } | undefined;
  limit: number;
}

/** Every content use case, bound to its dependencies: used by HTTP routes, the CLI and jobs alike. */
export interface ContentService {
  list(actor: Actor, query: ListContentQuery): Promise<ContentItem[]>;
  get(actor: Actor, id: string): Promise<ContentDetail>;
  create(actor: Actor, input: CreateContentInput): Promise<ContentDetail>;
  edit(actor: Actor, id: string, input: EditContentInput): Promise<EditResult>;
  /** Newest first; all of them without `page`. */
  listVersions(actor: Actor, id: string, page?: VersionPage): Promise<ContentVersion[]>;
  getVersion(actor: Actor, id: string, version: number): Promise<ContentVersion>;
  restoreVersion(
    actor: Actor,
    id: string,
    input: { version: number; expectedVersion: number },
  ): Promise<EditResult>;
  diff(actor: Actor, id: string, from: number, to: number): Promise<VersionDiff>;
  diffSinceApproval(
    actor: Actor,
    id: string,
  ): Promise<VersionDiff & { approvedAt: Date; approvedBy: string }>;
  transition(actor: Actor, id: string, input: TransitionInput): Promise<Extract<ApplyResult, { ok: true }>>;
  rollback(actor: Actor, id: string, input: RollbackInput): Promise<ContentItem>;
  batchTransition(actor: Actor, input: BatchInput): Promise<BatchItemResult[]>;
  /** Oldest first; everything without `page`, else up to `page.limit` of each list. */
  history(actor: Actor, id: string, page?: HistoryPageQuery): Promise<ContentHistory>;
  /** Workflow actions leaving the current state, judged for `actor` with the transition's guards; read-only. */
  actions(actor: Actor, id: string): Promise<ContentActions>;
  migrateWorkflow(
    actor: Actor,
    id: string,
    input: { expectedVersion: number; toVersion?: number },
  ): Promise<ContentItem>;
  listWorkflows(actor: Actor): Promise<StoredDefinition[]>;
  showWorkflow(actor: Actor, key: string, version?: number): Promise<StoredDefinition>;
  checkWorkflow(actor: Actor, input: unknown): DefinitionValidation;
  applyWorkflow(actor: Actor, input: unknown): Promise<StoredDefinition>;
  runScheduledTransition(payload: ScheduledTransitionPayload): Promise<ScheduledOutcome>;
}

export type ContentModule = SwitchboardModule & { readonly content: ContentService };

export function createContentModule(deps: ModuleDeps): ContentModule {
  // The job handler needs the context and the context needs the catalog: the handler resolves it lazily.
  const jobs = defineContentJobs((payload, logger) => runScheduledTransition(ctx, payload, logger));
  const ctx: ContentContext = {
    db: deps.db,
    clock: deps.clock,
    events: deps.events,
    audit: deps.audit,
    jobs,
  };
  const db = deps.db.kysely;
  const content: ContentService = {
    list: async (actor, query) => {
      authorize(actor, 'content.read');
      return listItems(db, actor.workspaceId, query);
    },
    get: (actor, id) => getContent(ctx, actor, id),
    create: (actor, input) => createContent(ctx, actor, input),
    edit: (actor, id, input) => editContent(ctx, actor, id, input),
    listVersions: (actor, id, page) => listContentVersions(ctx, actor, id, page),
    getVersion: (actor, id, version) => getVersion(ctx, actor, id, version),
    restoreVersion: (actor, id, input) => restoreVersion(ctx, actor, id, input),
    diff: (actor, id, from, to) => diffContentVersions(ctx, actor, id, from, to),
    diffSinceApproval: (actor, id) => diffSinceApproval(ctx, actor, id),
    transition: (actor, id, input) => transitionContent(ctx, actor, id, input),
    rollback: (actor, id, input) => rollbackContent(ctx, actor, id, input),
    batchTransition: (actor, input) => batchTransition(ctx, actor, input),
    history: (actor, id, page) => listContentHistory(ctx, actor, id, page),
    actions: (actor, id) => describeContentActions(ctx, actor, id),
    migrateWorkflow: (actor, id, input) => migrateContentDefinition(ctx, actor, id, input),
    listWorkflows: (actor) => listWorkflows(ctx, actor),
    showWorkflow: (actor, key, version) => showWorkflow(ctx, actor, key, version),
    checkWorkflow: (actor, input) => checkWorkflow(actor, input),
    applyWorkflow: (actor, input) => applyWorkflow(ctx, actor, input),
    runScheduledTransition: (payload) => runScheduledTransition(ctx, payload, deps.logger),
  };
  return {
    name: 'content',
    jobs,
    content,
    registerRoutes(app) {
      registerContentRoutes(app, content);
      registerWorkflowRoutes(app, content);
      registerContentActionRoutes(app, content);
    },
  };
}
