/**
 * External reviewer links: someone without an account views ONE version and approves or rejects it, once.
 *
 * The token is `<link id>.<secret>`: 256 random bits of which only a SHA-256 hash is stored, so a database leak
 * yields no usable link. Checks, in order: well-formed and known (404), secret matches (403), not revoked (410),
 * not used (410), not expired (410). Every use — viewing and deciding — is audited with the link id.
 *
 * The decision is taken on behalf of the member who created the link (they vouched for the reviewer): the workflow
 * guards (roles, four-eyes, min approvals) apply to them, and the audit entry names the link.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { authorize, can, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor, type WorkspaceRole } from '../../platform/db/index.js';
import { ConflictError, NotFoundError, isAppError } from '../../platform/errors/index.js';
import { recordReviewChange, type ReviewsContext } from './reviews.context.js';
import { findContent, insertComment, listMembers, type ContentRef, type VersionRef } from './reviews.repo.js';
import {
  findReviewerLink,
  insertReviewerLink,
  listReviewerLinks,
  markLinkRevoked,
  markLinkUsed,
  type ReviewerLink,
} from './reviewer-links.repo.js';
import { loadContentVersion } from './reviews.service.js';
import {
  LinkAlreadyUsedError,
  LinkCreatorNotAuthorizedError,
  LinkExpiredError,
  LinkNotFoundError,
  LinkRevokedError,
  LinkSignatureInvalidError,
  LinkVersionStaleError,
} from './reviews.errors.js';
import type { LinkDecision } from './reviews.tables.js';

export const MAX_LINK_HOURS = 30 * 24;

const hashSecret = (secret: string) => createHash('sha256').update(secret).digest('hex');

export interface CreateLinkInput {
  reviewerName: string;
  reviewerEmail?: string | undefined;
  /** Default: the content's current version. */
  versionId?: string | undefined;
  expiresInHours: number;
}

export interface CreatedLink {
  link: ReviewerLink;
  /** The bearer part of the link; shown once. */
  token: string;
  url: string;
}

export async function createReviewerLink(
  ctx: ReviewsContext,
  actor: Actor,
  contentId: string,
  input: CreateLinkInput,
): Promise<CreatedLink> {
  authorize(actor, 'reviewer_links.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db.kysely, async (tx) => {
    const { version } = await loadContentVersion(tx, actor.workspaceId, contentId, input.versionId);
    const secret = randomBytes(32).toString('base64url');
    const now = ctx.clock.now();
    const link = await insertReviewerLink(tx, {
      workspaceId: actor.workspaceId,
      contentId,
      versionId: version.id,
      secretHash: hashSecret(secret),
      reviewerName: input.reviewerName,
      reviewerEmail: input.reviewerEmail ?? null,
      createdBy: actor.userId,
      createdAt: now,
      expiresAt: new Date(now.getTime() + input.expiresInHours * 3_600_000),
    });
    await recordReviewChange(ctx, tx, actor, contentId, {
      event: 'review.link_created',
      auditAction: 'reviewer_links.create',
      auditSubject: `reviewer_link:${link.id}`,
      payload: {
        linkId: link.id,
        versionId: version.id,
        contentVersion: version.version,
        reviewerName: link.reviewerName,
        expiresAt: link.expiresAt.toISOString(),
      },
    });
    const token = `${link.id}.${secret}`;
    return { link, token, url: `${ctx.publicUrl.replace(/\/$/, '')}/review/${token}` };
  });
}

export async function listContentReviewerLinks(
  ctx: Pick<ReviewsContext, 'db'>,
  actor: Actor,
  contentId: string,
): Promise<ReviewerLink[]> {
  authorize(actor, 'reviewer_links.read', { workspaceId: actor.workspaceId });
  if (!(await findContent(ctx.db.kysely, actor.workspaceId, contentId)))
    throw new NotFoundError('Content', contentId);
  return listReviewerLinks(ctx.db.kysely, actor.workspaceId, contentId);
}

/** Revokes an unused link; revoking twice is a no-op. */
export async function revokeReviewerLink(
  ctx: ReviewsContext,
  actor: Actor,
  id: string,
): Promise<ReviewerLink> {
  authorize(actor, 'reviewer_links.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db.kysely, async (tx) => {
    const link = await findReviewerLink(tx, id, { forUpdate: true, workspaceId: actor.workspaceId });
    if (!link) throw new NotFoundError('Reviewer link', id);
    if (link.usedAt) {
      throw new ConflictError(
        'LINK_ALREADY_USED',
        'This link has been used; there is nothing left to revoke',
        {
          linkId: id,
        },
      );
    }
    if (link.revokedAt) return link;
    const now = ctx.clock.now();
    await markLinkRevoked(tx, id, actor.userId, now);
    await recordReviewChange(ctx, tx, actor, link.contentId, {
      event: 'review.link_revoked',
      auditAction: 'reviewer_links.revoke',
      auditSubject: `reviewer_link:${id}`,
      payload: { linkId: id },
    });
    return { ...link, revokedAt: now, revokedBy: actor.userId };
  });
}

/** Where a public request came from; recorded with every use. */
export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
  requestId?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Finds the link a token names and checks it can still be used; throws the matching 404/403/410. */
async function openLink(
  tx: Executor,
  token: string,
  now: Date,
  opts: { forUpdate?: boolean } = {},
): Promise<ReviewerLink> {
  const dot = token.indexOf('.');
  const id = dot > 0 ? token.slice(0, dot) : '';
  const secret = dot > 0 ? token.slice(dot + 1) : '';
  if (!UUID.test(id) || secret.length === 0 || secret.length > 200) throw new LinkNotFoundError();
  const link = await findReviewerLink(tx, id, opts);
  if (!link) throw new LinkNotFoundError();
  const given = Buffer.from(hashSecret(secret), 'hex');
  const stored = Buffer.from(link.secretHash, 'hex');
  if (given.length !== stored.length || !timingSafeEqual(given, stored))
    throw new LinkSignatureInvalidError();
  if (link.revokedAt) throw new LinkRevokedError(link.id);
  if (link.usedAt) throw new LinkAlreadyUsedError(link.id, link.decision, link.usedAt);
  if (now.getTime() >= link.expiresAt.getTime()) throw new LinkExpiredError(link.id, link.expiresAt);
  return link;
}

/** The actor recorded for a link's anonymous visitor (audit: kind system, the request's ip/agent). */
function visitorActor(link: ReviewerLink, meta: RequestMeta): Actor {
  return {
    kind: 'system',
    userId: null,
    tokenId: null,
    workspaceId: link.workspaceId,
    role: 'viewer',
    origin: 'api',
    ...(meta.ip !== undefined ? { ip: meta.ip } : {}),
    ...(meta.userAgent !== undefined ? { userAgent: meta.userAgent } : {}),
    ...(meta.requestId !== undefined ? { requestId: meta.requestId } : {}),
  };
}

export interface LinkView {
  link: ReviewerLink;
  content: ContentRef;
  version: VersionRef;
  /** False when the content was edited after the link was made (a decision is then refused). */
  isCurrent: boolean;
}

export async function viewReviewerLink(
  ctx: ReviewsContext,
  token: string,
  meta: RequestMeta,
): Promise<LinkView> {
  return auditRefusal(ctx, token, 'view', meta, () =>
    inTransaction(ctx.db.kysely, async (tx) => {
      const link = await openLink(tx, token, ctx.clock.now());
      const { content, version } = await loadContentVersion(
        tx,
        link.workspaceId,
        link.contentId,
        link.versionId,
      );
      await ctx.audit.record(tx, visitorActor(link, meta), {
        action: 'reviewer_links.view',
        subject: `reviewer_link:${link.id}`,
        after: { linkId: link.id, contentId: link.contentId, versionId: link.versionId },
      });
      return { link, content, version, isCurrent: content.currentVersionId === version.id };
    }),
  );
}

export interface LinkDecisionInput {
  decision: LinkDecision;
  /** Required for a rejection (the workflow wants a reason). */
  comment?: string | undefined;
}

export interface LinkDecisionResult {
  linkId: string;
  decision: LinkDecision;
  /** Whether the content moved (an approval may only count towards `min_approvals`). */
  completed: boolean;
  state: string;
}

export async function decideReviewerLink(
  ctx: ReviewsContext,
  token: string,
  input: LinkDecisionInput,
  meta: RequestMeta,
): Promise<LinkDecisionResult> {
  return auditRefusal(ctx, token, 'decide', meta, () =>
    inTransaction(ctx.db.kysely, async (tx) => {
      const now = ctx.clock.now();
      // Row lock: two racing uses of one link → the second sees it used.
      const link = await openLink(tx, token, now, { forUpdate: true });
      const { content, version } = await loadContentVersion(
        tx,
        link.workspaceId,
        link.contentId,
        link.versionId,
      );
      if (content.currentVersionId !== version.id) throw new LinkVersionStaleError(link.id);
      const creator = link.createdBy
        ? (await listMembers(tx, link.workspaceId, [link.createdBy]))[0]
        : undefined;
      const onBehalfOf: Actor | null = creator
        ? {
            kind: 'user',
            userId: creator.userId,
            tokenId: null,
            workspaceId: link.workspaceId,
            role: creator.role as WorkspaceRole,
            origin: 'api',
            ...(meta.ip !== undefined ? { ip: meta.ip } : {}),
            ...(meta.userAgent !== undefined ? { userAgent: meta.userAgent } : {}),
            ...(meta.requestId !== undefined ? { requestId: meta.requestId } : {}),
          }
        : null;
      if (!onBehalfOf || !can(onBehalfOf, 'reviewer_links.manage'))
        throw new LinkCreatorNotAuthorizedError(link.id);
      const comment = input.comment?.trim() || null;
      const outcome = await ctx.content.decideContent(tx, onBehalfOf, {
        contentId: link.contentId,
        action: input.decision,
        reason: comment,
      });
      await markLinkUsed(tx, link.id, input.decision, comment, now);
      if (comment) {
        await insertComment(tx, {
          workspaceId: link.workspaceId,
          contentId: link.contentId,
          versionId: version.id,
          parentId: null,
          authorUserId: null,
          reviewerLinkId: link.id,
          authorName: `${link.reviewerName} (external reviewer)`,
          body: comment,
          anchor: null,
          mentions: [],
          createdAt: now,
        });
      }
      await recordReviewChange(ctx, tx, visitorActor(link, meta), link.contentId, {
        event: 'review.link_used',
        auditAction: 'reviewer_links.use',
        auditSubject: `reviewer_link:${link.id}`,
        payload: {
          linkId: link.id,
          decision: input.decision,
          comment,
          versionId: version.id,
          onBehalfOf: creator?.userId ?? null,
          completed: outcome.completed,
          state: outcome.state,
        },
      });
      return {
        linkId: link.id,
        decision: input.decision,
        completed: outcome.completed,
        state: outcome.state,
      };
    }),
  );
}

/** Refusals worth a trace: someone holds a link that no longer works, or is trying secrets for a real link id. */
const AUDITED_REFUSALS = new Set([
  'LINK_SIGNATURE_INVALID',
  'LINK_REVOKED',
  'LINK_ALREADY_USED',
  'LINK_EXPIRED',
  'LINK_VERSION_STALE',
  'LINK_CREATOR_NOT_AUTHORIZED',
]);

/**
 * Runs a public link use; when it is refused for a reason above, records `reviewer_links.refused` with the link id
 * in its own transaction (the use's own transaction has rolled back), then rethrows.
 */
async function auditRefusal<T>(
  ctx: ReviewsContext,
  token: string,
  attempt: 'view' | 'decide',
  meta: RequestMeta,
  use: () => Promise<T>,
): Promise<T> {
  try {
    return await use();
  } catch (err) {
    if (isAppError(err) && AUDITED_REFUSALS.has(err.code)) {
      const id = token.slice(0, Math.max(0, token.indexOf('.')));
      const link = UUID.test(id) ? await findReviewerLink(ctx.db.kysely, id) : null;
      if (link) {
        await inTransaction(ctx.db.kysely, (tx) =>
          ctx.audit.record(tx, visitorActor(link, meta), {
            action: 'reviewer_links.refused',
            subject: `reviewer_link:${link.id}`,
            after: { linkId: link.id, attempt, code: err.code },
          }),
        );
      }
    }
    throw err;
  }
}
