/**
 * The HubSpot client: capabilities over CMS blog posts v3, marketing emails v3, files v3 and lists v3.
 *
 * Publishing is check-then-create: before creating, the client looks for an object carrying the delivery's marker
 * (see `reconcile.ts`), so a retried publish after a lost response finds the first post instead of making a second.
 * A blog post is two steps (create a draft, then push it live or schedule it); a retry that finds the draft of an
 * interrupted attempt finishes it. Creating calls are not idempotent; an unreadable 2xx answer to one is
 * `unknown_outcome` (the ledger reconciles it). Pushing live and scheduling are idempotent and retried.
 * A marketing email is one step: it is created as a draft, which is the whole effect (sending is not ours).
 */
import { ConnectorError, isConnectorError } from '../sdk/connector-error.js';
import type {
  AssetPayload,
  ConnectorClient,
  ConnectorContext,
  ContactPage,
  ContentPayload,
  ExternalRef,
  ListContactsInput,
} from '../sdk/connector.js';
import { validateHubSpotAsset } from './assets.js';
import { MALFORMED_RESPONSE } from './http-policy.js';
import type { HubSpotConfig } from './manifest.js';
import { hubspotConfigSchema } from './manifest.js';
import type { PostPublishTarget } from './mapping.js';
import {
  fileBaseWithMarker,
  mapBlogPost,
  mapMarketingEmail,
  postMeetsTarget,
  postPublishTarget,
  referencedAssets,
} from './mapping.js';
import type { HubSpotEmail, HubSpotFileRef, HubSpotPost } from './reconcile.js';
import { findEffect, findEmailByMarker, findFileByMarker, findPostByMarker } from './reconcile.js';

interface Paged<T> {
  results: T[];
  paging?: { next?: { after?: string } };
}

export function createHubSpotClient(ctx: ConnectorContext): ConnectorClient {
  const parsed = hubspotConfigSchema.safeParse(ctx.connection.config);
  if (!parsed.success) {
    throw new ConnectorError({
      kind: 'invalid_request',
      message: `HubSpot connection config is invalid: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
      vendorCode: 'CONFIG_INVALID',
    });
  }
  const config: HubSpotConfig = parsed.data;
  let discoveredBlogId: string | undefined;

  async function blogId(): Promise<string> {
    if (config.blogId !== undefined) return config.blogId;
    if (discoveredBlogId !== undefined) return discoveredBlogId;
    const res = await ctx.http.request<{ results: { id: string }[] }>({
      method: 'GET',
      path: '/cms/v3/blog-settings/settings',
      operation: 'cms.blogs.list',
    });
    const first = res.body.results[0];
    if (!first) {
      throw new ConnectorError({
        kind: 'invalid_request',
        message: 'The HubSpot account has no blog',
        vendorCode: 'NO_BLOG',
      });
    }
    discoveredBlogId = String(first.id);
    return discoveredBlogId;
  }

  /** Creating calls: an unreadable success means the object may exist → unknown_outcome. */
  async function create<T>(path: string, json: unknown, operation: string): Promise<T> {
    try {
      return (await ctx.http.request<T>({ method: 'POST', path, json, operation })).body;
    } catch (e) {
      if (isConnectorError(e) && e.vendorCode === MALFORMED_RESPONSE) {
        throw new ConnectorError({ ...e.toJSON(), kind: 'unknown_outcome' });
      }
      throw e;
    }
  }

  async function uploadFile(asset: AssetPayload, marker: string): Promise<HubSpotFileRef> {
    const checked = await validateHubSpotAsset(asset.fileName, asset.bytes);
    const fileName = `${fileBaseWithMarker(asset.fileName, marker)}.${checked.ext}`;
    const form = new FormData();
    form.set('file', new Blob([new Uint8Array(asset.bytes)], { type: checked.mime }), fileName);
    form.set('fileName', fileName);
    form.set('folderPath', config.fileFolderPath);
    // RETURN_EXISTING makes the upload idempotent: the same bytes in the same folder return the same file.
    form.set(
      'options',
      JSON.stringify({
        access: config.fileAccess,
        duplicateValidationStrategy: 'RETURN_EXISTING',
        duplicateValidationScope: 'EXACT_FOLDER',
      }),
    );
    const res = await ctx.http.request<HubSpotFileRef>({
      method: 'POST',
      path: '/files/v3/files',
      body: form,
      idempotent: true,
      operation: 'files.upload',
    });
    return res.body;
  }

  async function uploadReferenced(content: ContentPayload, marker: string): Promise<Map<string, string>> {
    const urls = new Map<string, string>();
    for (const asset of referencedAssets(content)) {
      const file = await uploadFile(asset, marker);
      if (file.url) urls.set(asset.ref, file.url);
    }
    return urls;
  }

  async function resolveTagIds(tags: readonly string[]): Promise<number[]> {
    const ids: number[] = [];
    for (const name of new Set(tags.map((t) => t.trim()).filter(Boolean))) {
      const mapped = config.tagIds[name];
      if (mapped !== undefined) {
        ids.push(Number(mapped));
        continue;
      }
      const found = await ctx.http.request<Paged<{ id: string; name: string }>>({
        method: 'GET',
        path: '/cms/v3/blogs/tags',
        query: { name__eq: name, limit: 10 },
        operation: 'cms.tags.find',
      });
      const existing = found.body.results.find((t) => t.name === name);
      if (existing) ids.push(Number(existing.id));
      else if (config.createTags) {
        const created = await create<{ id: string }>('/cms/v3/blogs/tags', { name }, 'cms.tags.create');
        ids.push(Number(created.id));
      }
    }
    return ids;
  }

  /** Moves a post to what the delivery asks for (live / scheduled); a draft target leaves it as it is. */
  async function publishPost(post: HubSpotPost, target: PostPublishTarget): Promise<HubSpotPost> {
    if (target.kind === 'draft') return post;
    if (target.kind === 'scheduled') {
      // Scheduling the same post at the same time again is harmless: idempotent.
      await ctx.http.request({
        method: 'POST',
        path: '/cms/v3/blogs/posts/schedule',
        json: { id: post.id, publishDate: target.at.toISOString() },
        idempotent: true,
        operation: 'cms.posts.schedule',
      });
    } else {
      // Pushing the same draft live twice is harmless: idempotent.
      await ctx.http.request({
        method: 'POST',
        path: `/cms/v3/blogs/posts/${post.id}/draft/push-live`,
        idempotent: true,
        operation: 'cms.posts.publish',
      });
    }
    const res = await ctx.http.request<HubSpotPost>({
      method: 'GET',
      path: `/cms/v3/blogs/posts/${post.id}`,
      operation: 'cms.posts.get',
    });
    return res.body;
  }

  function postRef(post: HubSpotPost, extra: Record<string, unknown> = {}): ExternalRef {
    return {
      externalId: post.id,
      ...(post.url ? { url: post.url } : {}),
      summary: { kind: 'blog_post', state: post.state ?? 'DRAFT', slug: post.slug, ...extra },
    };
  }

  return {
    async testConnection() {
      const res = await ctx.http.request<Record<string, unknown>>({
        method: 'GET',
        path: '/account-info/v3/details',
        operation: 'account.details',
      });
      const { portalId, timeZone, uiDomain, dataHostingLocation } = res.body;
      return {
        ok: true,
        account: String(portalId),
        details: { portalId, timeZone, uiDomain, dataHostingLocation },
      };
    },

    async publishContent({ content, idempotencyMarker: marker }) {
      if (content.type === 'blog_post') {
        const blog = await blogId();
        const target = postPublishTarget(content, config, ctx.clock.nowMs());
        // A post with this marker is an earlier attempt of this delivery: finish it instead of making a second one.
        const existing = await findPostByMarker(ctx, marker, content.slug, blog);
        if (existing) {
          const done = postMeetsTarget(existing, target) ? existing : await publishPost(existing, target);
          return postRef(done, { reused: true });
        }
        const urls = await uploadReferenced(content, marker);
        const tagIds = await resolveTagIds(content.tags);
        const draft = mapBlogPost({ content, blogId: blog, marker, urls, tagIds });
        const created = await create<HubSpotPost>('/cms/v3/blogs/posts', draft, 'cms.posts.create');
        return postRef(await publishPost(created, target), { tagIds, assets: urls.size });
      }
      if (content.type === 'email') {
        const existing = await findEmailByMarker(ctx, marker);
        if (existing)
          return {
            externalId: existing.id,
            summary: { kind: 'marketing_email', state: existing.state ?? 'DRAFT', reused: true },
          };
        const urls = await uploadReferenced(content, marker);
        const email = mapMarketingEmail({ content, marker, urls, config });
        const created = await create<HubSpotEmail>('/marketing/v3/emails', email, 'marketing.emails.create');
        return {
          externalId: created.id,
          summary: { kind: 'marketing_email', state: created.state ?? 'DRAFT', assets: urls.size },
        };
      }
      throw new ConnectorError({
        kind: 'invalid_request',
        message: `HubSpot publishes blog posts and emails, not ${content.type}`,
        vendorCode: 'CONTENT_TYPE_UNSUPPORTED',
      });
    },

    async unpublishContent({ externalId, content }) {
      try {
        if (content.type === 'email') {
          await ctx.http.request({
            method: 'DELETE',
            path: `/marketing/v3/emails/${externalId}`,
            idempotent: true,
            operation: 'marketing.emails.archive',
          });
          return { externalId, summary: { kind: 'marketing_email', state: 'ARCHIVED' } };
        }
        const res = await ctx.http.request<HubSpotPost>({
          method: 'PATCH',
          path: `/cms/v3/blogs/posts/${externalId}`,
          json: { state: 'DRAFT' },
          idempotent: true,
          operation: 'cms.posts.unpublish',
        });
        return postRef(res.body);
      } catch (e) {
        // Already gone (archived or deleted in HubSpot): the goal of unpublishing is met.
        if (isConnectorError(e) && e.kind === 'not_found')
          return { externalId, summary: { state: 'NOT_FOUND' } };
        throw e;
      }
    },

    async uploadAsset({ asset, idempotencyMarker }) {
      const file = await uploadFile(asset, idempotencyMarker);
      return {
        externalId: file.id,
        ...(file.url ? { url: file.url } : {}),
        summary: { kind: 'file', name: file.name, size: file.size },
      };
    },

    async listContacts(input: ListContactsInput): Promise<ContactPage> {
      const limit = Math.min(Math.max(input.limit ?? 100, 1), 100);
      if (input.listId !== undefined) {
        const members = await ctx.http.request<Paged<{ recordId: string }>>({
          method: 'GET',
          path: `/crm/v3/lists/${input.listId}/memberships`,
          query: { limit, ...(input.cursor !== undefined ? { after: input.cursor } : {}) },
          operation: 'crm.lists.memberships',
        });
        const ids = members.body.results.map((m) => String(m.recordId));
        const contacts = ids.length === 0 ? [] : await readContacts(ids);
        const next = members.body.paging?.next?.after;
        return { contacts, ...(next !== undefined ? { nextCursor: next } : {}) };
      }
      const res = await ctx.http.request<Paged<{ id: string; properties: Record<string, unknown> }>>({
        method: 'GET',
        path: '/crm/v3/objects/contacts',
        query: {
          limit,
          properties: 'email,firstname,lastname',
          ...(input.cursor !== undefined ? { after: input.cursor } : {}),
        },
        operation: 'crm.contacts.list',
      });
      const next = res.body.paging?.next?.after;
      const lists = input.cursor === undefined ? await readLists() : undefined;
      return {
        contacts: res.body.results.map(toContact),
        ...(next !== undefined ? { nextCursor: next } : {}),
        ...(lists ? { lists } : {}),
      };
    },

    findByIdempotencyMarker: (input) => findEffect(ctx, input, { config, blogId }),
  };

  async function readContacts(ids: string[]): Promise<ContactPage['contacts']> {
    const res = await ctx.http.request<{ results: { id: string; properties: Record<string, unknown> }[] }>({
      method: 'POST',
      path: '/crm/v3/objects/contacts/batch/read',
      json: { properties: ['email', 'firstname', 'lastname'], inputs: ids.map((id) => ({ id })) },
      idempotent: true,
      operation: 'crm.contacts.batchRead',
    });
    const byId = new Map(res.body.results.map((c) => [c.id, c]));
    return ids.flatMap((id) => {
      const c = byId.get(id);
      return c ? [toContact(c)] : [];
    });
  }

  async function readLists(): Promise<NonNullable<ContactPage['lists']>> {
    const lists: NonNullable<ContactPage['lists']> = [];
    let offset = 0;
    for (let page = 0; page < 10; page += 1) {
      const res = await ctx.http.request<{
        lists: { listId: string; name: string; size?: number }[];
        hasMore: boolean;
        offset: number;
      }>({
        method: 'POST',
        path: '/crm/v3/lists/search',
        json: { query: '', count: 500, offset },
        idempotent: true,
        operation: 'crm.lists.search',
      });
      for (const l of res.body.lists) {
        lists.push({
          externalId: String(l.listId),
          name: l.name,
          ...(l.size !== undefined ? { size: l.size } : {}),
        });
      }
      if (!res.body.hasMore) break;
      offset = res.body.offset;
    }
    return lists;
  }
}

function toContact(c: { id: string; properties: Record<string, unknown> }): ContactPage['contacts'][number] {
  const email = c.properties['email'];
  return { externalId: String(c.id), ...(typeof email === 'string' ? { email } : {}), fields: c.properties };
}

export type { HubSpotFileRef };
export { findFileByMarker };
