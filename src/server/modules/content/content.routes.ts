/**
 * `/api/v1/content…`: items, versions, diffs, transitions, history, rollback and batch approvals. Writes take the
 * item version (If-Match or `expectedVersion`); GETs of items and versions carry strong ETags (If-None-Match → 304).
 */
import { z } from 'zod';
import { decodeCursor, encodeCursor, page, pageQuery, type HttpApp } from '../../platform/http/index.js';
import {
  detailSchema,
  diffSchema,
  ifMatchHeaders,
  itemSchema,
  linkSchema,
  readExpectedVersion,
  sendWithVersionEtag,
  toDetailBody,
  toDiffBody,
  toItemBody,
  toVersionBody,
  versionSchema,
} from './content.http.js';
import { contentHistorySchema } from '../../../contracts/content.contract.js';
import { VERSION_BODY_FORMATS } from './content.tables.js';
import type { ContentService } from './index.js';
import { CONTENT_TYPES } from './workflow/index.js';

const TAGS = ['content'];
const idParams = z.object({ id: z.uuid() });
const slugSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,127}$/, 'lower-case letters, digits and dashes');
const fieldsSchema = z.record(z.string(), z.unknown());
const cursorSchema = z.object({ updatedAt: z.string(), id: z.string() });
/** `?after=<nextCursor>&limit=` of versions and history (`cursor` is accepted too, as on every other list). */
const afterPageQuery = z.object({
  after: z.string().max(512).optional().describe('nextCursor of the previous page'),
  cursor: z.string().max(512).optional().describe('Same as after'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size (1–200, default 50)'),
});
const versionCursorSchema = z.object({ v: z.number().int().min(1) });
const historyCursorSchema = z.object({
  t: z.object({ at: z.iso.datetime(), v: z.number().int(), id: z.uuid() }).nullable(),
  a: z.object({ at: z.iso.datetime(), id: z.uuid() }).nullable(),
});
const editResultSchema = detailSchema.extend({
  returnedToReview: z
    .object({ from: z.string(), to: z.string(), reason: z.string() })
    .nullable()
    .describe('Set when the edit voided an approval and sent the item back to review'),
  newVersion: z.boolean(),
});

export function registerContentRoutes(app: HttpApp, content: ContentService): void {
  app.get(
    '/api/v1/content',
    {
      config: { action: 'content.read' },
      schema: {
        tags: TAGS,
        summary: 'List content items, most recently changed first',
        querystring: pageQuery.extend({
          state: z.string().max(64).optional(),
          type: z.enum(CONTENT_TYPES).optional(),
          tag: z.string().max(100).optional(),
        }),
        response: { 200: page(itemSchema) },
      },
    },
    async (request) => {
      const { cursor, limit, state, type, tag } = request.query;
      const items = await content.list(request.actor, {
        state,
        type,
        tag,
        after: decodeCursor(cursor, cursorSchema),
        limit: limit + 1,
      });
      const more = items.length > limit;
      const shown = items.slice(0, limit);
      const last = shown.at(-1);
      return {
        items: shown.map(toItemBody),
        nextCursor:
          more && last ? encodeCursor({ updatedAt: last.updatedAt.toISOString(), id: last.id }) : null,
      };
    },
  );

  app.post(
    '/api/v1/content',
    {
      config: { action: 'content.create' },
      schema: {
        tags: TAGS,
        summary: 'Create a content item (version 1, in the initial state of its workflow)',
        body: z.object({
          type: z.enum(CONTENT_TYPES),
          title: z.string().trim().min(1).max(500),
          slug: slugSchema,
          body: z.string().max(1_000_000).optional(),
          bodyFormat: z.enum(VERSION_BODY_FORMATS).optional(),
          fields: fieldsSchema.optional(),
          tags: z.array(z.string().min(1).max(100)).max(50).optional(),
          locale: z.string().min(2).max(35).optional(),
          metadata: fieldsSchema.optional(),
          links: z.array(linkSchema).max(200).optional(),
          workflow: z.string().max(63).optional().describe('Workflow definition key (default `default`)'),
        }),
        response: { 201: detailSchema },
      },
    },
    async (request, reply) => {
      const created = await content.create(request.actor, request.body);
      return reply.code(201).send(toDetailBody(created));
    },
  );

  app.get(
    '/api/v1/content/:id',
    {
      config: { action: 'content.read', etag: false },
      schema: {
        tags: TAGS,
        summary: 'A content item with its current version; ETag "<version>.<digest>" (If-None-Match → 304)',
        params: idParams,
        response: { 200: detailSchema, 304: z.null() },
      },
    },
    async (request, reply) => {
      const detail = await content.get(request.actor, request.params.id);
      return sendWithVersionEtag(request, reply, detail.item.version, toDetailBody(detail));
    },
  );

  app.patch(
    '/api/v1/content/:id',
    {
      config: { action: 'content.edit' },
      schema: {
        tags: TAGS,
        summary: 'Edit a content item (If-Match: "<version>"); a visible change adds an immutable version',
        description:
          'A stale version gets 409 CONTENT_VERSION_CONFLICT with the current version and changes nothing. ' +
          'Editing approved or published content returns it to review (approvals are pinned to the content hash).',
        params: idParams,
        headers: ifMatchHeaders,
        body: z.object({
          expectedVersion: z.number().int().min(1).optional(),
          title: z.string().trim().min(1).max(500).optional(),
          slug: slugSchema.optional(),
          body: z.string().max(1_000_000).optional(),
          bodyFormat: z.enum(VERSION_BODY_FORMATS).optional(),
          fields: fieldsSchema.optional(),
          tags: z.array(z.string().min(1).max(100)).max(50).optional(),
          locale: z.string().min(2).max(35).optional(),
          metadata: fieldsSchema.optional(),
          links: z.array(linkSchema).max(200).optional(),
          publishAt: z.iso.datetime({ offset: true }).nullable().optional(),
          archiveAt: z.iso.datetime({ offset: true }).nullable().optional(),
        }),
        response: { 200: editResultSchema },
      },
    },
    async (request) => {
      const { expectedVersion, publishAt, archiveAt, ...rest } = request.body;
      const result = await content.edit(request.actor, request.params.id, {
        ...rest,
        expectedVersion: readExpectedVersion(request, expectedVersion),
        ...(publishAt !== undefined ? { publishAt: publishAt === null ? null : new Date(publishAt) } : {}),
        ...(archiveAt !== undefined ? { archiveAt: archiveAt === null ? null : new Date(archiveAt) } : {}),
      });
      return {
        ...toDetailBody(result),
        returnedToReview: result.returnedToReview,
        newVersion: result.newVersion,
      };
    },
  );

  app.get(
    '/api/v1/content/:id/versions',
    {
      config: { action: 'content.read' },
      schema: {
        tags: TAGS,
        summary: 'Versions of a content item, newest first, a page at a time (?after=<nextCursor>&limit=)',
        params: idParams,
        querystring: afterPageQuery,
        response: { 200: page(versionSchema) },
      },
    },
    async (request) => {
      const { after, cursor, limit } = request.query;
      const from = decodeCursor(after ?? cursor, versionCursorSchema);
      const versions = await content.listVersions(request.actor, request.params.id, {
        beforeVersion: from?.v,
        limit: limit + 1,
      });
      const shown = versions.slice(0, limit);
      const last = shown.at(-1);
      return {
        items: shown.map(toVersionBody),
        nextCursor: versions.length > limit && last ? encodeCursor({ v: last.version }) : null,
      };
    },
  );

  app.get(
    '/api/v1/content/:id/versions/:version',
    {
      config: { action: 'content.read' },
      schema: {
        tags: TAGS,
        summary: 'One immutable version',
        params: idParams.extend({ version: z.coerce.number().int().min(1) }),
        response: { 200: versionSchema },
      },
    },
    async (request) =>
      toVersionBody(await content.getVersion(request.actor, request.params.id, request.params.version)),
  );

  app.post(
    '/api/v1/content/:id/versions/:version/restore',
    {
      config: { action: 'content.edit' },
      schema: {
        tags: TAGS,
        summary: 'Restore an old version as a new version (If-Match: "<version>")',
        params: idParams.extend({ version: z.coerce.number().int().min(1) }),
        headers: ifMatchHeaders,
        body: z.object({ expectedVersion: z.number().int().min(1).optional() }).nullish(),
        response: { 200: editResultSchema },
      },
    },
    async (request) => {
      const result = await content.restoreVersion(request.actor, request.params.id, {
        version: request.params.version,
        expectedVersion: readExpectedVersion(request, request.body?.expectedVersion),
      });
      return {
        ...toDetailBody(result),
        returnedToReview: result.returnedToReview,
        newVersion: result.newVersion,
      };
    },
  );

  app.get(
    '/api/v1/content/:id/diff',
    {
      config: { action: 'content.read' },
      schema: {
        tags: TAGS,
        summary: 'Text diff of body and fields between two versions',
        params: idParams,
        querystring: z.object({ from: z.coerce.number().int().min(1), to: z.coerce.number().int().min(1) }),
        response: { 200: diffSchema },
      },
    },
    async (request) =>
      toDiffBody(await content.diff(request.actor, request.params.id, request.query.from, request.query.to)),
  );

  app.get(
    '/api/v1/content/:id/diff-since-approval',
    {
      config: { action: 'content.read' },
      schema: {
        tags: TAGS,
        summary: 'What changed since the content was last approved (404 when it never was)',
        params: idParams,
        response: { 200: diffSchema.extend({ approvedAt: z.string(), approvedBy: z.string() }) },
      },
    },
    async (request) => {
      const d = await content.diffSinceApproval(request.actor, request.params.id);
      return { ...toDiffBody(d), approvedAt: d.approvedAt.toISOString(), approvedBy: d.approvedBy };
    },
  );

  app.post(
    '/api/v1/content/:id/transitions',
    {
      config: { action: 'content.transition' },
      schema: {
        tags: TAGS,
        summary: 'Take a workflow action (submit, approve, reject, publish …)',
        description:
          'Guards decide: 403 TRANSITION_FORBIDDEN or 422 TRANSITION_INVALID list every failed guard; 422 ' +
          'TRANSITION_NOT_AVAILABLE when the action does not leave the current state. With min_approvals N, the ' +
          'first N-1 approvals are recorded (completed: false) and the N-th moves the content.',
        params: idParams,
        headers: ifMatchHeaders,
        body: z.object({
          action: z.string().min(1).max(64),
          reason: z.string().trim().min(1).max(2000).optional(),
          expectedVersion: z.number().int().min(1).optional(),
        }),
        response: {
          200: z.object({
            item: itemSchema,
            completed: z.boolean(),
            approvalRecorded: z.boolean(),
            approvals: z.object({ count: z.number().int(), required: z.number().int() }).optional(),
          }),
        },
      },
    },
    async (request) => {
      const { action, reason, expectedVersion } = request.body;
      const r = await content.transition(request.actor, request.params.id, {
        action,
        reason,
        expectedVersion: readExpectedVersion(request, expectedVersion),
      });
      return {
        item: toItemBody(r.item),
        completed: r.completed,
        approvalRecorded: r.approvalRecorded,
        ...(r.approvals ? { approvals: r.approvals } : {}),
      };
    },
  );

  app.get(
    '/api/v1/content/:id/history',
    {
      config: { action: 'content.read' },
      schema: {
        tags: TAGS,
        summary: 'State changes (with actor, reason, version, content hash) and approvals, oldest first',
        description:
          'Paged with ?after=<nextCursor>&limit=: each page has up to `limit` transitions and up to `limit` ' +
          'approvals, each list continuing where the previous page left it; append them until nextCursor is null.',
        params: idParams,
        querystring: afterPageQuery,
        response: {
          200: contentHistorySchema.extend({ nextCursor: z.string().nullable() }),
        },
      },
    },
    async (request) => {
      const { after, cursor, limit } = request.query;
      const from = decodeCursor(after ?? cursor, historyCursorSchema);
      const h = await content.history(request.actor, request.params.id, {
        after: from && {
          transition: from.t && { at: new Date(from.t.at), version: from.t.v, id: from.t.id },
          approval: from.a && { at: new Date(from.a.at), id: from.a.id },
        },
        limit,
      });
      const next = h.next;
      return {
        transitions: h.transitions.map(({ id: _id, contentId: _c, at, ...t }) => ({
          ...t,
          at: at.toISOString(),
        })),
        approvals: h.approvals.map(({ userId, action, contentHash, round, at }) => ({
          userId,
          action,
          contentHash,
          round,
          at: at.toISOString(),
        })),
        nextCursor: next
          ? encodeCursor({
              t: next.transition && {
                at: next.transition.at.toISOString(),
                v: next.transition.version,
                id: next.transition.id,
              },
              a: next.approval && { at: next.approval.at.toISOString(), id: next.approval.id },
            })
          : null,
      };
    },
  );

  app.post(
    '/api/v1/content/:id/rollback',
    {
      config: { action: 'content.rollback' },
      schema: {
        tags: TAGS,
        summary: 'Move content back to a state it was in before, as a new audited transition',
        description:
          '422 ROLLBACK_TARGET_INVALID when the content never was in that state (or is in it). Rolling back from ' +
          'published emits content.unpublish_requested for connectors.',
        params: idParams,
        headers: ifMatchHeaders,
        body: z.object({
          target: z.string().min(1).max(64),
          reason: z.string().trim().min(1).max(2000),
          expectedVersion: z.number().int().min(1).optional(),
        }),
        response: { 200: itemSchema },
      },
    },
    async (request) => {
      const { target, reason, expectedVersion } = request.body;
      const item = await content.rollback(request.actor, request.params.id, {
        target,
        reason,
        expectedVersion: readExpectedVersion(request, expectedVersion),
      });
      return toItemBody(item);
    },
  );

  app.post(
    '/api/v1/content/batch-transitions',
    {
      config: { action: 'content.batch_transition' },
      schema: {
        tags: TAGS,
        summary: 'Approve (and optionally publish) several items atomically: all succeed or none is applied',
        description:
          'Any failure → 422 BATCH_TRANSITION_FAILED with details.failures (per item: code, failed guards).',
        body: z.object({
          items: z
            .array(z.object({ id: z.uuid(), expectedVersion: z.number().int().min(1) }))
            .min(1)
            .max(500),
          publish: z.boolean().default(false),
          reason: z.string().trim().min(1).max(2000).optional(),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                state: z.string(),
                version: z.number().int(),
                approved: z.boolean(),
                published: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => ({ items: await content.batchTransition(request.actor, request.body) }),
  );

  app.post(
    '/api/v1/content/:id/workflow-migration',
    {
      config: { action: 'workflow.manage' },
      schema: {
        tags: TAGS,
        summary: 'Move an item to another version of its workflow definition (latest by default)',
        params: idParams,
        headers: ifMatchHeaders,
        body: z.object({
          toVersion: z.number().int().min(1).optional(),
          expectedVersion: z.number().int().min(1).optional(),
        }),
        response: { 200: itemSchema },
      },
    },
    async (request) => {
      const item = await content.migrateWorkflow(request.actor, request.params.id, {
        expectedVersion: readExpectedVersion(request, request.body.expectedVersion),
        ...(request.body.toVersion !== undefined ? { toVersion: request.body.toVersion } : {}),
      });
      return toItemBody(item);
    },
  );
}
