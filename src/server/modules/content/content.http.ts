/** HTTP pieces the content routes share: the expected-version precondition, the version ETag, response shapes. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ValidationError } from '../../platform/errors/index.js';
import { computeEtag, etagMatches } from '../../platform/http/index.js';
import { ContentVersionRequiredError } from './content.context.js';
import type { VersionDiff } from './content.diff.js';
import type { ContentDetail } from './content.service.js';
import type { ContentItem, ContentVersion } from './content.repo.js';
import { CONTENT_LINK_KINDS, VERSION_BODY_FORMATS } from './content.tables.js';
import { CONTENT_TYPES } from './workflow/index.js';

/**
 * The expected version of a write: `expectedVersion` in the body, else `If-Match`. If-Match takes the item's ETag
 * as returned by GET (`"<version>.<digest>"`) or just `"<version>"`; only the version part is compared, because
 * the digest also covers catalog flags that change without a content version.
 */
export function readExpectedVersion(request: FastifyRequest, fromBody?: number): number {
  if (fromBody !== undefined) return fromBody;
  const raw = request.headers['if-match'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) throw new ContentVersionRequiredError();
  const m = /^"?(\d{1,9})(?:\.[A-Za-z0-9_-]+)?"?$/.exec(value);
  if (!m) {
    throw new ValidationError('If-Match must be the version you last read, e.g. If-Match: "3"', {
      fields: [{ location: 'headers', path: 'if-match', message: 'is not a content version' }],
    });
  }
  return Number(m[1]);
}

export const ifMatchHeaders = z.looseObject({
  'if-match': z
    .string()
    .max(80)
    .optional()
    .describe(
      'The content version you last read ("3") or its ETag; required unless the body has expectedVersion',
    ),
});

/**
 * Strong ETag carrying the version: `"<version>.<digest of the bytes>"`, honouring If-None-Match → 304. Routes
 * using it set `config: { etag: false }` so the generic byte-hash ETag does not replace it.
 */
export function sendWithVersionEtag(
  request: FastifyRequest,
  reply: FastifyReply,
  version: number,
  body: unknown,
) {
  const etag = `"${version}.${computeEtag(JSON.stringify(body)).slice(1, 17)}"`;
  reply.header('etag', etag);
  if (etagMatches(request.headers['if-none-match'], etag)) return reply.code(304).send();
  return reply.send(body);
}

export const linkSchema = z.object({ kind: z.enum(CONTENT_LINK_KINDS), targetId: z.uuid() });

export const versionSchema = z
  .object({
    id: z.string(),
    version: z.number().int(),
    title: z.string(),
    body: z.string(),
    bodyFormat: z.enum(VERSION_BODY_FORMATS),
    fields: z.record(z.string(), z.unknown()),
    authorId: z.string().nullable(),
    contentHash: z.string().describe('What approvals are pinned to'),
    restoredFrom: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .describe('An immutable content version');

export const itemSchema = z
  .object({
    id: z.string(),
    type: z.enum(CONTENT_TYPES),
    title: z.string(),
    slug: z.string(),
    ownerId: z.string(),
    tags: z.array(z.string()),
    locale: z.string(),
    metadata: z.record(z.string(), z.unknown()),
    state: z.string(),
    version: z.number().int().describe('Send it back as If-Match / expectedVersion to change the item'),
    workflow: z.object({ key: z.string(), version: z.number().int() }),
    publishAt: z.string().nullable(),
    archiveAt: z.string().nullable(),
    sourceChangedAt: z.string().nullable(),
    notPublishableReason: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .describe('A content item');

export const detailSchema = itemSchema.extend({
  current: versionSchema,
  links: z.array(linkSchema),
});

export const diffPartSchema = z.object({
  changed: z.boolean(),
  added: z.number().int(),
  removed: z.number().int(),
  patch: z.string().describe('Unified diff'),
});

export const diffSchema = z.object({
  from: z.number().int(),
  to: z.number().int(),
  title: z.object({ changed: z.boolean(), from: z.string(), to: z.string() }),
  bodyFormat: z.object({ changed: z.boolean(), from: z.string(), to: z.string() }),
  body: diffPartSchema,
  fields: diffPartSchema,
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toItemBody(i: ContentItem): z.infer<typeof itemSchema> {
  return {
    id: i.id,
    type: i.type,
    title: i.title,
    slug: i.slug,
    ownerId: i.ownerId,
    tags: i.tags,
    locale: i.locale,
    metadata: i.metadata,
    state: i.state,
    version: i.version,
    workflow: { key: i.definitionKey, version: i.definitionVersion },
    publishAt: iso(i.publishAt),
    archiveAt: iso(i.archiveAt),
    sourceChangedAt: iso(i.sourceChangedAt),
    notPublishableReason: i.notPublishableReason,
    createdAt: i.createdAt.toISOString(),
    updatedAt: i.updatedAt.toISOString(),
  };
}

export function toVersionBody(v: ContentVersion): z.infer<typeof versionSchema> {
  return {
    id: v.id,
    version: v.version,
    title: v.title,
    body: v.body,
    bodyFormat: v.bodyFormat,
    fields: v.fields,
    authorId: v.authorId,
    contentHash: v.contentHash,
    restoredFrom: v.restoredFrom,
    createdAt: v.createdAt.toISOString(),
  };
}

export function toDetailBody(d: ContentDetail): z.infer<typeof detailSchema> {
  return { ...toItemBody(d.item), current: toVersionBody(d.current), links: d.links };
}

export function toDiffBody(d: VersionDiff): z.infer<typeof diffSchema> {
  return d;
}
