/**
 * Builds the `ContentPayload` connectors receive from one immutable content version, read through the content
 * module's service (its `index.ts`), and the payload hash the ledger records.
 */
import { createHash } from 'node:crypto';
import { systemActor } from '../../platform/auth/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { ContentPayload } from '../../connectors/index.js';
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
    // Images referenced by the body are not fetched yet: connectors publish the body with its URLs as written.
    assets: [],
  };
}

/** sha256 over what the vendor receives (action + payload without the binary assets). */
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
  };
  return createHash('sha256').update(JSON.stringify(stable)).digest('hex');
}
