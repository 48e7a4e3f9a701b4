/**
 * `findByIdempotencyMarker` for HubSpot: asks whether the effect with this marker is complete.
 * - blog post: posts with the content's slug in the blog (`slug__eq`), or else the 500 newest posts, whose `headHtml`
 *   carries the marker meta tag; found only when the post is what the delivery asked for (`postMeetsTarget`: live,
 *   scheduled as requested, or a draft when a draft was asked for). The draft of an attempt that died between the
 *   create and the push-live is "not done": null, so the ledger retries, and the retried publish finds that draft by
 *   its marker and pushes it live instead of creating a second post;
 * - marketing email: the 500 newest emails whose name ends with `[sb-<hash>]` (creating the draft is the whole effect:
 *   we never publish or send it);
 * - file: a file search by the marked name (`name=<stem>-sb<hash>`);
 * - unpublish: no marker is stored (it is an idempotent PATCH/DELETE, retried instead of reconciled) → null.
 */
import type { ConnectorContext, ContentPayload, EffectAction, ExternalRef } from '../sdk/connector.js';
import type { HttpRequest } from '../sdk/http-types.js';
import type { HubSpotConfig } from './manifest.js';
import {
  emailNameWithMarker,
  fileBaseWithMarker,
  markerMeta,
  postMeetsTarget,
  postPublishTarget,
} from './mapping.js';

/** Pages of 100 scanned when no narrower query exists. */
const SCAN_PAGES = 5;

export interface HubSpotPost {
  id: string;
  slug: string;
  url?: string;
  state?: string;
  currentlyPublished?: boolean;
  headHtml?: string;
  contentGroupId?: string;
}
export interface HubSpotEmail {
  id: string;
  name: string;
  state?: string;
  isPublished?: boolean;
}
export interface HubSpotFileRef {
  id: string;
  name: string;
  url?: string;
  path?: string;
  size?: number;
}
interface Page<T> {
  results: T[];
  paging?: { next?: { after?: string } };
}

export async function findPostByMarker(
  ctx: ConnectorContext,
  marker: string,
  slug: string | undefined,
  blogId: string | undefined,
): Promise<HubSpotPost | undefined> {
  const meta = markerMeta(marker);
  const query: HttpRequest['query'] =
    slug !== undefined ? { slug__eq: slug, limit: 100 } : { sort: '-created', limit: 100 };
  if (blogId !== undefined) query['contentGroupId'] = blogId;
  return scan<HubSpotPost>(
    ctx,
    '/cms/v3/blogs/posts',
    query,
    'cms.posts.find',
    (p) => p.headHtml?.includes(meta) === true,
  );
}

export async function findEmailByMarker(
  ctx: ConnectorContext,
  marker: string,
): Promise<HubSpotEmail | undefined> {
  const suffix = emailNameWithMarker('', marker).trim();
  return scan<HubSpotEmail>(
    ctx,
    '/marketing/v3/emails',
    { sort: '-createdAt', limit: 100 },
    'marketing.emails.find',
    (e) => e.name.endsWith(suffix),
  );
}

export async function findFileByMarker(
  ctx: ConnectorContext,
  marker: string,
  fileName: string,
): Promise<HubSpotFileRef | undefined> {
  const name = fileBaseWithMarker(fileName, marker);
  return scan<HubSpotFileRef>(
    ctx,
    '/files/v3/files/search',
    { name, limit: 100 },
    'files.find',
    (f) => f.name === name,
  );
}

export async function findEffect(
  ctx: ConnectorContext,
  input: { action: EffectAction; marker: string; content?: ContentPayload },
  connection: { config: Pick<HubSpotConfig, 'publishImmediately'>; blogId: () => Promise<string> },
): Promise<ExternalRef | null> {
  const { action, marker, content } = input;
  if (action === 'publishContent') {
    if (content?.type === 'email') {
      const email = await findEmailByMarker(ctx, marker);
      return email
        ? { externalId: email.id, summary: { kind: 'marketing_email', state: email.state ?? 'DRAFT' } }
        : null;
    }
    const post = await findPostByMarker(
      ctx,
      marker,
      content?.slug,
      content ? await connection.blogId() : undefined,
    );
    if (!post) return null;
    const target = postPublishTarget(content, connection.config, ctx.clock.nowMs());
    if (!postMeetsTarget(post, target)) {
      ctx.logger.info(
        { postId: post.id, state: post.state, wanted: target.kind },
        'hubspot reconcile: only an unfinished draft carries the marker; the retried publish will finish it',
      );
      return null;
    }
    return {
      externalId: post.id,
      ...(post.url ? { url: post.url } : {}),
      summary: { kind: 'blog_post', state: post.state ?? 'DRAFT', slug: post.slug },
    };
  }
  if (action === 'uploadAsset') {
    // An uploadAsset delivery's content carries the one asset it uploads.
    const asset = content?.assets[0];
    if (!asset) return null;
    const file = await findFileByMarker(ctx, marker, asset.fileName);
    return file
      ? { externalId: file.id, ...(file.url ? { url: file.url } : {}), summary: { kind: 'file' } }
      : null;
  }
  return null;
}

async function scan<T>(
  ctx: ConnectorContext,
  path: string,
  query: NonNullable<HttpRequest['query']>,
  operation: string,
  match: (item: T) => boolean,
): Promise<T | undefined> {
  let after: string | undefined;
  for (let page = 0; page < SCAN_PAGES; page += 1) {
    const res = await ctx.http.request<Page<T>>({
      method: 'GET',
      path,
      query: { ...query, ...(after !== undefined ? { after } : {}) },
      operation,
    });
    const found = res.body.results.find(match);
    if (found) return found;
    after = res.body.paging?.next?.after;
    if (after === undefined) return undefined;
  }
  return undefined;
}
