/** What every review use case needs, and the one helper they share for recording a change. */
import type { Audit } from '../../platform/audit/index.js';
import type { Actor } from '../../platform/auth/index.js';
import type { Clock } from '../../platform/clock.js';
import type { Db, Executor } from '../../platform/db/index.js';
import type { Events } from '../../platform/events/index.js';

/**
 * How an external reviewer's decision reaches the content workflow. The content module owns transitions; this
 * module only knows that a decision on a content item is taken, in the caller's transaction, by an actor. Wired in
 * the composition root to the content module's transition service.
 */
export interface ContentDecisionPort {
  decideContent(
    tx: Executor,
    actor: Actor,
    input: { contentId: string; action: 'approve' | 'reject'; reason: string | null },
  ): Promise<{ completed: boolean; state: string }>;
}

export interface ReviewsContext {
  db: Db;
  clock: Clock;
  events: Events;
  audit: Audit;
  /** Base URL for links handed out (reviewer links). */
  publicUrl: string;
  content: ContentDecisionPort;
}

export interface ReviewChange {
  /** Event type, e.g. `comment.created`. */
  event: string;
  /** Audit action, e.g. `comments.create`. */
  auditAction: string;
  /** Audit subject, e.g. `comment:<id>`. The event's subject is always the content item. */
  auditSubject: string;
  payload: Record<string, unknown>;
  before?: unknown;
  after?: unknown;
}

/** One event (about the content item, so content feeds show it) and one audit entry, in the caller's transaction. */
export async function recordReviewChange(
  ctx: Pick<ReviewsContext, 'events' | 'audit'>,
  tx: Executor,
  actor: Actor,
  contentId: string,
  change: ReviewChange,
): Promise<void> {
  await ctx.events.append(tx, {
    workspaceId: actor.workspaceId,
    type: change.event,
    subject: `content:${contentId}`,
    actor,
    payload: { contentId, ...change.payload },
  });
  await ctx.audit.record(tx, actor, {
    action: change.auditAction,
    subject: change.auditSubject,
    ...(change.before !== undefined ? { before: change.before } : {}),
    after: change.after ?? change.payload,
  });
}
