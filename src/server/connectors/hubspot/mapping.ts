/**
 * Our content → HubSpot objects.
 * - Body: Markdown is rendered to HTML with `marked`; HTML passes through; JSON bodies are refused.
 * - Images: assets are uploaded first; every reference to them (Markdown image, `<img src>`, the featured image) is
 *   rewritten to the HubSpot file URL. Alt text is kept; an empty Markdown alt takes the asset's alt text.
 * - Tags: names here; the client turns them into HubSpot tag ids (`tagIds`).
 * - Idempotency marker: a blog post carries it in `headHtml` as `<meta name="switchboard-marker" content="…">`
 *   (invisible to readers) and is found again by its slug; a marketing email carries `[sb-<hash>]` at the end of its
 *   internal name (recipients never see it); a file carries `-sb<hash>` in its file name. `<hash>` is the first 12
 *   hex digits of the marker's SHA-256.
 * - Publishing a blog post: `postPublishTarget` says what the delivery asks for (live, scheduled or a draft);
 *   `postMeetsTarget` says whether a post found by its marker already is that, i.e. whether the effect is complete.
 */
import { createHash } from 'node:crypto';
import { Marked } from 'marked';
import { ConnectorError } from '../sdk/connector-error.js';
import type { AssetPayload, ContentPayload } from '../sdk/connector.js';
import type { HubSpotConfig } from './manifest.js';

export const MARKER_META_NAME = 'switchboard-marker';

/** The short, stable form of a marker used in names. */
export function markerHash(marker: string): string {
  return createHash('sha256').update(marker).digest('hex').slice(0, 12);
}

export function markerMeta(marker: string): string {
  return `<meta name="${MARKER_META_NAME}" content="${escapeAttr(marker)}">`;
}

export function emailNameWithMarker(title: string, marker: string): string {
  return `${title.slice(0, 200)} [sb-${markerHash(marker)}]`;
}

/** `hero.png` + marker → `hero-sb1a2b3c4d5e6f` (the extension comes from the detected type). */
export function fileBaseWithMarker(fileName: string, marker: string): string {
  const dot = fileName.lastIndexOf('.');
  const stem =
    (dot > 0 ? fileName.slice(0, dot) : fileName).replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80) || 'asset';
  return `${stem}-sb${markerHash(marker)}`;
}

/** Renders the body to HTML, rewriting asset references to their uploaded URLs. */
export function renderBodyHtml(content: ContentPayload, urls: ReadonlyMap<string, string>): string {
  const alts = new Map(content.assets.map((a) => [a.ref, a.altText]));
  if (content.bodyFormat === 'json') {
    throw new ConnectorError({
      kind: 'invalid_request',
      message: 'HubSpot needs a Markdown or HTML body; this content has a JSON body',
      vendorCode: 'BODY_FORMAT_UNSUPPORTED',
    });
  }
  if (content.bodyFormat === 'html') return rewriteHtmlSources(content.body, urls);
  const marked = new Marked({
    gfm: true,
    walkTokens(token) {
      if (token.type !== 'image') return;
      const ref = token.href;
      const url = urls.get(ref);
      if (url !== undefined) token.href = url;
      if (token.text.trim() === '') {
        const alt = alts.get(ref);
        if (alt) {
          token.text = alt;
          token.tokens = [{ type: 'text', raw: alt, text: alt, escaped: false }];
        }
      }
    },
  });
  return rewriteHtmlSources(marked.parse(content.body, { async: false }), urls);
}

/** Replaces `src="<ref>"` of inline HTML images (raw HTML in Markdown, or HTML bodies). */
export function rewriteHtmlSources(html: string, urls: ReadonlyMap<string, string>): string {
  let out = html;
  for (const [ref, url] of urls) {
    const pattern = new RegExp(`(\\bsrc\\s*=\\s*)(["'])${escapeRegExp(ref)}\\2`, 'g');
    out = out.replace(pattern, (_m, prefix: string, quote: string) => `${prefix}${quote}${url}${quote}`);
  }
  return out;
}

export interface BlogPostDraft {
  name: string;
  slug: string;
  contentGroupId: string;
  postBody: string;
  htmlTitle: string;
  metaDescription: string;
  headHtml: string;
  language: string;
  tagIds: number[];
  featuredImage?: string;
  featuredImageAltText?: string;
  useFeaturedImage: boolean;
}

export function mapBlogPost(args: {
  content: ContentPayload;
  blogId: string;
  marker: string;
  urls: ReadonlyMap<string, string>;
  tagIds: number[];
}): BlogPostDraft {
  const { content, urls } = args;
  const html = renderBodyHtml(content, urls);
  const featuredRef = stringField(content, 'featuredImage');
  const featured = featuredRef !== undefined ? (urls.get(featuredRef) ?? featuredRef) : undefined;
  const featuredAlt =
    featuredRef !== undefined ? content.assets.find((a) => a.ref === featuredRef)?.altText : undefined;
  return {
    name: content.title,
    slug: content.slug,
    contentGroupId: args.blogId,
    postBody: html,
    htmlTitle: stringField(content, 'seoTitle') ?? content.title,
    metaDescription: (
      stringField(content, 'metaDescription') ??
      stringField(content, 'summary') ??
      summarise(html)
    ).slice(0, 300),
    headHtml: markerMeta(args.marker),
    language: toHubSpotLanguage(content.locale),
    tagIds: args.tagIds,
    ...(featured !== undefined ? { featuredImage: featured, featuredImageAltText: featuredAlt ?? '' } : {}),
    useFeaturedImage: featured !== undefined,
  };
}

export function mapMarketingEmail(args: {
  content: ContentPayload;
  marker: string;
  urls: ReadonlyMap<string, string>;
  config: Pick<HubSpotConfig, 'emailTemplatePath' | 'emailBodyWidget'>;
}): Record<string, unknown> {
  const { content, config } = args;
  const html = renderBodyHtml(content, args.urls);
  const preview = stringField(content, 'previewText');
  return {
    name: emailNameWithMarker(content.title, args.marker),
    subject: stringField(content, 'subject') ?? content.title,
    language: toHubSpotLanguage(content.locale),
    content: {
      ...(config.emailTemplatePath !== undefined ? { templatePath: config.emailTemplatePath } : {}),
      widgets: {
        [config.emailBodyWidget]: { body: { html }, name: config.emailBodyWidget, type: 'module' },
      },
      ...(preview !== undefined ? { previewText: preview } : {}),
    },
  };
}

/**
 * What publishing a blog post asks HubSpot for:
 * - `scheduled`: the content has a `publishAt` still in the future;
 * - `live`: a `publishAt` that has passed (we are late: publish now), or none and the connection publishes immediately;
 * - `draft`: no `publishAt` and the connection leaves posts as drafts (`publishImmediately: false`).
 * Without the content (a reconcile that could not load it) only the connection's setting is known.
 */
export type PostPublishTarget = { kind: 'live' } | { kind: 'scheduled'; at: Date } | { kind: 'draft' };

export function postPublishTarget(
  content: ContentPayload | undefined,
  config: Pick<HubSpotConfig, 'publishImmediately'>,
  nowMs: number,
): PostPublishTarget {
  const raw = content?.fields['publishAt'];
  const at = typeof raw === 'string' ? Date.parse(raw) : NaN;
  if (!Number.isNaN(at)) return at > nowMs ? { kind: 'scheduled', at: new Date(at) } : { kind: 'live' };
  return config.publishImmediately ? { kind: 'live' } : { kind: 'draft' };
}

/** The post state fields HubSpot reports (`state`: DRAFT | SCHEDULED | PUBLISHED…). */
export interface PostPublishState {
  state?: string;
  currentlyPublished?: boolean;
}

export function isPostLive(post: PostPublishState): boolean {
  return post.currentlyPublished ?? post.state === 'PUBLISHED';
}

/**
 * Whether a post carrying a delivery's marker is that delivery's complete effect. A live post always is (nothing left
 * to do, even if it went live some other way); a scheduled one when a schedule was asked for; a draft only when a draft
 * was asked for. Otherwise the post is an interrupted attempt's draft: the effect is not done, and the retried publish
 * must reuse the draft (find by marker → schedule / push live), never create a second post.
 */
export function postMeetsTarget(post: PostPublishState, target: PostPublishTarget): boolean {
  if (isPostLive(post)) return true;
  if (target.kind === 'draft') return true;
  if (target.kind === 'scheduled') return post.state === 'SCHEDULED';
  return false;
}

/** HubSpot language codes are lower-case (`en`, `en-us`, `pt-br`). */
export function toHubSpotLanguage(locale: string): string {
  return locale.trim().replace('_', '-').toLowerCase() || 'en';
}

/** Assets the body or the featured image references, each once. */
export function referencedAssets(content: ContentPayload): AssetPayload[] {
  const featured = stringField(content, 'featuredImage');
  return content.assets.filter((a, i, all) => {
    const first = all.findIndex((b) => b.ref === a.ref) === i;
    return first && (content.body.includes(a.ref) || a.ref === featured);
  });
}

function stringField(content: ContentPayload, key: string): string | undefined {
  const value = content.fields[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function summarise(html: string): string {
  const text = html
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length <= 155 ? text : `${text.slice(0, 154).trimEnd()}…`;
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
