/**
 * Moving content between workflow states: single transitions (with approvals pinned to the content hash), batch
 * approvals (all or nothing), rollback, and the state change every one of them shares (`moveState`).
 *
 * Concurrency: every writer locks the item row first (`loadForWrite`) and then checks the expected version, so of
 * two racing writers the second sees the first's result. A transition that only records an approval (min_approvals
 * not reached) does not bump the version: two reviewers approving the same version both count, nobody is lost.
 */
import { authorize, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { AppError } from '../../platform/errors/index.js';
import {
  assertExpectedVersion,
  buildSnapshot,
  loadCurrentVersion,
  loadForWrite,
  loadSnapshotInputs,
  recordChange,
  toWorkflowActor,
  type ContentContext,
} from './content.context.js';
import { resolveDefinition } from './content.definitions.js';
import {
  insertApproval,
  listTransitions,
  lockItem,
  moveItemState,
  type ContentItem,
  type ContentVersion,
} from './content.repo.js';
import {
  evaluateTransition,
  findTransition,
  RollbackTargetInvalidError,
  TransitionRejectedError,
  validateRollbackTarget,
  type FailedGuard,
  type TransitionRejected,
  type WorkflowDefinition,
} from './workflow/index.js';

export interface MoveInput {
  to: string;
  action: string;
  reason: string | null;
  /** Set when the move is the scheduled transition itself, so its own schedule is consumed, not "cancelled". */
  scheduled?: 'publish' | 'archive';
}

const kindOf = (def: WorkflowDefinition, state: string) => def.states.find((s) => s.key === state)?.kind;

/**
 * The catalog marks content whose products cannot be sold (e.g. discontinued): a move that completes into a
 * published state is then refused with this failure. Shared by transitions and the actions preview.
 */
export function notPublishableFailure(
  def: WorkflowDefinition,
  item: ContentItem,
  to: string,
  completes: boolean,
): FailedGuard | null {
  if (!completes || kindOf(def, to) !== 'published' || item.notPublishableReason === null) return null;
  return { guard: 'validation', message: `Not publishable: ${item.notPublishableReason}` };
}

/**
 * Changes the state: new approval round, history row, `content.transitioned` + audit. Pending schedules are
 * cancelled when the content moves (publish always; archive unless archiving is still possible from the new
 * state), and leaving a published state asks connectors to take the content down.
 */
export async function moveState(
  ctx: ContentContext,
  tx: Executor,
  actor: Actor,
  item: ContentItem,
  version: ContentVersion,
  def: WorkflowDefinition,
  move: MoveInput,
): Promise<ContentItem> {
  const now = ctx.clock.now();
  const keepArchive = item.archiveAt !== null && findTransition(def, move.to, 'archive') !== undefined;
  const cancelled: string[] = [];
  if (item.publishAt !== null && move.scheduled !== 'publish') cancelled.push('publish');
  if (item.archiveAt !== null && !keepArchive && move.scheduled !== 'archive') cancelled.push('archive');
  const updated = await moveItemState(tx, {
    id: item.id,
    from: item.state,
    to: move.to,
    keepArchive,
    action: move.action,
    actorUserId: actor.userId,
    actorKind: actor.kind,
    reason: move.reason,
    contentHash: version.contentHash,
    at: now,
  });
  const summary = {
    from: item.state,
    to: move.to,
    action: move.action,
    reason: move.reason,
    version: updated.version,
    contentVersion: version.version,
    contentHash: version.contentHash,
  };
  await recordChange(ctx, tx, actor, item, {
    event: 'content.transitioned',
    auditAction: `content.transition.${move.action}`,
    // The event also says what the states mean and whose content it is, so consumers (publishing, notifications,
    // webhook receivers) decide without reading the content back.
    payload: {
      ...summary,
      fromKind: kindOf(def, item.state) ?? null,
      toKind: kindOf(def, move.to) ?? null,
      title: item.title,
      ownerId: item.ownerId,
    },
    before: { state: item.state, version: item.version },
    after: summary,
  });
  if (cancelled.length > 0) {
    await ctx.events.append(tx, {
      workspaceId: item.workspaceId,
      type: 'content.schedule_cancelled',
      subject: `content:${item.id}`,
      actor,
      payload: { contentId: item.id, cancelled, reason: `content moved to '${move.to}'` },
    });
  }
  if (kindOf(def, item.state) === 'published' && kindOf(def, move.to) !== 'published') {
    // Connectors (a later issue) consume this to take the content down at its destinations.
    await ctx.events.append(tx, {
      workspaceId: item.workspaceId,
      type: 'content.unpublish_requested',
      subject: `content:${item.id}`,
      actor,
      payload: {
        contentId: item.id,
        from: item.state,
        to: move.to,
        action: move.action,
        reason: move.reason,
      },
    });
  }
  return updated;
}

export type ApplyResult =
  | {
      ok: true;
      item: ContentItem;
      completed: boolean;
      approvalRecorded: boolean;
      approvals?: { count: number; required: number };
    }
  | { ok: false; rejection: TransitionRejected };

/** Evaluates and applies one action on a locked item. Rejections are returned (batches collect them). */
export async function applyTransition(
  ctx: ContentContext,
  tx: Executor,
  actor: Actor,
  item: ContentItem,
  action: string,
  reason: string | null,
  scheduled?: 'publish' | 'archive',
): Promise<ApplyResult> {
  const def = await resolveDefinition(tx, item.definitionId);
  // A statement of its own, AFTER the row lock: on PostgreSQL (READ COMMITTED) it then sees the approvals a racing
  // reviewer committed while we waited for the lock. Read in the locking statement, they would be missed.
  const inputs = await loadSnapshotInputs(tx, item);
  const version = inputs.version;
  const content = buildSnapshot(item, inputs);
  const result = evaluateTransition({
    definition: def,
    currentState: item.state,
    action,
    actor: toWorkflowActor(actor),
    content,
    reason: reason ?? undefined,
  });
  if (!result.ok) return { ok: false, rejection: result };
  const notPublishable = notPublishableFailure(def, item, result.to, result.completes);
  if (notPublishable) {
    return {
      ok: false,
      rejection: {
        ok: false,
        status: 422,
        code: 'TRANSITION_INVALID',
        action,
        from: item.state,
        failed: [notPublishable],
      },
    };
  }
  if (result.approvalRecorded && actor.userId !== null) {
    await insertApproval(tx, item.id, {
      userId: actor.userId,
      action,
      contentHash: version.contentHash,
      round: item.reviewRound,
      at: ctx.clock.now(),
    });
    await recordChange(ctx, tx, actor, item, {
      event: 'content.approval_recorded',
      auditAction: 'content.approval',
      payload: {
        action,
        state: item.state,
        contentHash: version.contentHash,
        contentVersion: version.version,
        approvals: result.approvals,
        completes: result.completes,
      },
      after: {
        action,
        contentHash: version.contentHash,
        round: item.reviewRound,
        approvals: result.approvals,
      },
    });
  }
  const approvals = result.approvals ? { approvals: { ...result.approvals } } : {};
  if (!result.completes) return { ok: true, item, completed: false, approvalRecorded: true, ...approvals };
  const moved = await moveState(ctx, tx, actor, item, version, def, {
    to: result.to,
    action,
    reason,
    ...(scheduled ? { scheduled } : {}),
  });
  return { ok: true, item: moved, completed: true, approvalRecorded: result.approvalRecorded, ...approvals };
}

export interface TransitionInput {
  action: string;
  reason?: string | undefined;
  expectedVersion: number;
}

export async function transitionContent(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  input: TransitionInput,
): Promise<Extract<ApplyResult, { ok: true }>> {
  authorize(actor, 'content.transition');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const item = await loadForWrite(tx, actor, id);
    assertExpectedVersion(item, input.expectedVersion);
    const result = await applyTransition(ctx, tx, actor, item, input.action, input.reason ?? null);
    if (!result.ok) throw new TransitionRejectedError(result.rejection);
    return result;
  });
}

export interface RollbackInput {
  target: string;
  reason: string;
  expectedVersion: number;
}

/** The states an item has been in: where it started, and every state a transition entered or left. */
export function listVisitedStates(
  def: WorkflowDefinition,
  history: { from: string; to: string }[],
): string[] {
  const initial = def.states.find((s) => s.initial)?.key;
  const states = new Set<string>(initial ? [initial] : []);
  for (const t of history) {
    states.add(t.from);
    states.add(t.to);
  }
  return [...states];
}

export async function rollbackContent(
  ctx: ContentContext,
  actor: Actor,
  id: string,
  input: RollbackInput,
): Promise<ContentItem> {
  authorize(actor, 'content.rollback');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const item = await loadForWrite(tx, actor, id);
    assertExpectedVersion(item, input.expectedVersion);
    const def = await resolveDefinition(tx, item.definitionId);
    const history = await listTransitions(tx, item.id);
    const check = validateRollbackTarget(def, listVisitedStates(def, history), item.state, input.target);
    if (!check.ok) throw new RollbackTargetInvalidError(check);
    const version = await loadCurrentVersion(tx, item);
    const moved = await moveState(ctx, tx, actor, item, version, def, {
      to: input.target,
      action: 'rollback',
      reason: input.reason,
    });
    await recordChange(ctx, tx, actor, item, {
      event: 'content.rolled_back',
      auditAction: 'content.rollback',
      payload: { from: item.state, to: input.target, reason: input.reason, version: moved.version },
      before: { state: item.state, version: item.version },
      after: { state: input.target, version: moved.version, contentHash: version.contentHash },
    });
    return moved;
  });
}

export interface BatchItemFailure {
  id: string;
  code: string;
  status: number;
  message: string;
  failed: readonly FailedGuard[];
}

/** 422 BATCH_TRANSITION_FAILED: at least one item failed, so nothing was applied. Lists every failure. */
export class BatchTransitionFailedError extends AppError {
  constructor(readonly failures: BatchItemFailure[]) {
    super(
      'BATCH_TRANSITION_FAILED',
      422,
      `${failures.length} item(s) cannot be transitioned; nothing was applied`,
      { failures },
    );
  }
}

export interface BatchInput {
  items: { id: string; expectedVersion: number }[];
  publish: boolean;
  reason?: string | undefined;
}

export interface BatchItemResult {
  id: string;
  state: string;
  version: number;
  approved: boolean;
  published: boolean;
}

function describeFailure(id: string, r: TransitionRejected): BatchItemFailure {
  const err = new TransitionRejectedError(r);
  return { id, code: r.code, status: r.status, message: err.message, failed: r.failed };
}

/**
 * Approves (and optionally publishes) every item in one transaction. Every item is evaluated even after a failure
 * so the caller sees all of them; any failure rolls the whole batch back. Rows are locked in id order so two
 * overlapping batches cannot deadlock.
 */
export async function batchTransition(
  ctx: ContentContext,
  actor: Actor,
  input: BatchInput,
): Promise<BatchItemResult[]> {
  authorize(actor, 'content.batch_transition');
  if (input.publish) authorize(actor, 'content.transition');
  const ordered = [...input.items].sort((a, b) => a.id.localeCompare(b.id));
  return inTransaction(ctx.db.kysely, async (tx) => {
    const failures: BatchItemFailure[] = [];
    const results = new Map<string, BatchItemResult>();
    for (const entry of ordered) {
      const item = await lockItem(tx, actor.workspaceId, entry.id);
      if (!item) {
        failures.push({
          id: entry.id,
          code: 'NOT_FOUND',
          status: 404,
          message: 'Content not found',
          failed: [],
        });
        continue;
      }
      if (item.version !== entry.expectedVersion) {
        failures.push({
          id: entry.id,
          code: 'CONTENT_VERSION_CONFLICT',
          status: 409,
          message: `expected version ${entry.expectedVersion}, it is at ${item.version}`,
          failed: [],
        });
        continue;
      }
      const approved = await applyTransition(ctx, tx, actor, item, 'approve', input.reason ?? null);
      if (!approved.ok) {
        failures.push(describeFailure(entry.id, approved.rejection));
        continue;
      }
      let current = approved.item;
      let published = false;
      if (input.publish) {
        const pub = await applyTransition(ctx, tx, actor, current, 'publish', input.reason ?? null);
        if (!pub.ok) {
          failures.push(describeFailure(entry.id, pub.rejection));
          continue;
        }
        current = pub.item;
        published = pub.completed;
      }
      results.set(entry.id, {
        id: entry.id,
        state: current.state,
        version: current.version,
        approved: approved.completed,
        published,
      });
    }
    if (failures.length > 0) throw new BatchTransitionFailedError(failures);
    return input.items.map((i) => results.get(i.id)!);
  });
}
