/**
 * CMS v3 emulation: blog posts (`/cms/v3/blogs/posts`), their publishing (`/schedule`, `/{id}/draft/push-live`),
 * blog tags (`/cms/v3/blogs/tags`) and blog settings (`/cms/v3/blog-settings/settings`).
 *
 * Publishing, as HubSpot documents it: a post is created as a DRAFT; `POST /cms/v3/blogs/posts/{id}/draft/push-live`
 * publishes it now, `POST /cms/v3/blogs/posts/schedule { id, publishDate }` at a time. `PATCH { state: 'DRAFT' }`
 * takes it offline again and `DELETE` archives it.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BlogPost, HubSpotStore } from './hubspot-store.js';
import { EPOCH_ISO, decodeAfter, pageOf } from './hubspot-store.js';
import { sendNotFound, sendValidationError } from './hubspot-errors.js';
import { applyListFilters, asRecord, readLimit } from './query-filters.js';

const POST_TEXT_FIELDS = [
  'name',
  'slug',
  'htmlTitle',
  'headHtml',
  'metaDescription',
  'postBody',
  'postSummary',
  'featuredImage',
  'featuredImageAltText',
  'language',
  'blogAuthorId',
  'authorName',
] as const;

export function registerCmsRoutes(app: FastifyInstance, store: HubSpotStore): void {
  const base = '/cms/v3/blogs/posts';

  app.get('/cms/v3/blog-settings/settings', { config: { operation: 'cms.blogs.list' } }, async () => {
    const blogs = [...store.blogs.values()];
    return { total: blogs.length, results: blogs };
  });

  app.post(base, { config: { operation: 'cms.posts.create' } }, async (request, reply) => {
    const body = asRecord(request.body);
    if (!body) return sendValidationError(reply, 'Request body must be a JSON object');
    const contentGroupId = body['contentGroupId'];
    if (typeof contentGroupId !== 'string' && typeof contentGroupId !== 'number') {
      return sendValidationError(reply, 'contentGroupId is required', 'contentGroupId');
    }
    const blog = store.blogs.get(String(contentGroupId));
    if (!blog)
      return sendValidationError(reply, `No blog with id ${String(contentGroupId)}`, 'contentGroupId');
    if (body['state'] !== undefined && body['state'] !== 'DRAFT') {
      return sendValidationError(
        reply,
        'Posts are created as DRAFT; publish with /draft/push-live or /schedule',
        'state',
      );
    }
    const now = store.nowIso();
    const post: BlogPost = {
      id: store.newId(200_000_000_000),
      name: '',
      slug: '',
      contentGroupId: blog.id,
      htmlTitle: '',
      headHtml: '',
      metaDescription: '',
      postBody: '',
      postSummary: '',
      featuredImage: '',
      featuredImageAltText: '',
      useFeaturedImage: false,
      tagIds: [],
      language: 'en',
      blogAuthorId: '',
      authorName: '',
      state: 'DRAFT',
      currentlyPublished: false,
      publishDate: now,
      url: '',
      created: now,
      updated: now,
      archivedAt: EPOCH_ISO,
      archivedInDashboard: false,
    };
    const error = applyPostFields(store, post, body);
    if (error) return sendValidationError(reply, error.message, error.field);
    if (post.slug === '') post.slug = slugify(post.name || post.id);
    post.url = `${blog.absoluteUrl}/${post.slug}`;
    store.posts.set(post.id, post);
    return reply.code(201).send(post);
  });

  app.get(base, { config: { operation: 'cms.posts.list' } }, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, string>;
    const offset = decodeAfter(query['after']);
    if (offset === undefined) return sendValidationError(reply, 'Invalid paging cursor', 'after');
    const archived = query['archived'] === 'true';
    const posts = [...store.posts.values()]
      .map((p) => refreshPost(store, p))
      .filter((p) => isArchived(p) === archived);
    const filtered = applyListFilters(posts as unknown as Record<string, unknown>[], query, 'created');
    return pageOf(filtered, offset, readLimit(query, 20, 100), base);
  });

  app.get(`${base}/:objectId`, { config: { operation: 'cms.posts.get' } }, async (request, reply) => {
    const post = findPost(store, request.params as { objectId: string }, request.query);
    if (!post) return sendNotFound(reply, 'Blog post', (request.params as { objectId: string }).objectId);
    return post;
  });

  app.patch(`${base}/:objectId`, { config: { operation: 'cms.posts.update' } }, async (request, reply) => {
    const { objectId } = request.params as { objectId: string };
    const post = findPost(store, { objectId }, {});
    if (!post) return sendNotFound(reply, 'Blog post', objectId);
    const body = asRecord(request.body);
    if (!body) return sendValidationError(reply, 'Request body must be a JSON object');
    if (body['state'] !== undefined && body['state'] !== 'DRAFT') {
      return sendValidationError(
        reply,
        'state can only be set to DRAFT; publish with /draft/push-live',
        'state',
      );
    }
    const error = applyPostFields(store, post, body);
    if (error) return sendValidationError(reply, error.message, error.field);
    if (body['state'] === 'DRAFT') {
      post.state = 'DRAFT';
      post.currentlyPublished = false;
    }
    const blog = store.blogs.get(post.contentGroupId);
    if (blog) post.url = `${blog.absoluteUrl}/${post.slug}`;
    post.updated = store.nowIso();
    return post;
  });

  app.delete(`${base}/:objectId`, { config: { operation: 'cms.posts.archive' } }, async (request, reply) => {
    const { objectId } = request.params as { objectId: string };
    const post = findPost(store, { objectId }, {});
    if (!post) return sendNotFound(reply, 'Blog post', objectId);
    post.archivedAt = store.nowIso();
    post.archivedInDashboard = true;
    post.currentlyPublished = false;
    return reply.code(204).send();
  });

  app.post(
    `${base}/:objectId/draft/push-live`,
    { config: { operation: 'cms.posts.publish' } },
    async (request, reply) => {
      const { objectId } = request.params as { objectId: string };
      const post = findPost(store, { objectId }, {});
      if (!post) return sendNotFound(reply, 'Blog post', objectId);
      const invalid = publishProblem(store, post);
      if (invalid) return sendValidationError(reply, invalid.message, invalid.field);
      publishPost(store, post, store.nowIso());
      return reply.code(204).send();
    },
  );

  app.post(`${base}/schedule`, { config: { operation: 'cms.posts.schedule' } }, async (request, reply) => {
    const body = asRecord(request.body);
    const id = body?.['id'];
    const publishDate = body?.['publishDate'];
    if (typeof id !== 'string') return sendValidationError(reply, 'id is required', 'id');
    if (typeof publishDate !== 'string' || Number.isNaN(Date.parse(publishDate))) {
      return sendValidationError(reply, 'publishDate must be an ISO 8601 date-time', 'publishDate');
    }
    const post = findPost(store, { objectId: id }, {});
    if (!post) return sendNotFound(reply, 'Blog post', id);
    const invalid = publishProblem(store, post);
    if (invalid) return sendValidationError(reply, invalid.message, invalid.field);
    if (Date.parse(publishDate) <= store.clock.nowMs())
      publishPost(store, post, new Date(publishDate).toISOString());
    else {
      post.state = 'SCHEDULED';
      post.publishDate = new Date(publishDate).toISOString();
      post.updated = store.nowIso();
    }
    return reply.code(204).send();
  });

  registerTagRoutes(app, store);
}

function registerTagRoutes(app: FastifyInstance, store: HubSpotStore): void {
  const base = '/cms/v3/blogs/tags';
  app.get(base, { config: { operation: 'cms.tags.list' } }, async (request, reply) => {
    const query = (request.query ?? {}) as Record<string, string>;
    const offset = decodeAfter(query['after']);
    if (offset === undefined) return sendValidationError(reply, 'Invalid paging cursor', 'after');
    const tags = applyListFilters(
      [...store.tags.values()] as unknown as Record<string, unknown>[],
      query,
      'created',
    );
    return pageOf(tags, offset, readLimit(query, 20, 100), base);
  });
  app.post(base, { config: { operation: 'cms.tags.create' } }, async (request, reply) => {
    const body = asRecord(request.body);
    const name = body?.['name'];
    if (typeof name !== 'string' || name.trim() === '')
      return sendValidationError(reply, 'name is required', 'name');
    const now = store.nowIso();
    const tag = {
      id: store.newId(300_000_000_000),
      name: name.trim(),
      slug: slugify(name),
      language: typeof body?.['language'] === 'string' ? body['language'] : 'en',
      created: now,
      updated: now,
      archivedAt: EPOCH_ISO,
    };
    store.tags.set(tag.id, tag);
    return reply.code(201).send(tag);
  });
}

function applyPostFields(
  store: HubSpotStore,
  post: BlogPost,
  body: Record<string, unknown>,
): { message: string; field: string } | undefined {
  for (const field of POST_TEXT_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') return { message: `${field} must be a string`, field };
    post[field] = value;
  }
  if (body['useFeaturedImage'] !== undefined) post.useFeaturedImage = body['useFeaturedImage'] === true;
  if (body['tagIds'] !== undefined) {
    const tagIds = body['tagIds'];
    if (!Array.isArray(tagIds)) return { message: 'tagIds must be an array of tag ids', field: 'tagIds' };
    const ids = tagIds.map((t) => Number(t));
    const unknown = ids.find((t) => !Number.isInteger(t) || !store.tags.has(String(t)));
    if (unknown !== undefined) return { message: `Unknown tag id ${String(unknown)}`, field: 'tagIds' };
    post.tagIds = ids;
  }
  if (post.slug !== '' && !/^[a-z0-9][a-z0-9\-/_.]*$/i.test(post.slug)) {
    return { message: 'slug contains characters that are not allowed', field: 'slug' };
  }
  return undefined;
}

function publishProblem(store: HubSpotStore, post: BlogPost): { message: string; field: string } | undefined {
  if (post.name.trim() === '')
    return { message: 'A post needs a name (title) to be published', field: 'name' };
  const clash = [...store.posts.values()].find(
    (p) =>
      p.id !== post.id &&
      p.contentGroupId === post.contentGroupId &&
      p.slug === post.slug &&
      p.currentlyPublished &&
      !isArchived(p),
  );
  if (clash) return { message: `The slug ${post.slug} is already used by post ${clash.id}`, field: 'slug' };
  return undefined;
}

function publishPost(store: HubSpotStore, post: BlogPost, at: string): void {
  post.state = 'PUBLISHED';
  post.currentlyPublished = true;
  post.publishDate = at;
  post.updated = store.nowIso();
}

/** Scheduled posts go live when their time comes (evaluated on read, against the sandbox clock). */
function refreshPost(store: HubSpotStore, post: BlogPost): BlogPost {
  if (post.state === 'SCHEDULED' && Date.parse(post.publishDate) <= store.clock.nowMs()) {
    post.state = 'PUBLISHED';
    post.currentlyPublished = true;
  }
  return post;
}

function isArchived(post: BlogPost): boolean {
  return post.archivedAt !== EPOCH_ISO;
}

function findPost(store: HubSpotStore, params: { objectId: string }, query: unknown): BlogPost | undefined {
  const post = store.posts.get(params.objectId);
  if (!post) return undefined;
  const archived = (query as Record<string, unknown> | undefined)?.['archived'] === 'true';
  if (isArchived(post) && !archived) return undefined;
  return refreshPost(store, post);
}

export function slugify(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 120) || 'post'
  );
}

export type { FastifyReply };
