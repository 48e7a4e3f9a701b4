/**
 * What every content use case needs, and the helpers they share: the optimistic-concurrency check, loading an item
 * for writing, building the engine's snapshot, and recording a change (event + audit in the caller's transaction).
 */
import type { Audit } from '../../platform/audit/index.js';
import type { Actor } from '../../platform/auth/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Db, Executor } from '../../platform/db/index.js';
import { AppError, ConflictError, NotFoundError } from '../../platform/errors/index.js';
import type { Events } from '../../platform/events/index.js';
import type { JobCatalog } from '../../platform/queue/index.js';
import {
  findVersionById,
  loadTransitionInputs,
  lockItem,
  type ContentItem,
  type ContentVersion,
  type TransitionInputs,
} from './content.repo.js';
import type { ContentSnapshot, WorkflowActor } from './workflow/index.js';

export interface ContentContext {
  db: Db;
  clock: Clock;
  events: Events;
  audit: Audit;
  /** The module's job catalog, for scheduled transitions. */
  jobs: JobCatalog;
}

/** 409 CONTENT_VERSION_CONFLICT: the writer's view is stale. `currentVersion` lets it reload and retry. */
export class ContentVersionConflictError extends ConflictError {
  constructor(expected: number, current: number) {
    super(
      'CONTENT_VERSION_CONFLICT',
      `Content changed since you loaded it: you expected version ${expected}, it is now at ${current}`,
      { expectedVersion: expected, currentVersion: current },
    );
  }
}

/** 428 CONTENT_VERSION_REQUIRED: a write without If-Match / expectedVersion could silently overwrite someone. */
export class ContentVersionRequiredError extends AppError {
  constructor() {
    super(
      'CONTENT_VERSION_REQUIRED',
      428,
      'Send the version you are changing: If-Match: "<version>" or expectedVersion in the body',
    );
  }
}

export function assertExpectedVersion(item: ContentItem, expected: number): void {
  if (item.version !== expected) throw new ContentVersionConflictError(expected, item.version);
}

export async function loadForWrite(tx: Executor, actor: Actor, id: string): Promise<ContentItem> {
  const item = await lockItem(tx, actor.workspaceId, id);
  if (!item) throw new NotFoundError('Content', id);
  return item;
}

export async function loadCurrentVersion(db: Executor, item: ContentItem): Promise<ContentVersion> {
  if (item.currentVersionId === null) throw new Error(`content ${item.id} has no current version`);
  const version = await findVersionById(db, item.currentVersionId);
  if (!version) throw new Error(`content ${item.id}: version ${item.currentVersionId} missing`);
  return version;
}

/** The engine's view of a workflow actor; the system (jobs) acts as an owner with no user. */
export function toWorkflowActor(actor: Actor): WorkflowActor {
  return { userId: actor.userId ?? `system:${actor.origin}`, role: actor.role };
}

/** The current version plus what the engine's snapshot needs, in one round trip (see `loadTransitionInputs`). */
export async function loadSnapshotInputs(db: Executor, item: ContentItem): Promise<TransitionInputs> {
  if (item.currentVersionId === null) throw new Error(`content ${item.id} has no current version`);
  const inputs = await loadTransitionInputs(db, item.id, item.currentVersionId, item.reviewRound);
  if (!inputs) throw new Error(`content ${item.id}: version ${item.currentVersionId} missing`);
  return inputs;
}

export function buildSnapshot(item: ContentItem, inputs: TransitionInputs): ContentSnapshot {
  const { version, authorIds, approvals } = inputs;
  return {
    ownerId: item.ownerId,
    authorIds,
    type: item.type,
    // `title` lives on the version; rules address it as a field.
    fields: { ...version.fields, title: version.title },
    body: version.body,
    // Structured JSON bodies contain no markup, so markdown rules (links, variables) read them as plain text.
    bodyFormat: version.bodyFormat === 'html' ? 'html' : 'markdown',
    approvals: approvals.map((a) => ({ userId: a.userId, action: a.action, contentHash: a.contentHash })),
    contentHash: version.contentHash,
  };
}

export interface ChangeRecord {
  /** Event type (`content.updated`) and audit action (`content.edit`). */
  event: string;
  auditAction: string;
  payload: Record<string, unknown>;
  before?: unknown;
  after?: unknown;
}

/** One event and one audit entry, in the caller's transaction. */
export async function recordChange(
  ctx: ContentContext,
  tx: Executor,
  actor: Actor,
  item: { id: string; workspaceId: string },
  change: ChangeRecord,
): Promise<void> {
  const subject = `content:${item.id}`;
  await ctx.events.append(tx, {
    workspaceId: item.workspaceId,
    type: change.event,
    subject,
    actor,
    payload: { contentId: item.id, ...change.payload },
  });
  await ctx.audit.record(tx, actor, {
    action: change.auditAction,
    subject,
    ...(change.before !== undefined ? { before: change.before } : {}),
    ...(change.after !== undefined ? { after: change.after } : {}),
  });
}
