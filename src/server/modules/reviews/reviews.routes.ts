/** `/api/v1/content/:id/comments`, `/api/v1/content/:id/review-requests`, `/api/v1/review-requests`. */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import type { ReviewsContext } from './reviews.context.js';
import type { Comment, ReviewRequest } from './reviews.repo.js';
import {
  cancelReviewRequest,
  createComment,
  listContentComments,
  listContentReviewRequests,
  requestReview,
  type Page,
} from './reviews.service.js';
import { REVIEW_REQUEST_STATUSES } from './reviews.tables.js';

const TAGS = ['reviews'];
const idParams = z.object({ id: z.uuid() });
const cursorSchema = z.object({ at: z.iso.datetime(), id: z.uuid() });

export const commentSchema = z.object({
  id: z.string(),
  contentId: z.string(),
  versionId: z.string(),
  parentId: z.string().nullable(),
  authorUserId: z.string().nullable().describe('Null for comments left through an external reviewer link'),
  reviewerLinkId: z.string().nullable(),
  authorName: z.string(),
  body: z.string(),
  anchor: z
    .object({ start: z.number().int(), end: z.number().int(), quote: z.string() })
    .nullable()
    .describe('Text range of the version body (end exclusive) and the text it covered'),
  mentions: z.array(z.string()).describe('User ids of the members mentioned'),
  createdAt: z.string(),
});

export const reviewRequestSchema = z.object({
  id: z.string(),
  contentId: z.string(),
  versionId: z.string(),
  reviewerUserId: z.string(),
  requestedBy: z.string().nullable(),
  message: z.string(),
  status: z.enum(REVIEW_REQUEST_STATUSES),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
});

export function toCommentBody(c: Comment): z.infer<typeof commentSchema> {
  return {
    id: c.id,
    contentId: c.contentId,
    versionId: c.versionId,
    parentId: c.parentId,
    authorUserId: c.authorUserId,
    reviewerLinkId: c.reviewerLinkId,
    authorName: c.authorName,
    body: c.body,
    anchor: c.anchor,
    mentions: c.mentions,
    createdAt: c.createdAt.toISOString(),
  };
}

function toRequestBody(r: ReviewRequest): z.infer<typeof reviewRequestSchema> {
  return {
    id: r.id,
    contentId: r.contentId,
    versionId: r.versionId,
    reviewerUserId: r.reviewerUserId,
    requestedBy: r.requestedBy,
    message: r.message,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    closedAt: r.closedAt?.toISOString() ?? null,
  };
}

function readCursor(cursor: string | undefined): { at: Date; id: string } | undefined {
  const c = decodeCursor(cursor, cursorSchema);
  return c ? { at: new Date(c.at), id: c.id } : undefined;
}

function toPage<T, B>(p: Page<T>, map: (t: T) => B) {
  return {
    items: p.items.map(map),
    nextCursor: p.next ? encodeCursor({ at: p.next.at.toISOString(), id: p.next.id }) : null,
  };
}

export function registerReviewRoutes(app: HttpApp, ctx: ReviewsContext): void {
  app.get(
    '/api/v1/content/:id/comments',
    {
      config: { action: 'comments.read' },
      schema: {
        tags: TAGS,
        summary: 'Comments on a content item, oldest first (rebuild threads with parentId)',
        params: idParams,
        querystring: pageQuery.extend({ versionId: z.uuid().optional().describe('Only this version') }),
        response: { 200: page(commentSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, versionId } = request.query;
      const result = await listContentComments(ctx, request.actor, request.params.id, {
        versionId,
        after: readCursor(cursor),
        limit,
      });
      return toPage(result, toCommentBody);
    },
  );

  app.post(
    '/api/v1/content/:id/comments',
    {
      config: { action: 'comments.create' },
      schema: {
        tags: TAGS,
        summary: 'Comment on a version (default: the current one), optionally anchored to a text range',
        description:
          '`@alice@example.com` or `@alice` (unique email local part) in the body mention workspace members; ' +
          '`mentionUserIds` adds more. Mentioned members are notified.',
        params: idParams,
        body: z.object({
          body: z.string().trim().min(1).max(20_000),
          versionId: z.uuid().optional(),
          parentId: z.uuid().optional().describe('Reply to this comment'),
          anchor: z
            .object({ start: z.number().int().min(0), end: z.number().int().min(1) })
            .optional()
            .describe('Character offsets into the version body, end exclusive'),
          mentionUserIds: z.array(z.uuid()).max(50).optional(),
        }),
        response: { 201: commentSchema },
      },
    },
    async (request, reply) => {
      const comment = await createComment(ctx, request.actor, request.params.id, request.body);
      return reply.code(201).send(toCommentBody(comment));
    },
  );

  app.get(
    '/api/v1/content/:id/review-requests',
    {
      config: { action: 'review_requests.read' },
      schema: {
        tags: TAGS,
        summary: 'Review requests of a content item, oldest first',
        params: idParams,
        querystring: pageQuery.extend({ status: z.enum(REVIEW_REQUEST_STATUSES).optional() }),
        response: { 200: page(reviewRequestSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, status } = request.query;
      const result = await listContentReviewRequests(ctx, request.actor, {
        contentId: request.params.id,
        status,
        after: readCursor(cursor),
        limit,
      });
      return toPage(result, toRequestBody);
    },
  );

  app.post(
    '/api/v1/content/:id/review-requests',
    {
      config: { action: 'review_requests.manage' },
      schema: {
        tags: TAGS,
        summary: 'Ask workspace members to review a version (default: the current one); they are notified',
        description:
          'A reviewer who already has an open request for this item keeps it (listed in `alreadyOpen`). A ' +
          'request is completed when its reviewer approves or rejects the content, and cancelled by hand.',
        params: idParams,
        body: z.object({
          reviewerUserIds: z.array(z.uuid()).min(1).max(50),
          versionId: z.uuid().optional(),
          message: z.string().max(2000).optional(),
        }),
        response: {
          201: z.object({ created: z.array(reviewRequestSchema), alreadyOpen: z.array(z.string()) }),
        },
      },
    },
    async (request, reply) => {
      const result = await requestReview(ctx, request.actor, request.params.id, request.body);
      return reply
        .code(201)
        .send({ created: result.created.map(toRequestBody), alreadyOpen: result.alreadyOpen });
    },
  );

  app.get(
    '/api/v1/review-requests',
    {
      config: { action: 'review_requests.read' },
      schema: {
        tags: TAGS,
        summary: 'Review requests assigned to you (default: open ones)',
        querystring: pageQuery.extend({ status: z.enum(REVIEW_REQUEST_STATUSES).default('pending') }),
        response: { 200: page(reviewRequestSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, status } = request.query;
      if (!request.actor.userId) return { items: [], nextCursor: null };
      const result = await listContentReviewRequests(ctx, request.actor, {
        reviewerUserId: request.actor.userId,
        status,
        after: readCursor(cursor),
        limit,
      });
      return toPage(result, toRequestBody);
    },
  );

  app.post(
    '/api/v1/review-requests/:id/cancel',
    {
      config: { action: 'review_requests.manage' },
      schema: {
        tags: TAGS,
        summary: 'Cancel an open review request (409 REVIEW_REQUEST_CLOSED when it is no longer open)',
        params: idParams,
        response: { 200: reviewRequestSchema },
      },
    },
    async (request) => toRequestBody(await cancelReviewRequest(ctx, request.actor, request.params.id)),
  );
}
