/**
 * The image fetcher against a real HTTP server on 127.0.0.1 (allowed explicitly, as an operator would with
 * SWITCHBOARD_ASSET_ALLOWED_HOSTS), and the SSRF guard without the allow-list.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractAssetReferences } from './content-assets.js';
import {
  createAssetFetcher,
  fileNameOf,
  type AssetFetchError,
  type AssetFetcher,
} from './content-assets-fetch.js';

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

let server: Server;
let base: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    switch (path) {
      case '/hero':
        return res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(PNG);
      case '/logo.gif':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(GIF);
      case '/moved':
        return res.writeHead(302, { location: '/hero' }).end();
      case '/to-metadata':
        return res.writeHead(301, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
      case '/loop':
        return res.writeHead(302, { location: '/loop' }).end();
      case '/busy':
        return res.writeHead(503, { 'retry-after': '7' }).end('busy');
      case '/forbidden':
        return res.writeHead(403).end();
      case '/text':
        return res.writeHead(200, { 'content-type': 'image/png' }).end('<svg>not really</svg>');
      case '/empty':
        return res.writeHead(200).end();
      case '/declared-big':
        res.writeHead(200, { 'content-length': String(10_000) });
        return res.end(Buffer.alloc(10_000));
      case '/streamed-big': {
        // No Content-Length: the cap must stop the read.
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(PNG);
        const timer = setInterval(() => {
          if (!res.write(Buffer.alloc(1024))) return;
        }, 1);
        res.on('close', () => clearInterval(timer));
        return;
      }
      case '/slow':
        return setTimeout(() => res.writeHead(200).end(PNG), 2_000);
      default:
        return res.writeHead(404).end('no such image');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const refsOf = (body: string) => extractAssetReferences({ body, bodyFormat: 'markdown', fields: {} });

async function failure(fetcher: AssetFetcher, body: string): Promise<AssetFetchError> {
  try {
    await fetcher.fetchAssets(refsOf(body));
  } catch (e) {
    return e as AssetFetchError;
  } finally {
    await fetcher.close();
  }
  throw new Error('expected the fetch to fail');
}

const allowed = (extra: Parameters<typeof createAssetFetcher>[0] = {}) =>
  createAssetFetcher({ allowedHosts: ['127.0.0.1'], ...extra });

describe('fetching referenced images', () => {
  it('fetches each distinct URL once, detects the type from the bytes and names the file after it', async () => {
    const fetcher = allowed();
    hits.clear();
    const assets = await fetcher.fetchAssets(
      refsOf(`![Hero](${base}/hero) ![Logo](${base}/logo.gif) ![Again](${base}/hero) ![](${base}/moved)`),
    );
    await fetcher.close();
    expect(assets.map((a) => [a.ref, a.altText, a.fileName, a.mime, a.size])).toEqual([
      [`${base}/hero`, 'Hero', 'hero.png', 'image/png', PNG.length],
      [`${base}/logo.gif`, 'Logo', 'logo.gif', 'image/gif', GIF.length],
      [`${base}/moved`, '', 'hero.png', 'image/png', PNG.length],
    ]);
    expect(assets[0]!.sha256).toBe(createHash('sha256').update(PNG).digest('hex'));
    expect(Buffer.from(assets[1]!.bytes).equals(GIF)).toBe(true);
    // `/hero` once for the two refs, once more behind the redirect (a different URL).
    expect(hits.get('/hero')).toBe(2);
    expect(hits.get('/moved')).toBe(1);
  });

  it('names files from the URL path', () => {
    expect(fileNameOf(new URL('https://e.com/a/Hero%20Shot.JPG?w=2'), 'jpg')).toBe('Hero-Shot.jpg');
    expect(fileNameOf(new URL('https://e.com/'), 'png')).toBe('image.png');
  });

  it.each([
    ['/missing', 'ASSET_NOT_FOUND', 'answered HTTP 404'],
    ['/forbidden', 'ASSET_HTTP_ERROR', 'answered HTTP 403'],
    ['/text', 'ASSET_TYPE_UNSUPPORTED', 'of an unrecognised type'],
    ['/empty', 'ASSET_EMPTY', 'returned no bytes'],
    ['/loop', 'ASSET_HTTP_ERROR', 'more than 3 redirects'],
  ])('%s is a permanent %s naming the ref', async (path, code, text) => {
    const err = await failure(allowed(), `![x](${base}${path})`);
    expect(err).toMatchObject({ code, transient: false, ref: `${base}${path}` });
    expect(err.message).toContain(`image "${base}${path}"`);
    expect(err.message).toContain(text);
  });

  it('refuses images over the size cap, declared or streamed, without reading on', async () => {
    const declared = await failure(allowed({ maxBytes: 4096 }), `![x](${base}/declared-big)`);
    expect(declared).toMatchObject({ code: 'ASSET_TOO_LARGE', transient: false });
    expect(declared.message).toContain('declares 10000 bytes');
    const streamed = await failure(allowed({ maxBytes: 64 * 1024 }), `![x](${base}/streamed-big)`);
    expect(streamed).toMatchObject({ code: 'ASSET_TOO_LARGE', transient: false });
    const total = await failure(
      allowed({ maxTotalBytes: PNG.length + 10 }),
      `![a](${base}/hero) ![b](${base}/logo.gif)`,
    );
    expect(total).toMatchObject({ code: 'ASSET_TOO_LARGE', ref: `${base}/logo.gif` });
  });

  it('treats 5xx, timeouts and unreachable hosts as transient', async () => {
    const busy = await failure(allowed(), `![x](${base}/busy)`);
    expect(busy).toMatchObject({ code: 'ASSET_UNREACHABLE', transient: true, retryAfterMs: 7_000 });
    const slow = await failure(allowed({ timeoutMs: 200 }), `![x](${base}/slow)`);
    expect(slow).toMatchObject({ code: 'ASSET_TIMEOUT', transient: true });
    const closed = new URL(base);
    closed.port = '1';
    const refused = await failure(allowed(), `![x](${closed.origin}/a.png)`);
    expect(refused).toMatchObject({ code: 'ASSET_UNREACHABLE', transient: true });
  });

  it('refuses unsupported schemes and too many images before any request', async () => {
    hits.clear();
    const scheme = await failure(allowed(), `![a](${base}/hero) ![b](file:///etc/passwd)`);
    expect(scheme).toMatchObject({
      code: 'ASSET_URL_UNSUPPORTED',
      ref: 'file:///etc/passwd',
      transient: false,
    });
    const many = await failure(allowed({ maxAssets: 1 }), `![a](${base}/hero) ![b](${base}/logo.gif)`);
    expect(many).toMatchObject({ code: 'ASSET_TOO_MANY', ref: `${base}/logo.gif` });
    expect(hits.size).toBe(0);
  });
});

describe('SSRF guard', () => {
  it.each(['http://169.254.169.254/latest/meta-data/', 'http://10.1.2.3/a.png', 'http://[::1]/a.png'])(
    'refuses the IP literal %s before any request',
    async (url) => {
      const err = await failure(createAssetFetcher(), `![x](${url})`);
      expect(err).toMatchObject({ code: 'ASSET_HOST_REFUSED', transient: false, ref: url });
      expect(err.message).toContain('loopback, private, link-local or reserved address');
    },
  );

  it('refuses a name resolving to a private address at connect time (localhost → 127.0.0.1)', async () => {
    const port = new URL(base).port;
    hits.clear();
    const err = await failure(createAssetFetcher(), `![x](http://localhost:${port}/hero)`);
    expect(err).toMatchObject({ code: 'ASSET_HOST_REFUSED', transient: false });
    expect(err.message).toMatch(/localhost resolves to (127\.0\.0\.1|::1)/);
    expect(hits.size).toBe(0);
  });

  it('checks every redirect hop, even from an allowed host', async () => {
    const err = await failure(allowed(), `![x](${base}/to-metadata)`);
    expect(err).toMatchObject({ code: 'ASSET_HOST_REFUSED', ref: `${base}/to-metadata` });
    expect(err.message).toContain('169.254.169.254');
  });

  it('lets the allow-list reach a loopback host', async () => {
    const err = await failure(createAssetFetcher(), `![x](${base}/hero)`);
    expect(err.code).toBe('ASSET_HOST_REFUSED');
    const fetcher = allowed();
    await expect(fetcher.fetchAssets(refsOf(`![x](${base}/hero)`))).resolves.toHaveLength(1);
    await fetcher.close();
  });
});
