/**
 * Reviewer links: members create, list and revoke them; the public `/api/v1/review-links/:token` endpoints let the
 * link's holder view its version and decide once. JSON only (the web UI renders the page).
 */
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HttpApp } from '../../platform/http/index.js';
import type { ReviewsContext } from './reviews.context.js';
import type { ReviewerLink } from './reviewer-links.repo.js';
import {
  createReviewerLink,
  decideReviewerLink,
  listContentReviewerLinks,
  MAX_LINK_HOURS,
  revokeReviewerLink,
  viewReviewerLink,
  type RequestMeta,
} from './reviewer-links.service.js';
import { LINK_DECISIONS } from './reviews.tables.js';

const TAGS = ['reviews'];
const idParams = z.object({ id: z.uuid() });
const tokenParams = z.object({
  token: z.string().min(1).max(300).describe('`<link id>.<secret>` from the link'),
});

export const reviewerLinkSchema = z.object({
  id: z.string(),
  contentId: z.string(),
  versionId: z.string(),
  reviewerName: z.string(),
  reviewerEmail: z.string().nullable(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string(),
  revokedAt: z.string().nullable(),
  usedAt: z.string().nullable(),
  decision: z.enum(LINK_DECISIONS).nullable(),
  status: z.enum(['active', 'used', 'revoked', 'expired']),
});

function toLinkBody(l: ReviewerLink, now: Date): z.infer<typeof reviewerLinkSchema> {
  const status = l.usedAt ? 'used' : l.revokedAt ? 'revoked' : now >= l.expiresAt ? 'expired' : 'active';
  return {
    id: l.id,
    contentId: l.contentId,
    versionId: l.versionId,
    reviewerName: l.reviewerName,
    reviewerEmail: l.reviewerEmail,
    createdBy: l.createdBy,
    createdAt: l.createdAt.toISOString(),
    expiresAt: l.expiresAt.toISOString(),
    revokedAt: l.revokedAt?.toISOString() ?? null,
    usedAt: l.usedAt?.toISOString() ?? null,
    decision: l.decision,
    status,
  };
}

function metaOf(request: FastifyRequest): RequestMeta {
  const ua = request.headers['user-agent'];
  return { ip: request.ip, requestId: request.id, ...(ua ? { userAgent: ua.slice(0, 512) } : {}) };
}

export function registerReviewerLinkRoutes(app: HttpApp, ctx: ReviewsContext): void {
  app.post(
    '/api/v1/content/:id/reviewer-links',
    {
      config: { action: 'reviewer_links.manage' },
      schema: {
        tags: TAGS,
        summary: 'Create an expiring link for someone without an account to review one version; shown once',
        description:
          'The decision taken through the link counts as yours (workflow guards apply to you, e.g. four-eyes); ' +
          'the audit log records the link id with every use.',
        params: idParams,
        body: z.object({
          reviewerName: z.string().trim().min(1).max(200),
          reviewerEmail: z.email().optional(),
          versionId: z.uuid().optional().describe('Default: the current version'),
          expiresInHours: z.number().int().min(1).max(MAX_LINK_HOURS).default(72),
        }),
        response: {
          201: reviewerLinkSchema.extend({
            token: z.string().describe('Bearer part of the link; store or send it now'),
            url: z.string(),
          }),
        },
      },
    },
    async (request, reply) => {
      const created = await createReviewerLink(ctx, request.actor, request.params.id, request.body);
      return reply
        .code(201)
        .send({ ...toLinkBody(created.link, ctx.clock.now()), token: created.token, url: created.url });
    },
  );

  app.get(
    '/api/v1/content/:id/reviewer-links',
    {
      config: { action: 'reviewer_links.read' },
      schema: {
        tags: TAGS,
        summary: 'Reviewer links of a content item, newest first (no secrets)',
        params: idParams,
        response: {
          200: z.object({ items: z.array(reviewerLinkSchema), nextCursor: z.string().nullable() }),
        },
      },
    },
    async (request) => {
      const now = ctx.clock.now();
      const links = await listContentReviewerLinks(ctx, request.actor, request.params.id);
      return { items: links.map((l) => toLinkBody(l, now)), nextCursor: null };
    },
  );

  app.post(
    '/api/v1/reviewer-links/:id/revoke',
    {
      config: { action: 'reviewer_links.manage' },
      schema: {
        tags: TAGS,
        summary: 'Revoke an unused reviewer link (its holder then gets 410 LINK_REVOKED)',
        params: idParams,
        response: { 200: reviewerLinkSchema },
      },
    },
    async (request) =>
      toLinkBody(await revokeReviewerLink(ctx, request.actor, request.params.id), ctx.clock.now()),
  );

  app.get(
    '/api/v1/review-links/:token',
    {
      config: { public: true, etag: false },
      schema: {
        tags: TAGS,
        summary: 'Public: the version a reviewer link is for',
        description:
          '404 LINK_NOT_FOUND, 403 LINK_SIGNATURE_INVALID, 410 LINK_REVOKED / LINK_ALREADY_USED / LINK_EXPIRED.',
        params: tokenParams,
        response: {
          200: z.object({
            linkId: z.string(),
            reviewerName: z.string(),
            expiresAt: z.string(),
            isCurrent: z
              .boolean()
              .describe('False when the content changed since; a decision would be refused'),
            content: z.object({ id: z.string(), title: z.string(), state: z.string() }),
            version: z.object({
              id: z.string(),
              version: z.number().int(),
              title: z.string(),
              body: z.string(),
              bodyFormat: z.string(),
              fields: z.record(z.string(), z.unknown()),
              contentHash: z.string(),
              createdAt: z.string(),
            }),
          }),
        },
      },
    },
    async (request, reply) => {
      const view = await viewReviewerLink(ctx, request.params.token, metaOf(request));
      // A bearer URL: keep it out of shared caches.
      reply.header('cache-control', 'no-store');
      return {
        linkId: view.link.id,
        reviewerName: view.link.reviewerName,
        expiresAt: view.link.expiresAt.toISOString(),
        isCurrent: view.isCurrent,
        content: { id: view.content.contentId, title: view.content.title, state: view.content.state },
        version: {
          id: view.version.id,
          version: view.version.version,
          title: view.version.title,
          body: view.version.body,
          bodyFormat: view.version.bodyFormat,
          fields: view.version.fields,
          contentHash: view.version.contentHash,
          createdAt: view.version.createdAt.toISOString(),
        },
      };
    },
  );

  app.post(
    '/api/v1/review-links/:token/decision',
    {
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Public: approve or reject the link’s version, once (a rejection needs a comment)',
        description:
          '409 LINK_VERSION_STALE when the content changed since the link was made; workflow refusals ' +
          '(403 TRANSITION_FORBIDDEN, 422 TRANSITION_INVALID) leave the link unused.',
        params: tokenParams,
        body: z
          .object({ decision: z.enum(LINK_DECISIONS), comment: z.string().trim().max(5000).optional() })
          .refine((b) => b.decision !== 'reject' || (b.comment ?? '').length > 0, {
            message: 'a rejection needs a comment',
            path: ['comment'],
          }),
        response: {
          200: z.object({
            linkId: z.string(),
            decision: z.enum(LINK_DECISIONS),
            completed: z
              .boolean()
              .describe('False when the approval only counted towards required approvals'),
            state: z.string(),
          }),
        },
      },
    },
    async (request) => decideReviewerLink(ctx, request.params.token, request.body, metaOf(request)),
  );
}
