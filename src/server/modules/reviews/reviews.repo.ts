/**
 * SQL of the review module. Content items and versions are read here (never written): a comment, request or link
 * must point at a version of an item of the actor's workspace.
 */
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database, Executor } from '../../platform/db/index.js';
import type { ReviewRequestStatus } from './reviews.tables.js';

/** Keyset condition "after (created_at, id)" shared by the comment and review-request lists. */
function afterCursor(after: { at: Date; id: string }) {
  return (eb: ExpressionBuilder<Database, 'review_comments' | 'review_requests'>) =>
    eb.or([
      eb('created_at', '>', after.at),
      eb.and([eb('created_at', '=', after.at), eb('id', '>', after.id)]),
    ]);
}

export interface ContentRef {
  contentId: string;
  workspaceId: string;
  title: string;
  state: string;
  ownerId: string;
  currentVersionId: string | null;
}

export interface VersionRef {
  id: string;
  contentId: string;
  version: number;
  title: string;
  body: string;
  bodyFormat: string;
  fields: Record<string, unknown>;
  contentHash: string;
  createdAt: Date;
}

export async function findContent(
  db: Executor,
  workspaceId: string,
  contentId: string,
): Promise<ContentRef | null> {
  const r = await db
    .selectFrom('content_items')
    .select(['id', 'workspace_id', 'title', 'state', 'owner_id', 'current_version_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', contentId)
    .executeTakeFirst();
  return r
    ? {
        contentId: r.id,
        workspaceId: r.workspace_id,
        title: r.title,
        state: r.state,
        ownerId: r.owner_id,
        currentVersionId: r.current_version_id,
      }
    : null;
}

export async function findVersion(
  db: Executor,
  contentId: string,
  versionId: string,
): Promise<VersionRef | null> {
  const r = await db
    .selectFrom('content_versions')
    .select([
      'id',
      'content_id',
      'version',
      'title',
      'body',
      'body_format',
      'fields',
      'content_hash',
      'created_at',
    ])
    .where('content_id', '=', contentId)
    .where('id', '=', versionId)
    .executeTakeFirst();
  return r
    ? {
        id: r.id,
        contentId: r.content_id,
        version: r.version,
        title: r.title,
        body: r.body,
        bodyFormat: r.body_format,
        fields: r.fields,
        contentHash: r.content_hash,
        createdAt: new Date(r.created_at),
      }
    : null;
}

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
}

/** Active members of a workspace (disabled accounts excluded), optionally only the given users. */
export async function listMembers(db: Executor, workspaceId: string, userIds?: string[]): Promise<Member[]> {
  if (userIds && userIds.length === 0) return [];
  let q = db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['users.id', 'users.email', 'users.name', 'memberships.role'])
    .where('memberships.workspace_id', '=', workspaceId)
    .where('users.disabled', '=', false);
  if (userIds) q = q.where('users.id', 'in', userIds);
  const rows = await q.execute();
  return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role }));
}

// ── comments ─────────────────────────────────────────────────────────────────────────────────────────────────

export interface CommentAnchor {
  start: number;
  end: number;
  quote: string;
}

export interface Comment {
  id: string;
  workspaceId: string;
  contentId: string;
  versionId: string;
  parentId: string | null;
  authorUserId: string | null;
  reviewerLinkId: string | null;
  authorName: string;
  body: string;
  anchor: CommentAnchor | null;
  mentions: string[];
  createdAt: Date;
}

type CommentRow = {
  id: string;
  workspace_id: string;
  content_id: string;
  version_id: string;
  parent_id: string | null;
  author_user_id: string | null;
  reviewer_link_id: string | null;
  author_name: string;
  body: string;
  anchor_start: number | null;
  anchor_end: number | null;
  anchor_quote: string | null;
  mentions: string[];
  created_at: Date;
};

function toComment(r: CommentRow): Comment {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    contentId: r.content_id,
    versionId: r.version_id,
    parentId: r.parent_id,
    authorUserId: r.author_user_id,
    reviewerLinkId: r.reviewer_link_id,
    authorName: r.author_name,
    body: r.body,
    anchor:
      r.anchor_start !== null && r.anchor_end !== null
        ? { start: r.anchor_start, end: r.anchor_end, quote: r.anchor_quote ?? '' }
        : null,
    mentions: r.mentions ?? [],
    createdAt: new Date(r.created_at),
  };
}

export interface NewComment {
  workspaceId: string;
  contentId: string;
  versionId: string;
  parentId: string | null;
  authorUserId: string | null;
  reviewerLinkId: string | null;
  authorName: string;
  body: string;
  anchor: CommentAnchor | null;
  mentions: string[];
  createdAt: Date;
}

export async function insertComment(tx: Executor, c: NewComment): Promise<Comment> {
  const row = await tx
    .insertInto('review_comments')
    .values({
      workspace_id: c.workspaceId,
      content_id: c.contentId,
      version_id: c.versionId,
      parent_id: c.parentId,
      author_user_id: c.authorUserId,
      reviewer_link_id: c.reviewerLinkId,
      author_name: c.authorName,
      body: c.body,
      anchor_start: c.anchor?.start ?? null,
      anchor_end: c.anchor?.end ?? null,
      anchor_quote: c.anchor?.quote ?? null,
      mentions: c.mentions,
      created_at: c.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toComment(row as CommentRow);
}

export async function findComment(db: Executor, workspaceId: string, id: string): Promise<Comment | null> {
  const r = await db
    .selectFrom('review_comments')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return r ? toComment(r as CommentRow) : null;
}

/** Comments of a content item (optionally one version) oldest first; threads are rebuilt by the reader. */
export async function listComments(
  db: Executor,
  q: {
    workspaceId: string;
    contentId: string;
    versionId?: string;
    after?: { at: Date; id: string };
    limit: number;
  },
): Promise<Comment[]> {
  let query = db
    .selectFrom('review_comments')
    .selectAll()
    .where('workspace_id', '=', q.workspaceId)
    .where('content_id', '=', q.contentId);
  if (q.versionId) query = query.where('version_id', '=', q.versionId);
  if (q.after) query = query.where(afterCursor(q.after));
  const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit).execute();
  return rows.map((r) => toComment(r as CommentRow));
}

// ── review requests ─────────────────────────────────────────────────────────────────────────────────────────

export interface ReviewRequest {
  id: string;
  workspaceId: string;
  contentId: string;
  versionId: string;
  reviewerUserId: string;
  requestedBy: string | null;
  message: string;
  status: ReviewRequestStatus;
  createdAt: Date;
  closedAt: Date | null;
}

type RequestRow = {
  id: string;
  workspace_id: string;
  content_id: string;
  version_id: string;
  reviewer_user_id: string;
  requested_by: string | null;
  message: string;
  status: ReviewRequestStatus;
  created_at: Date;
  closed_at: Date | null;
};

function toRequest(r: RequestRow): ReviewRequest {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    contentId: r.content_id,
    versionId: r.version_id,
    reviewerUserId: r.reviewer_user_id,
    requestedBy: r.requested_by,
    message: r.message,
    status: r.status,
    createdAt: new Date(r.created_at),
    closedAt: r.closed_at ? new Date(r.closed_at) : null,
  };
}

/** Inserts an open request unless the reviewer already has one for this item (then returns null). */
export async function insertReviewRequest(
  tx: Executor,
  r: Omit<ReviewRequest, 'id' | 'status' | 'closedAt'>,
): Promise<ReviewRequest | null> {
  const res = await sql<RequestRow>`
    INSERT INTO review_requests (workspace_id, content_id, version_id, reviewer_user_id, requested_by, message, created_at)
    VALUES (${r.workspaceId}::uuid, ${r.contentId}::uuid, ${r.versionId}::uuid, ${r.reviewerUserId}::uuid,
            ${r.requestedBy}::uuid, ${r.message}, ${r.createdAt}::timestamptz)
    ON CONFLICT (content_id, reviewer_user_id) WHERE status = 'pending' DO NOTHING
    RETURNING *`.execute(tx);
  const row = res.rows[0];
  return row ? toRequest(row) : null;
}

export async function findReviewRequest(
  db: Executor,
  workspaceId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<ReviewRequest | null> {
  let q = db
    .selectFrom('review_requests')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id);
  if (opts.forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toRequest(r as RequestRow) : null;
}

export async function closeReviewRequests(
  tx: Executor,
  where: { ids?: string[]; contentId?: string; reviewerUserId?: string },
  status: Exclude<ReviewRequestStatus, 'pending'>,
  at: Date,
): Promise<ReviewRequest[]> {
  let q = tx.updateTable('review_requests').set({ status, closed_at: at }).where('status', '=', 'pending');
  if (where.ids)
    q = q.where('id', 'in', where.ids.length ? where.ids : ['00000000-0000-0000-0000-000000000000']);
  if (where.contentId) q = q.where('content_id', '=', where.contentId);
  if (where.reviewerUserId) q = q.where('reviewer_user_id', '=', where.reviewerUserId);
  const rows = await q.returningAll().execute();
  return rows.map((r) => toRequest(r as RequestRow));
}

export async function listReviewRequests(
  db: Executor,
  q: {
    workspaceId: string;
    contentId?: string;
    reviewerUserId?: string;
    status?: ReviewRequestStatus;
    after?: { at: Date; id: string };
    limit: number;
  },
): Promise<ReviewRequest[]> {
  let query = db.selectFrom('review_requests').selectAll().where('workspace_id', '=', q.workspaceId);
  if (q.contentId) query = query.where('content_id', '=', q.contentId);
  if (q.reviewerUserId) query = query.where('reviewer_user_id', '=', q.reviewerUserId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.after) query = query.where(afterCursor(q.after));
  const rows = await query.orderBy('created_at').orderBy('id').limit(q.limit).execute();
  return rows.map((r) => toRequest(r as RequestRow));
}
