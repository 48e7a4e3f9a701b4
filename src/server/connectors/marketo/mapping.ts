/**
 * Our content → Marketo objects. Pure functions: the client calls them, tests call them directly.
 * - channel: the first content tag found in `channelMap`, else the content type, else `defaultChannel`;
 * - costs: `fields.cost` as a number (one period cost starting this month) or `{ amount, startDate?, note? }`, or a
 *   list of those; Marketo stores whole currency units;
 * - idempotency marker: a `switchboard:<marker>` line in the program/email/file description, which
 *   `findByIdempotencyMarker` looks for;
 * - body: Markdown → HTML with `marked`; image references rewritten to the uploaded files' URLs (alt text kept, since
 *   only the `src` changes).
 */
import { createHash } from 'node:crypto';
import { marked } from 'marked';
import type { ContentPayload } from '../sdk/connector.js';
import type { MarketoConfig } from './manifest.js';

export interface ProgramCost {
  startDate: string;
  cost: number;
  note?: string;
}

/** Marketo caps asset descriptions; the marker line must survive the cut. */
const MAX_DESCRIPTION = 2000;
const MAX_NAME = 255;

export function markerLine(marker: string): string {
  return `switchboard:${marker}`;
}

/** True when a description carries the marker (a line of its own, exactly). */
export function hasMarker(description: string | undefined, marker: string): boolean {
  return (description ?? '').split('\n').some((line) => line.trim() === markerLine(marker));
}

/** A description ending in the marker line, cut so the marker always fits. */
export function describeWithMarker(text: string | undefined, marker: string): string {
  const line = markerLine(marker);
  const room = MAX_DESCRIPTION - line.length - 2;
  const head = (text ?? '').trim().slice(0, Math.max(0, room));
  return head ? `${head}\n\n${line}` : line;
}

/** Chooses the program channel, or undefined when nothing matches (the caller reports it before any call). */
export function chooseChannel(content: ContentPayload, config: MarketoConfig): string | undefined {
  for (const tag of content.tags) {
    const channel = config.channelMap[tag];
    if (channel) return channel;
  }
  return config.channelMap[content.type] ?? config.defaultChannel;
}

/** Reads `fields.cost` into Marketo period costs. Throws a TypeError naming the problem for malformed values. */
export function mapCosts(fields: Record<string, unknown>, now: Date): ProgramCost[] {
  const raw = fields['cost'];
  if (raw === undefined || raw === null) return [];
  const items = Array.isArray(raw) ? raw : [raw];
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString();
  return items.map((item, i) => {
    const entry = typeof item === 'number' || typeof item === 'string' ? { amount: item } : item;
    if (!entry || typeof entry !== 'object')
      throw new TypeError(`fields.cost[${i}] must be a number or an object`);
    const { amount, startDate, note } = entry as { amount?: unknown; startDate?: unknown; note?: unknown };
    const cost = Number(amount);
    if (!Number.isFinite(cost) || cost < 0)
      throw new TypeError(`fields.cost[${i}].amount must be a positive number`);
    let start = monthStart;
    if (startDate !== undefined) {
      const d = new Date(String(startDate));
      if (Number.isNaN(d.getTime())) throw new TypeError(`fields.cost[${i}].startDate must be a date`);
      start = d.toISOString();
    }
    return {
      startDate: start,
      cost: Math.round(cost),
      ...(typeof note === 'string' && note ? { note } : {}),
    };
  });
}

/** The program an email of this content lives in: one per content item, named so a retry finds it again. */
export function programNameFor(content: ContentPayload): string {
  const suffix = ` [${content.contentId.slice(0, 8)}]`;
  return content.title.slice(0, MAX_NAME - suffix.length).trim() + suffix;
}

/** Email names are unique within their program; one email per content version. */
export function emailNameFor(content: ContentPayload): string {
  const suffix = ` v${content.version}`;
  return (content.slug || content.title).slice(0, MAX_NAME - suffix.length) + suffix;
}

/** Files are named by content so the same bytes are uploaded once (`<sha256 prefix>-<file name>`). */
export function fileNameFor(fileName: string, bytes: Uint8Array): string {
  const hash = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  const safe = fileName.replace(/[^\w.-]+/g, '-').slice(0, MAX_NAME - 13);
  return `${hash}-${safe}`;
}

/** The body as HTML. */
export function renderHtml(content: ContentPayload): string {
  if (content.bodyFormat === 'html') return content.body;
  if (content.bodyFormat === 'markdown') return marked.parse(content.body, { async: false });
  throw new TypeError(`a ${content.bodyFormat} body cannot be rendered as an email`);
}

/** A plain-text alternative of the HTML (tags dropped, entities for the common characters decoded). */
export function renderText(html: string): string {
  return html
    .replace(/<(br|\/p|\/h\d|\/li)\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Replaces every `src`/`href` equal to an asset reference with its uploaded URL; alt text is untouched. */
export function rewriteAssetUrls(html: string, urls: ReadonlyMap<string, string>): string {
  return html.replace(/\b(src|href)=(["'])(.*?)\2/g, (whole, attr: string, quote: string, value: string) => {
    const url = urls.get(value) ?? urls.get(decodeEntities(value));
    return url ? `${attr}=${quote}${url}${quote}` : whole;
  });
}

function decodeEntities(value: string): string {
  return value.replace(/&amp;/g, '&');
}
