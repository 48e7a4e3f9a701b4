/**
 * Comments and review requests: one function per use case (authorize → load → change → persist → event + audit),
 * each in one transaction.
 */
import { authorize, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { ConflictError, NotFoundError, ValidationError } from '../../platform/errors/index.js';
import { extractMentionHandles, resolveMentions } from './mentions.js';
import { recordReviewChange, type ReviewsContext } from './reviews.context.js';
import {
  closeReviewRequests,
  findComment,
  findContent,
  findReviewRequest,
  findVersion,
  insertComment,
  insertReviewRequest,
  listComments,
  listMembers,
  listReviewRequests,
  type Comment,
  type ContentRef,
  type ReviewRequest,
  type VersionRef,
} from './reviews.repo.js';
import {
  CommentAnchorInvalidError,
  MentionNotMemberError,
  ReviewerNotMemberError,
} from './reviews.errors.js';
import type { ReviewRequestStatus } from './reviews.tables.js';

type Ctx = Pick<ReviewsContext, 'db' | 'clock' | 'events' | 'audit'>;

export async function loadContentVersion(
  db: Executor,
  workspaceId: string,
  contentId: string,
  versionId: string | undefined,
): Promise<{ content: ContentRef; version: VersionRef }> {
  const content = await findContent(db, workspaceId, contentId);
  if (!content) throw new NotFoundError('Content', contentId);
  const id = versionId ?? content.currentVersionId;
  const version = id ? await findVersion(db, contentId, id) : null;
  if (!version) throw new NotFoundError('Content version', versionId ?? '(current)');
  return { content, version };
}

export interface CreateCommentInput {
  body: string;
  /** Default: the parent's version for replies, else the content's current version. */
  versionId?: string | undefined;
  parentId?: string | undefined;
  /** Character offsets into the version's body, end exclusive. */
  anchor?: { start: number; end: number } | undefined;
  /** Members to notify besides those @mentioned in the body. */
  mentionUserIds?: string[] | undefined;
}

export async function createComment(
  ctx: Ctx,
  actor: Actor,
  contentId: string,
  input: CreateCommentInput,
): Promise<Comment> {
  authorize(actor, 'comments.create', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db.kysely, async (tx) => {
    const parent = input.parentId ? await findComment(tx, actor.workspaceId, input.parentId) : null;
    if (input.parentId && (!parent || parent.contentId !== contentId)) {
      throw new NotFoundError('Comment', input.parentId);
    }
    const { version } = await loadContentVersion(
      tx,
      actor.workspaceId,
      contentId,
      input.versionId ?? parent?.versionId,
    );
    const anchor = input.anchor ? checkAnchor(version.body, input.anchor) : null;
    const mentions = await resolveCommentMentions(tx, actor, input);
    const author = actor.userId ? (await listMembers(tx, actor.workspaceId, [actor.userId]))[0] : undefined;
    const comment = await insertComment(tx, {
      workspaceId: actor.workspaceId,
      contentId,
      versionId: version.id,
      parentId: parent?.id ?? null,
      authorUserId: actor.userId,
      reviewerLinkId: null,
      authorName: author?.name || author?.email || '',
      body: input.body,
      anchor,
      mentions,
      createdAt: ctx.clock.now(),
    });
    await recordReviewChange(ctx, tx, actor, contentId, {
      event: 'comment.created',
      auditAction: 'comments.create',
      auditSubject: `comment:${comment.id}`,
      payload: {
        commentId: comment.id,
        versionId: version.id,
        contentVersion: version.version,
        parentId: comment.parentId,
        mentions,
        anchor,
      },
    });
    return comment;
  });
}

function checkAnchor(body: string, a: { start: number; end: number }) {
  if (a.start < 0 || a.end <= a.start || a.end > body.length) {
    throw new CommentAnchorInvalidError(
      `Anchor ${a.start}–${a.end} is outside the version's body (0–${body.length}) or empty`,
    );
  }
  return { start: a.start, end: a.end, quote: body.slice(a.start, a.end) };
}

async function resolveCommentMentions(
  tx: Executor,
  actor: Actor,
  input: CreateCommentInput,
): Promise<string[]> {
  const members = await listMembers(tx, actor.workspaceId);
  const explicit = [...new Set(input.mentionUserIds ?? [])];
  const memberIds = new Set(members.map((m) => m.userId));
  const strangers = explicit.filter((id) => !memberIds.has(id));
  if (strangers.length) throw new MentionNotMemberError(strangers);
  const fromBody = resolveMentions(extractMentionHandles(input.body), members);
  // Mentioning yourself notifies no one.
  return [...new Set([...explicit, ...fromBody])].filter((id) => id !== actor.userId);
}

export interface Page<T> {
  items: T[];
  next: { at: Date; id: string } | null;
}

function pageOf<T extends { createdAt: Date; id: string }>(rows: T[], limit: number): Page<T> {
  const last = rows[rows.length - 1];
  return { items: rows, next: last && rows.length === limit ? { at: last.createdAt, id: last.id } : null };
}

export async function listContentComments(
  ctx: Pick<Ctx, 'db'>,
  actor: Actor,
  contentId: string,
  q: { versionId?: string | undefined; after?: { at: Date; id: string } | undefined; limit: number },
): Promise<Page<Comment>> {
  authorize(actor, 'comments.read', { workspaceId: actor.workspaceId });
  if (!(await findContent(ctx.db.kysely, actor.workspaceId, contentId)))
    throw new NotFoundError('Content', contentId);
  const rows = await listComments(ctx.db.kysely, {
    workspaceId: actor.workspaceId,
    contentId,
    limit: q.limit,
    ...(q.versionId ? { versionId: q.versionId } : {}),
    ...(q.after ? { after: q.after } : {}),
  });
  return pageOf(rows, q.limit);
}

export interface RequestReviewInput {
  reviewerUserIds: string[];
  versionId?: string | undefined;
  message?: string | undefined;
}

/** Assigns reviewers. A reviewer with an open request for the item keeps it (no second notification). */
export async function requestReview(
  ctx: Ctx,
  actor: Actor,
  contentId: string,
  input: RequestReviewInput,
): Promise<{ created: ReviewRequest[]; alreadyOpen: string[] }> {
  authorize(actor, 'review_requests.manage', { workspaceId: actor.workspaceId });
  const reviewerIds = [...new Set(input.reviewerUserIds)];
  if (reviewerIds.length === 0) throw new ValidationError('Name at least one reviewer');
  return inTransaction(ctx.db.kysely, async (tx) => {
    const { version } = await loadContentVersion(tx, actor.workspaceId, contentId, input.versionId);
    const members = await listMembers(tx, actor.workspaceId, reviewerIds);
    const strangers = reviewerIds.filter((id) => !members.some((m) => m.userId === id));
    if (strangers.length) throw new ReviewerNotMemberError(strangers);
    const created: ReviewRequest[] = [];
    const alreadyOpen: string[] = [];
    for (const reviewerUserId of reviewerIds) {
      const request = await insertReviewRequest(tx, {
        workspaceId: actor.workspaceId,
        contentId,
        versionId: version.id,
        reviewerUserId,
        requestedBy: actor.userId,
        message: input.message ?? '',
        createdAt: ctx.clock.now(),
      });
      if (!request) {
        alreadyOpen.push(reviewerUserId);
        continue;
      }
      created.push(request);
      await recordReviewChange(ctx, tx, actor, contentId, {
        event: 'review.requested',
        auditAction: 'review_requests.create',
        auditSubject: `review_request:${request.id}`,
        payload: {
          requestId: request.id,
          versionId: version.id,
          contentVersion: version.version,
          reviewerUserId,
          message: request.message,
        },
      });
    }
    return { created, alreadyOpen };
  });
}

export async function cancelReviewRequest(ctx: Ctx, actor: Actor, id: string): Promise<ReviewRequest> {
  authorize(actor, 'review_requests.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db.kysely, async (tx) => {
    const request = await findReviewRequest(tx, actor.workspaceId, id, { forUpdate: true });
    if (!request) throw new NotFoundError('Review request', id);
    if (request.status !== 'pending') {
      throw new ConflictError('REVIEW_REQUEST_CLOSED', `This review request is already ${request.status}`, {
        status: request.status,
      });
    }
    const [closed] = await closeReviewRequests(tx, { ids: [id] }, 'cancelled', ctx.clock.now());
    await recordReviewChange(ctx, tx, actor, request.contentId, {
      event: 'review.request_cancelled',
      auditAction: 'review_requests.cancel',
      auditSubject: `review_request:${id}`,
      payload: { requestId: id, reviewerUserId: request.reviewerUserId },
      before: { status: 'pending' },
      after: { status: 'cancelled' },
    });
    return closed!;
  });
}

export async function listContentReviewRequests(
  ctx: Pick<Ctx, 'db'>,
  actor: Actor,
  q: {
    contentId?: string | undefined;
    reviewerUserId?: string | undefined;
    status?: ReviewRequestStatus | undefined;
    after?: { at: Date; id: string } | undefined;
    limit: number;
  },
): Promise<Page<ReviewRequest>> {
  authorize(actor, 'review_requests.read', { workspaceId: actor.workspaceId });
  if (q.contentId && !(await findContent(ctx.db.kysely, actor.workspaceId, q.contentId))) {
    throw new NotFoundError('Content', q.contentId);
  }
  const rows = await listReviewRequests(ctx.db.kysely, {
    workspaceId: actor.workspaceId,
    limit: q.limit,
    ...(q.contentId ? { contentId: q.contentId } : {}),
    ...(q.reviewerUserId ? { reviewerUserId: q.reviewerUserId } : {}),
    ...(q.status ? { status: q.status } : {}),
    ...(q.after ? { after: q.after } : {}),
  });
  return pageOf(rows, q.limit);
}
