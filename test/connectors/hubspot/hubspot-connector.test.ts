/**
 * The HubSpot connector against its sandbox over real HTTP, through the real SDK HTTP layer, token store and limiter.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandbox } from '../../../src/server/connectors/hubspot/sandbox/index.js';
import { startHubSpotSandbox } from '../../../src/server/connectors/hubspot/sandbox/index.js';
import { markerMeta } from '../../../src/server/connectors/hubspot/mapping.js';
import { connectHubSpot } from './hubspot-harness.js';
import { blogContent, emailContent, PNG_BYTES } from './hubspot-content.fixture.js';
import { connectorErrorOf } from '../../support/connector-error-of.js';

const failureOf = connectorErrorOf;

describe('HubSpot connector', () => {
  let sb: HubSpotSandbox;
  beforeAll(async () => {
    sb = await startHubSpotSandbox();
  });
  afterAll(async () => sb.close());
  afterEach(() => sb.faults.clear());

  it('tests the connection and reports the portal', async () => {
    const { client } = connectHubSpot(sb);
    expect(await client.testConnection()).toMatchObject({ ok: true, account: String(sb.store.portalId) });
  });

  it('publishes a Markdown blog post: assets uploaded first, URLs rewritten, alt kept, tags created, post live', async () => {
    const { client } = connectHubSpot(sb);
    const content = blogContent();
    const ref = await client.publishContent!({ content, idempotencyMarker: 'delivery-blog-1' });
    const post = sb.store.posts.get(ref.externalId);
    expect(post).toMatchObject({
      state: 'PUBLISHED',
      currentlyPublished: true,
      slug: content.slug,
      language: 'en-us',
    });
    expect(ref.url).toBe(post?.url);
    const file = [...sb.store.files.values()].find((f) => f.name.startsWith('hero-'));
    expect(file?.url).toBeDefined();
    expect(post?.postBody).toContain(`<img src="${file?.url}" alt="The hero image">`);
    expect(post?.postBody).toContain('<strong>it</strong>');
    expect(post?.headHtml).toBe(markerMeta('delivery-blog-1'));
    expect(post?.metaDescription).toBe('What we shipped this week.');
    const tagNames = post?.tagIds.map((id) => sb.store.tags.get(String(id))?.name);
    expect(tagNames).toEqual(['Product', 'Release']);

    // Publishing again with a new delivery reuses the tags rather than creating them twice.
    await client.publishContent!({ content: blogContent(), idempotencyMarker: 'delivery-blog-2' });
    expect([...sb.store.tags.values()].filter((t) => t.name === 'Product')).toHaveLength(1);
  });

  it('publishing the same delivery twice yields one post', async () => {
    const { client } = connectHubSpot(sb);
    const content = blogContent();
    const before = sb.log.count('cms.posts.create');
    const first = await client.publishContent!({ content, idempotencyMarker: 'delivery-twice' });
    const second = await client.publishContent!({ content, idempotencyMarker: 'delivery-twice' });
    expect(second.externalId).toBe(first.externalId);
    expect(sb.log.count('cms.posts.create') - before).toBe(1);
  });

  it('a lost create response is unknown_outcome; the draft is not the effect, and the retry finishes it', async () => {
    const { client } = connectHubSpot(sb);
    const content = blogContent();
    sb.faults.inject({ kind: 'lose_response', operation: 'cms.posts.create', times: 1 });
    const err = await failureOf(client.publishContent!({ content, idempotencyMarker: 'delivery-lost' }));
    expect(err.kind).toBe('unknown_outcome');
    const created = [...sb.store.posts.values()].filter((p) => p.slug === content.slug);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ state: 'DRAFT', currentlyPublished: false });
    // The create happened, the push-live did not: a draft nobody reads is not a published post.
    const find = () =>
      client.findByIdempotencyMarker!({ action: 'publishContent', marker: 'delivery-lost', content });
    expect(await find()).toBeNull();
    expect(
      await client.findByIdempotencyMarker!({ action: 'publishContent', marker: 'other', content }),
    ).toBeNull();
    const creates = sb.log.count('cms.posts.create');
    const retried = await client.publishContent!({ content, idempotencyMarker: 'delivery-lost' });
    expect(retried.externalId).toBe(created[0]?.id);
    expect(retried.summary).toMatchObject({ state: 'PUBLISHED', reused: true });
    expect(sb.store.posts.get(retried.externalId)?.currentlyPublished).toBe(true);
    expect(sb.log.count('cms.posts.create')).toBe(creates);
    expect([...sb.store.posts.values()].filter((p) => p.slug === content.slug)).toHaveLength(1);
    // Now it is done, and reconciliation says so.
    expect((await find())?.externalId).toBe(created[0]?.id);
  });

  it('a push-live that never answers leaves a draft: not found, and the retry pushes that draft live', async () => {
    const { client } = connectHubSpot(sb, { timeoutMs: 300 });
    const content = blogContent();
    // Every try of the idempotent push-live hangs (what a worker dying after the create looks like to the vendor).
    sb.faults.inject({ kind: 'hang', operation: 'cms.posts.publish', times: 3 });
    const err = await failureOf(client.publishContent!({ content, idempotencyMarker: 'delivery-hang' }));
    expect(err.kind).toBe('retryable');
    const [draft, ...others] = [...sb.store.posts.values()].filter((p) => p.slug === content.slug);
    expect(others).toHaveLength(0);
    expect(draft).toMatchObject({ state: 'DRAFT', currentlyPublished: false });
    const find = () =>
      client.findByIdempotencyMarker!({ action: 'publishContent', marker: 'delivery-hang', content });
    expect(await find()).toBeNull();
    const creates = sb.log.count('cms.posts.create');
    const retried = await client.publishContent!({ content, idempotencyMarker: 'delivery-hang' });
    expect(retried.externalId).toBe(draft!.id);
    expect(sb.store.posts.get(draft!.id)).toMatchObject({ state: 'PUBLISHED', currentlyPublished: true });
    expect(sb.log.count('cms.posts.create')).toBe(creates);
    expect((await find())?.externalId).toBe(draft!.id);
  });

  it('a push-live whose responses are lost did publish: found, and the retry reuses the live post untouched', async () => {
    const { client } = connectHubSpot(sb);
    const content = blogContent();
    sb.faults.inject({ kind: 'lose_response', operation: 'cms.posts.publish', times: 3 });
    const err = await failureOf(client.publishContent!({ content, idempotencyMarker: 'delivery-pl-lost' }));
    expect(err.kind).toBe('retryable');
    const [post, ...others] = [...sb.store.posts.values()].filter((p) => p.slug === content.slug);
    expect(others).toHaveLength(0);
    expect(post?.currentlyPublished).toBe(true);
    const found = await client.findByIdempotencyMarker!({
      action: 'publishContent',
      marker: 'delivery-pl-lost',
      content,
    });
    expect(found).toMatchObject({ externalId: post!.id, summary: { state: 'PUBLISHED' } });
    const calls = { create: sb.log.count('cms.posts.create'), publish: sb.log.count('cms.posts.publish') };
    const retried = await client.publishContent!({ content, idempotencyMarker: 'delivery-pl-lost' });
    expect(retried).toMatchObject({ externalId: post!.id, summary: { reused: true } });
    expect(sb.log.count('cms.posts.create')).toBe(calls.create);
    expect(sb.log.count('cms.posts.publish')).toBe(calls.publish);
  });

  it('scheduled content: a draft is not done until it is scheduled; a scheduled post is', async () => {
    // Nothing hangs here (lost responses destroy the socket): a generous timeout keeps a loaded box from flaking.
    const { client } = connectHubSpot(sb, { timeoutMs: 5_000 });
    const publishAt = new Date(Date.now() + 86_400_000).toISOString();
    const content = blogContent({ fields: { publishAt } });
    sb.faults.inject({ kind: 'server_error', status: 503, operation: 'cms.posts.schedule', times: 3 });
    const err = await failureOf(client.publishContent!({ content, idempotencyMarker: 'delivery-sched' }));
    expect(err.kind).toBe('retryable');
    const find = () =>
      client.findByIdempotencyMarker!({ action: 'publishContent', marker: 'delivery-sched', content });
    expect(await find()).toBeNull();
    const ref = await client.publishContent!({ content, idempotencyMarker: 'delivery-sched' });
    expect(sb.store.posts.get(ref.externalId)).toMatchObject({
      state: 'SCHEDULED',
      currentlyPublished: false,
      publishDate: publishAt,
    });
    expect([...sb.store.posts.values()].filter((p) => p.slug === content.slug)).toHaveLength(1);
    expect(await find()).toMatchObject({ externalId: ref.externalId, summary: { state: 'SCHEDULED' } });
    // Done: publishing the delivery again neither creates nor reschedules.
    const schedules = sb.log.count('cms.posts.schedule');
    await client.publishContent!({ content, idempotencyMarker: 'delivery-sched' });
    expect(sb.log.count('cms.posts.schedule')).toBe(schedules);
  });

  it('a connection that leaves posts as drafts: the draft is the effect, found after a lost create', async () => {
    const { client } = connectHubSpot(sb, { config: { publishImmediately: false } });
    const content = blogContent();
    sb.faults.inject({ kind: 'lose_response', operation: 'cms.posts.create', times: 1 });
    const err = await failureOf(client.publishContent!({ content, idempotencyMarker: 'delivery-draft' }));
    expect(err.kind).toBe('unknown_outcome');
    const found = await client.findByIdempotencyMarker!({
      action: 'publishContent',
      marker: 'delivery-draft',
      content,
    });
    expect(found?.summary).toMatchObject({ state: 'DRAFT' });
    expect(sb.store.posts.get(found!.externalId)?.currentlyPublished).toBe(false);
    const publishes = sb.log.count('cms.posts.publish');
    const retried = await client.publishContent!({ content, idempotencyMarker: 'delivery-draft' });
    expect(retried.externalId).toBe(found!.externalId);
    expect(sb.log.count('cms.posts.publish')).toBe(publishes);
  });

  it('creates a marketing email as a draft, finds it by marker, and archives it on unpublish', async () => {
    const { client } = connectHubSpot(sb, {
      config: { emailTemplatePath: '@hubspot/email/dnd/plain_text.html' },
    });
    const content = emailContent();
    const ref = await client.publishContent!({ content, idempotencyMarker: 'delivery-email-1' });
    const email = sb.store.emails.get(ref.externalId);
    expect(email).toMatchObject({ state: 'DRAFT', subject: content.fields['subject'] });
    expect(email?.name.startsWith(content.title)).toBe(true);
    expect(JSON.stringify(email?.content)).toContain('<strong>friends</strong>');
    const found = await client.findByIdempotencyMarker!({
      action: 'publishContent',
      marker: 'delivery-email-1',
      content,
    });
    expect(found?.externalId).toBe(ref.externalId);
    await client.unpublishContent!({
      externalId: ref.externalId,
      content,
      idempotencyMarker: 'delivery-email-1-un',
    });
    expect(sb.store.emails.get(ref.externalId)?.archived).toBe(true);
  });

  it('unpublishes a blog post back to draft, and treats an already deleted post as done', async () => {
    const { client } = connectHubSpot(sb);
    const content = blogContent();
    const ref = await client.publishContent!({ content, idempotencyMarker: 'delivery-unpub' });
    const res = await client.unpublishContent!({
      externalId: ref.externalId,
      content,
      idempotencyMarker: 'u1',
    });
    expect(res.summary).toMatchObject({ state: 'DRAFT' });
    expect(sb.store.posts.get(ref.externalId)?.currentlyPublished).toBe(false);
    const gone = await client.unpublishContent!({ externalId: '999', content, idempotencyMarker: 'u2' });
    expect(gone.summary).toMatchObject({ state: 'NOT_FOUND' });
  });

  it('uploads assets idempotently and refuses invalid ones before any call', async () => {
    const { client } = connectHubSpot(sb);
    // Different bytes from other tests' images: HubSpot returns an existing file for identical bytes.
    const bytes = Uint8Array.from([...PNG_BYTES, 0x00]);
    const asset = { ref: 'logo.png', fileName: 'logo.png', altText: 'Logo', bytes };
    const a = await client.uploadAsset!({ asset, idempotencyMarker: 'delivery-asset' });
    const b = await client.uploadAsset!({ asset, idempotencyMarker: 'delivery-asset' });
    expect(b.externalId).toBe(a.externalId);
    expect(sb.store.files.get(a.externalId)?.name).toMatch(/^logo-sb[0-9a-f]{12}$/);
    const found = await client.findByIdempotencyMarker!({
      action: 'uploadAsset',
      marker: 'delivery-asset',
      content: { ...blogContent(), assets: [asset] },
    });
    expect(found?.externalId).toBe(a.externalId);

    const uploads = sb.log.count('files.upload');
    const text = {
      ref: 'x.png',
      fileName: 'x.png',
      altText: '',
      bytes: new TextEncoder().encode('not an image'),
    };
    const err = await failureOf(client.uploadAsset!({ asset: text, idempotencyMarker: 'bad' }));
    expect(err).toMatchObject({ kind: 'invalid_request', vendorCode: 'ASSET_TYPE_UNSUPPORTED' });
    expect(sb.log.count('files.upload')).toBe(uploads);
  });

  it('lists contacts of a list page by page, and lists the lists', async () => {
    const { client } = connectHubSpot(sb);
    const first = await client.listContacts!({});
    const newsletter = first.lists?.find((l) => l.name === 'Newsletter subscribers');
    expect(newsletter?.size).toBe(105);
    expect(first.contacts.length).toBeGreaterThan(0);
    let cursor: string | undefined;
    const emails = new Set<string>();
    let pages = 0;
    do {
      const page = await client.listContacts!({
        listId: newsletter!.externalId,
        limit: 40,
        ...(cursor ? { cursor } : {}),
      });
      for (const c of page.contacts) emails.add(c.email ?? '');
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(emails.size).toBe(105);
  });

  it('refuses content types HubSpot does not publish', async () => {
    const { client } = connectHubSpot(sb);
    const err = await failureOf(
      client.publishContent!({ content: blogContent({ type: 'social_post' }), idempotencyMarker: 'x' }),
    );
    expect(err.kind).toBe('invalid_request');
  });

  describe('faults map to ConnectorError kinds', () => {
    it('429 TEN_SECONDLY_ROLLING with a long Retry-After → rate_limited with retryAfterMs', async () => {
      const { client } = connectHubSpot(sb);
      sb.faults.inject({ kind: 'rate_limit', retryAfterSeconds: 30, operation: 'account.details' });
      const err = await failureOf(client.testConnection());
      expect(err).toMatchObject({
        kind: 'rate_limited',
        vendorCode: 'TEN_SECONDLY_ROLLING',
        retryAfterMs: 30_000,
      });
    });

    it('429 DAILY → disconnected until the reset', async () => {
      const { client } = connectHubSpot(sb);
      sb.faults.inject({ kind: 'rate_limit', policyName: 'DAILY', operation: 'account.details' });
      const err = await failureOf(client.testConnection());
      expect(err.kind).toBe('disconnected');
      expect(err.retryAfterMs).toBeGreaterThan(0);
      expect(err.retryAfterMs).toBeLessThanOrEqual(86_400_000);
    });

    it('5xx → retryable (after the layer retried the idempotent read)', async () => {
      const { client } = connectHubSpot(sb);
      sb.faults.inject({ kind: 'server_error', status: 503, operation: 'account.details' });
      const err = await failureOf(client.testConnection());
      expect(err).toMatchObject({ kind: 'retryable', httpStatus: 503 });
      sb.faults.clear();
      sb.faults.inject({ kind: 'server_error', times: 1, operation: 'account.details' });
      expect((await client.testConnection()).ok).toBe(true);
    });

    it('malformed JSON → retryable on reads, unknown_outcome on creates', async () => {
      const { client } = connectHubSpot(sb);
      sb.faults.inject({ kind: 'malformed_json', operation: 'account.details' });
      expect((await failureOf(client.testConnection())).kind).toBe('retryable');
      sb.faults.inject({ kind: 'malformed_json', operation: 'marketing.emails.create', times: 1 });
      const err = await failureOf(
        client.publishContent!({ content: emailContent(), idempotencyMarker: 'mal' }),
      );
      expect(err.kind).toBe('unknown_outcome');
    });

    it('a hanging create → unknown_outcome; a hanging read → retryable', async () => {
      const { client } = connectHubSpot(sb, { timeoutMs: 300 });
      sb.faults.inject({ kind: 'hang', operation: 'marketing.emails.create', times: 1 });
      const err = await failureOf(
        client.publishContent!({ content: emailContent(), idempotencyMarker: 'hang' }),
      );
      expect(err.kind).toBe('unknown_outcome');
      sb.faults.inject({ kind: 'hang', operation: 'account.details' });
      expect((await failureOf(client.testConnection())).kind).toBe('retryable');
    });

    it('expired tokens → auth_expired, and the private-app connection needs re-authorisation', async () => {
      const token = sb.issuePrivateAppToken();
      const { client, reauthReasons } = connectHubSpot(sb, { accessToken: token });
      expect((await client.testConnection()).ok).toBe(true);
      sb.faults.inject({ kind: 'expire_tokens' });
      expect((await failureOf(client.testConnection())).kind).toBe('auth_expired');
      expect(reauthReasons.length).toBeGreaterThan(0);
    });

    it('missing scopes → disconnected; unknown object → not_found', async () => {
      const { client } = connectHubSpot(sb, { accessToken: sb.issuePrivateAppToken(['content']) });
      const err = await failureOf(client.listContacts!({ listId: '1' }));
      expect(err).toMatchObject({ kind: 'disconnected', vendorCode: 'MISSING_SCOPES' });
      const { client: full } = connectHubSpot(sb);
      expect(await failureOf(full.listContacts!({ listId: '999999' }))).toMatchObject({ kind: 'not_found' });
    });
  });

  it('the limiter keeps the sandbox rate limit unviolated under a burst', async () => {
    const tight = await startHubSpotSandbox({ rateLimit: { requests: 10, windowMs: 1_000 } });
    try {
      const { client } = connectHubSpot(tight, { rateLimit: { requests: 10, windowMs: 1_000 } });
      const results = await Promise.all(Array.from({ length: 25 }, () => client.testConnection()));
      expect(results.every((r) => r.ok)).toBe(true);
      expect(tight.violations()).toBe(0);
      expect(tight.log.count('account.details', { status: 200 })).toBe(25);
    } finally {
      await tight.close();
    }
  });
});
