/** SQL of reviewer links. Only a hash of a link's secret is ever stored. */
import type { Executor } from '../../platform/db/index.js';
import type { Selectable } from 'kysely';
import type { LinkDecision, ReviewTables } from './reviews.tables.js';

export interface ReviewerLink {
  id: string;
  workspaceId: string;
  contentId: string;
  versionId: string;
  secretHash: string;
  reviewerName: string;
  reviewerEmail: string | null;
  createdBy: string | null;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  usedAt: Date | null;
  decision: LinkDecision | null;
  decisionComment: string | null;
}

/** A stored link row, typed from the table definition. */
type LinkRow = Selectable<ReviewTables['reviewer_links']>;

const date = (d: Date | null) => (d ? new Date(d) : null);

function toLink(r: LinkRow): ReviewerLink {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    contentId: r.content_id,
    versionId: r.version_id,
    secretHash: r.secret_hash,
    reviewerName: r.reviewer_name,
    reviewerEmail: r.reviewer_email,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at),
    expiresAt: new Date(r.expires_at),
    revokedAt: date(r.revoked_at),
    revokedBy: r.revoked_by,
    usedAt: date(r.used_at),
    decision: r.decision,
    decisionComment: r.decision_comment,
  };
}

export async function insertReviewerLink(
  tx: Executor,
  l: Pick<
    ReviewerLink,
    | 'workspaceId'
    | 'contentId'
    | 'versionId'
    | 'secretHash'
    | 'reviewerName'
    | 'reviewerEmail'
    | 'createdBy'
    | 'createdAt'
    | 'expiresAt'
  >,
): Promise<ReviewerLink> {
  const row = await tx
    .insertInto('reviewer_links')
    .values({
      workspace_id: l.workspaceId,
      content_id: l.contentId,
      version_id: l.versionId,
      secret_hash: l.secretHash,
      reviewer_name: l.reviewerName,
      reviewer_email: l.reviewerEmail,
      created_by: l.createdBy,
      created_at: l.createdAt,
      expires_at: l.expiresAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toLink(row as LinkRow);
}

/** By id alone: public endpoints do not know the workspace until the link is found. */
export async function findReviewerLink(
  db: Executor,
  id: string,
  opts: { forUpdate?: boolean; workspaceId?: string } = {},
): Promise<ReviewerLink | null> {
  let q = db.selectFrom('reviewer_links').selectAll().where('id', '=', id);
  if (opts.workspaceId) q = q.where('workspace_id', '=', opts.workspaceId);
  if (opts.forUpdate) q = q.forUpdate();
  const r = await q.executeTakeFirst();
  return r ? toLink(r as LinkRow) : null;
}

export async function listReviewerLinks(
  db: Executor,
  workspaceId: string,
  contentId: string,
): Promise<ReviewerLink[]> {
  const rows = await db
    .selectFrom('reviewer_links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('content_id', '=', contentId)
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .limit(500)
    .execute();
  return rows.map((r) => toLink(r as LinkRow));
}

export async function markLinkRevoked(tx: Executor, id: string, by: string | null, at: Date): Promise<void> {
  await tx
    .updateTable('reviewer_links')
    .set({ revoked_at: at, revoked_by: by })
    .where('id', '=', id)
    .execute();
}

export async function markLinkUsed(
  tx: Executor,
  id: string,
  decision: LinkDecision,
  comment: string | null,
  at: Date,
): Promise<void> {
  await tx
    .updateTable('reviewer_links')
    .set({ used_at: at, decision, decision_comment: comment })
    .where('id', '=', id)
    .execute();
}
