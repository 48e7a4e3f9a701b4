/**
 * The images a content version references, found by real parsers (marked for Markdown, htmlparser2 for HTML and for
 * HTML embedded in Markdown), the way the connectors' mappers find them again when they rewrite the body:
 * - Markdown `![alt](url "title")` (and reference-style images): the ref is marked's `href`, the alt its text;
 * - HTML `<img src alt>`: the ref is the `src` attribute exactly as written (the mappers match `src="<ref>"` in the
 *   HTML text), the URL to fetch is its entity-decoded value;
 * - `fields.featuredImage`: the featured image HubSpot's mapping reads; its alt text is the alt of the same image
 *   in the body, else `fields.featuredImageAltText`.
 *
 * Which refs are fetched:
 * - absolute http(s) URLs (and protocol-relative `//host/…`, fetched over https): fetched and uploaded to the
 *   vendor, their refs rewritten to the vendor URL;
 * - relative refs (`/hubfs/logo.png`, `img/a.png`) are left as written: there is nothing to resolve them against —
 *   the content module stores no files (an `asset` content item is a title, a body and fields, no bytes), so a
 *   relative ref can only mean a path on the destination's own site;
 * - `data:` (inline) and `cid:` (email attachment) refs are left as written: there is nothing to fetch;
 * - any other scheme (`file:`, `ftp:` …) is refused: the delivery fails with a message naming the ref.
 * `srcset` candidates are not collected: the connectors rewrite `src` only.
 */
import { Parser } from 'htmlparser2';
import { Marked, type Token } from 'marked';
import type { ContentPayload } from '../../connectors/index.js';

export interface AssetReference {
  /** The reference exactly as the body (or field) carries it; connectors rewrite this string. */
  ref: string;
  /** The first non-empty alt text among its occurrences ('' when none has one). */
  altText: string;
  /** What to do with it (see the module comment). */
  handling: 'fetch' | 'keep' | 'refuse';
  /** The absolute URL to fetch (`handling: 'fetch'`): the ref with HTML entities decoded. */
  url: string | null;
}

interface Occurrence {
  ref: string;
  decoded: string;
  alt: string;
}

/** Every distinct image reference of a version, in order of first appearance (body first, then the featured image). */
export function extractAssetReferences(
  content: Pick<ContentPayload, 'body' | 'bodyFormat' | 'fields'>,
): AssetReference[] {
  const found: Occurrence[] = [];
  if (content.bodyFormat === 'html') collectHtmlImages(content.body, found);
  else if (content.bodyFormat === 'markdown') collectMarkdownImages(content.body, found);
  // JSON bodies have no image syntax; the connectors refuse them anyway.
  const featured = stringField(content.fields, 'featuredImage');
  if (featured !== undefined) {
    found.push({
      ref: featured,
      decoded: featured,
      alt: stringField(content.fields, 'featuredImageAltText') ?? '',
    });
  }
  const byRef = new Map<string, AssetReference>();
  for (const o of found) {
    const seen = byRef.get(o.ref);
    if (seen) {
      if (seen.altText === '' && o.alt.trim() !== '') seen.altText = o.alt.trim();
      continue;
    }
    const handling = handlingOf(o.decoded);
    byRef.set(o.ref, {
      ref: o.ref,
      altText: o.alt.trim(),
      handling,
      url: handling === 'fetch' ? new URL(o.decoded.trim(), 'https://protocol-relative.invalid').href : null,
    });
  }
  return [...byRef.values()];
}

/** The refs Switchboard fetches and uploads (`handling: 'fetch'`). */
export function fetchableReferences(refs: readonly AssetReference[]): AssetReference[] {
  return refs.filter((r) => r.handling === 'fetch');
}

const KEPT_SCHEMES = new Set(['data:', 'cid:']);

function handlingOf(value: string): AssetReference['handling'] {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(value.trim())?.[1]?.toLowerCase();
  // No scheme: a relative ref (a Windows path such as `C:\…` would parse as scheme `c:` and be refused).
  if (scheme === undefined) return value.trim().startsWith('//') ? 'fetch' : 'keep';
  if (KEPT_SCHEMES.has(`${scheme}:`)) return 'keep';
  if ((scheme === 'http' || scheme === 'https') && URL.canParse(value)) {
    return new URL(value).hostname !== '' ? 'fetch' : 'refuse';
  }
  return 'refuse';
}

const markdown = new Marked({ gfm: true });

function collectMarkdownImages(body: string, into: Occurrence[]): void {
  const html: string[] = [];
  const ordered: (Occurrence | { htmlIndex: number })[] = [];
  markdown.walkTokens(markdown.lexer(body), (token: Token) => {
    if (token.type === 'image') {
      ordered.push({ ref: token.href, decoded: token.href, alt: token.text });
    } else if (token.type === 'html') {
      ordered.push({ htmlIndex: html.length });
      html.push(token.raw);
    }
  });
  // Each embedded fragment is parsed on its own so its images keep their place in the document order.
  for (const item of ordered) {
    if ('ref' in item) into.push(item);
    else collectHtmlImages(html[item.htmlIndex]!, into);
  }
}

/**
 * `<img>` elements of an HTML text. Parsed twice in lockstep — raw and entity-decoded — because the ref must be the
 * attribute exactly as written (what the mappers match) while the URL to fetch is its decoded value
 * (`a.png?w=1&amp;h=2` → `a.png?w=1&h=2`).
 */
function collectHtmlImages(html: string, into: Occurrence[]): void {
  const raw = readImgAttributes(html, false);
  const decoded = readImgAttributes(html, true);
  raw.forEach((img, i) => {
    const dec = decoded[i];
    if (img.src === undefined || dec?.src === undefined || dec.src.trim() === '') return;
    into.push({ ref: img.src, decoded: dec.src.trim(), alt: dec.alt ?? '' });
  });
}

function readImgAttributes(html: string, decodeEntities: boolean): { src?: string; alt?: string }[] {
  const images: { src?: string; alt?: string }[] = [];
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name !== 'img') return;
        images.push({
          ...(attributes['src'] !== undefined ? { src: attributes['src'] } : {}),
          ...(attributes['alt'] !== undefined ? { alt: attributes['alt'] } : {}),
        });
      },
    },
    { decodeEntities, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  return images;
}

function stringField(fields: Record<string, unknown>, key: string): string | undefined {
  const value = fields[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
