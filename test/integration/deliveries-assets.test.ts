/**
 * Images in the publish flow (issue 4, content mapping): a blog post referencing images served by a local HTTP server
 * is approved and published through the real flow; the ledger fetches the images (SSRF-guarded; 127.0.0.1 is on the
 * operator's allow-list, SWITCHBOARD_ASSET_ALLOWED_HOSTS) and the HubSpot connector uploads them to the sandbox's
 * file manager and rewrites the body. Images that cannot be fetched fail the delivery before any vendor call.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import type { ContentDetail } from '../../src/contracts/content.contract.js';
import type { ContentPayload } from '../../src/server/connectors/index.js';
import { hashPayload } from '../../src/server/modules/deliveries/content-payload.js';
import {
  approveAndPublish,
  createConnection,
  createLedgerApp,
  createPost,
  waitFor,
  type LedgerApp,
  hubspotSandboxConnection,
} from './deliveries.fixture.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
/** A PNG unique to its path (bytes after IEND): HubSpot's RETURN_EXISTING would otherwise hide new uploads. */
const pngFor = (path: string) => Buffer.concat([PNG, Buffer.from(path)]);

let app: LedgerApp;
let hubspot: HubSpotSandbox;
let hubspotId: string;
let images: Server;
let img: string;
const hits = new Map<string, number>();
/** Paths answering 503 for their next N requests. */
const failNext = new Map<string, number>();

beforeAll(async () => {
  images = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const failures = failNext.get(path) ?? 0;
    if (failures > 0) {
      failNext.set(path, failures - 1);
      return res.writeHead(503, { 'retry-after': '0' }).end();
    }
    if (path.endsWith('.png')) return res.writeHead(200, { 'content-type': 'image/png' }).end(pngFor(path));
    // The type is read from the bytes: a misleading Content-Type changes nothing.
    if (path.endsWith('.gif')) return res.writeHead(200, { 'content-type': 'text/plain' }).end(GIF);
    return res.writeHead(404).end();
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  img = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  hubspot = await startHubSpotSandbox();
  app = await createLedgerApp({ env: { SWITCHBOARD_ASSET_ALLOWED_HOSTS: '127.0.0.1' } });
  hubspotId = (await createConnection(app, hubspotSandboxConnection(hubspot))).id;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await hubspot?.close();
  images?.closeAllConnections();
  await new Promise((r) => images?.close(r));
});

interface DeliveryView {
  id: string;
  status: string;
  payloadHash: string;
  lastError: { kind?: string; message?: string; vendorCode?: string } | null;
  attempts: { n: number; outcome: string | null; error: { kind?: string; vendorCode?: string } | null }[];
}

/** Publishes a post to the HubSpot connection and waits for its one delivery to finish. */
async function publish(extra: Record<string, unknown>): Promise<{ postId: string; delivery: DeliveryView }> {
  const post = await createPost(app, extra);
  const put = await app.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
    destinations: [{ connectionId: hubspotId, action: 'publishContent' }],
  });
  expect(put.statusCode, put.body).toBe(200);
  await approveAndPublish(app, post.id);
  const delivery = await waitFor('the delivery to finish', async () => {
    const list = (await app.call('viewer', 'GET', `/api/v1/deliveries?contentId=${post.id}`)).json() as {
      items: { id: string; status: string }[];
    };
    const d = list.items[0];
    if (!d || !['succeeded', 'failed', 'unknown', 'reconciled'].includes(d.status)) return undefined;
    return (await app.call('viewer', 'GET', `/api/v1/deliveries/${d.id}`)).json() as DeliveryView;
  });
  return { postId: post.id, delivery };
}

const postBySlug = (slug: string) => [...hubspot.store.posts.values()].find((p) => p.slug === slug);

describe('images in the publish flow', () => {
  it('uploads referenced images to HubSpot first and publishes the body with vendor URLs and alt text', async () => {
    hits.clear();
    const filesBefore = hubspot.store.files.size;
    const uploadsBefore = hubspot.log.count('files.upload');
    const slug = `images-${Date.now()}`;
    const { delivery } = await publish({
      slug,
      body: [
        '# Spring launch',
        `![The hero](${img}/img/hero.png "Hero shot")`,
        `<p><img src="${img}/img/logo.gif?v=1&amp;size=2" alt="Our logo"></p>`,
      ].join('\n\n'),
      fields: { featuredImage: `${img}/img/hero.png` },
    });
    expect(delivery.status, JSON.stringify(delivery)).toBe('succeeded');
    expect(delivery.attempts).toMatchObject([{ n: 1, outcome: 'succeeded' }]);

    // Two distinct images, each fetched once (the featured image is the body's hero) and uploaded once.
    expect(hits.get('/img/hero.png')).toBe(1);
    expect(hits.get('/img/logo.gif')).toBe(1);
    expect(hubspot.log.count('files.upload') - uploadsBefore).toBe(2);
    const uploaded = [...hubspot.store.files.values()].slice(filesBefore);
    expect(uploaded).toHaveLength(2);
    const hero = uploaded.find((f) => f.extension === 'png')!;
    const logo = uploaded.find((f) => f.extension === 'gif')!;
    expect(Buffer.from(hero.bytes!).equals(pngFor('/img/hero.png'))).toBe(true);
    expect(Buffer.from(logo.bytes!).equals(GIF)).toBe(true);
    expect(hero.name).toMatch(/^hero-sb[0-9a-f]{12}$/);

    const post = postBySlug(slug)!;
    expect(post.postBody).toContain(`<img src="${hero.url}" alt="The hero" title="Hero shot">`);
    expect(post.postBody).toContain(`<img src="${logo.url}" alt="Our logo">`);
    expect(post.postBody).not.toContain(img);
    expect(post).toMatchObject({
      featuredImage: hero.url,
      featuredImageAltText: 'The hero',
      useFeaturedImage: true,
    });
    expect(hubspot.violations()).toBe(0);
  });

  it('records the hash of what was sent: each image by ref, alt text and the sha256 of its bytes', async () => {
    const ref = `${img}/img/stable.png`;
    const { postId, delivery } = await publish({ body: `![Same](${ref})` });
    expect(delivery.status).toBe('succeeded');
    const detail = (await app.call('viewer', 'GET', `/api/v1/content/${postId}`)).json() as ContentDetail;
    const text: ContentPayload = {
      contentId: detail.id,
      versionId: detail.current.id,
      version: detail.current.version,
      type: detail.type,
      title: detail.current.title,
      slug: detail.slug,
      body: detail.current.body,
      bodyFormat: detail.current.bodyFormat,
      fields: detail.current.fields,
      tags: detail.tags,
      locale: detail.locale,
      assets: [],
    };
    const bytes = pngFor('/img/stable.png');
    const sent = { ...text, assets: [{ ref, fileName: 'any-name.png', altText: 'Same', bytes }] };
    expect(delivery.payloadHash).toBe(hashPayload('publishContent', sent));
    expect(delivery.payloadHash).not.toBe(hashPayload('publishContent', text));
    const otherBytes = { ...sent, assets: [{ ...sent.assets[0]!, bytes: PNG }] };
    expect(delivery.payloadHash).not.toBe(hashPayload('publishContent', otherBytes));
  });

  it('retries a transient image failure (503) and publishes once the image is served', async () => {
    const filesBefore = hubspot.store.files.size;
    failNext.set('/img/flaky.png', 1);
    const slug = `flaky-${Date.now()}`;
    const { delivery } = await publish({ slug, body: `![Flaky](${img}/img/flaky.png)` });
    expect(delivery.status, JSON.stringify(delivery)).toBe('succeeded');
    expect(delivery.attempts).toMatchObject([
      { n: 1, outcome: 'retryable', error: { kind: 'retryable', vendorCode: 'ASSET_UNREACHABLE' } },
      { n: 2, outcome: 'succeeded' },
    ]);
    expect(hubspot.store.files.size).toBe(filesBefore + 1);
    expect(postBySlug(slug)!.postBody).toContain('alt="Flaky"');
  });

  it.each([
    [
      '169.254.169.254 (cloud metadata)',
      'http://169.254.169.254/latest/meta-data/hero.png',
      'ASSET_HOST_REFUSED',
    ],
    ['10.x (private network)', 'http://10.20.30.40/hero.png', 'ASSET_HOST_REFUSED'],
  ])('refuses an image on %s: dead letter before any vendor call', async (_what, url, code) => {
    const vendorCallsBefore = hubspot.log.entries().length;
    const { delivery } = await publish({ body: `![ok](${img}/img/fine.png)\n\n![Internal](${url})` });
    expect(delivery.status).toBe('failed');
    expect(delivery.lastError).toMatchObject({ kind: 'invalid_request', vendorCode: code });
    expect(delivery.lastError!.message).toContain(`image "${url}"`);
    expect(delivery.lastError!.message).toContain('loopback, private, link-local or reserved address');
    expect(delivery.attempts).toMatchObject([{ n: 1, outcome: 'invalid_request' }]);
    // Nothing reached HubSpot, not even the image that could be fetched.
    expect(hubspot.log.entries().length).toBe(vendorCallsBefore);
    const dead = (await app.call('viewer', 'GET', '/api/v1/deliveries?status=failed')).json() as {
      items: { id: string }[];
    };
    expect(dead.items.map((d) => d.id)).toContain(delivery.id);
  });

  it('fails a delivery whose image is missing (404) with a message naming the ref, and uploads nothing', async () => {
    const vendorCallsBefore = hubspot.log.entries().length;
    hits.clear();
    const missing = `${img}/img/missing.jpg`;
    const { delivery } = await publish({
      body: `![First](${img}/img/first.png)\n\n![Gone](${missing})`,
    });
    expect(delivery.status).toBe('failed');
    expect(delivery.lastError).toMatchObject({ kind: 'invalid_request', vendorCode: 'ASSET_NOT_FOUND' });
    expect(delivery.lastError!.message).toContain(`image "${missing}"`);
    expect(delivery.lastError!.message).toContain('HTTP 404');
    expect(hits.get('/img/first.png')).toBe(1);
    expect(hits.get('/img/missing.jpg')).toBe(1);
    expect(hubspot.log.entries().length).toBe(vendorCallsBefore);
  });
});
