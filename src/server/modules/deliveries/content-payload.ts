/**
 * Builds the `ContentPayload` connectors receive from one immutable content version, read through the content
 * module's service (its `index.ts`), and the payload hash the ledger records.
 *
 * Two steps, because the first runs inside transactions and the second does network I/O:
 * - `loadContentPayload`: the version as text (`assets: []`); the publish consumer hashes and records it;
 * - `withFetchedAssets`: the referenced images fetched (content-assets*.ts), right before the vendor call. The
 *   attempt then records the hash of what it sends, assets included (ref, alt text and sha256 of the bytes).
 */
import { createHash } from 'node:crypto';
import { systemActor } from '../../platform/auth/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { ContentPayload } from '../../connectors/index.js';
import { extractAssetReferences } from './content-assets.js';
import type { AssetFetcher } from './content-assets-fetch.js';
import type { ContentReader } from './deliveries.context.js';

/** Content types connectors know; others are sent as landing pages. */
const PAYLOAD_TYPES = new Set<ContentPayload['type']>([
  'blog_post',
  'email',
  'social_post',
  'landing_page',
  'asset',
]);

export async function loadContentPayload(
  read: ContentReader,
  db: Executor,
  ref: { workspaceId: string; contentId: string; version: number },
): Promise<ContentPayload> {
  const content = read(db);
  const actor = systemActor(ref.workspaceId);
  const detail = await content.get(actor, ref.contentId);
  const v = await content.getVersion(actor, ref.contentId, ref.version);
  const item = detail.item;
  const type = (
    PAYLOAD_TYPES.has(item.type as ContentPayload['type']) ? item.type : 'landing_page'
  ) as ContentPayload['type'];
  return {
    contentId: item.id,
    versionId: v.id,
    version: v.version,
    type,
    title: v.title,
    slug: item.slug,
    body: v.body,
    bodyFormat: v.bodyFormat,
    fields: v.fields,
    tags: [...item.tags],
    locale: item.locale,
    // Fetched by `withFetchedAssets` just before the vendor call, never inside a transaction.
    assets: [],
  };
}

/**
 * The payload with every image it references fetched, or an `AssetFetchError` naming the ref that failed: all or
 * nothing, so a vendor never receives a half-fetched asset set. Refs that are not fetched (relative, `data:`,
 * `cid:`) stay in the body as written.
 */
export async function withFetchedAssets(
  fetcher: AssetFetcher,
  p: ContentPayload,
  opts: { signal?: AbortSignal } = {},
): Promise<ContentPayload> {
  const refs = extractAssetReferences(p);
  if (refs.every((r) => r.handling === 'keep')) return p;
  const fetched = await fetcher.fetchAssets(refs, opts);
  return {
    ...p,
    assets: fetched.map(({ ref, fileName, altText, bytes }) => ({ ref, fileName, altText, bytes })),
  };
}

/**
 * sha256 over what the vendor receives: the action, the payload, and each asset as its ref, alt text and the sha256
 * of its bytes (never the bytes themselves), so the hash is the same for the same images on every attempt.
 */
export function hashPayload(action: string, p: ContentPayload): string {
  const stable = {
    action,
    type: p.type,
    title: p.title,
    slug: p.slug,
    body: p.body,
    bodyFormat: p.bodyFormat,
    fields: p.fields,
    tags: p.tags,
    locale: p.locale,
    version: p.versionId,
    // Absent when empty, so a payload without images hashes as it always did.
    ...(p.assets.length > 0
      ? {
          assets: p.assets.map((a) => ({
            ref: a.ref,
            altText: a.altText,
            sha256: createHash('sha256').update(a.bytes).digest('hex'),
          })),
        }
      : {}),
  };
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex');
}
