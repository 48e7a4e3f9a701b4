/**
 * Fetches the images a content version references, before the vendor is called, so connectors receive every asset's
 * bytes (`ContentPayload.assets`) or the delivery never reaches the vendor: a publish never goes out with a
 * half-fetched asset set.
 *
 * Each fetch is a plain GET through undici with:
 * - only http/https, and the SSRF guard (`platform/http`): a host that is, or resolves to, a loopback, private,
 *   link-local (cloud metadata) or reserved address is refused — checked before the request for IP literals and at
 *   connect time for names (DNS rebinding) — unless `allowedHosts` names it (`SWITCHBOARD_ASSET_ALLOWED_HOSTS`);
 * - redirects followed by hand (at most `maxRedirects`), every hop checked again;
 * - a per-request timeout covering headers and body;
 * - a size cap: a declared Content-Length over it is refused unread, and reading stops at the first byte beyond it;
 * - the type detected from the bytes (magic numbers, `file-type`), never from the name or Content-Type: only images.
 *   Vendor-specific limits (HubSpot 20 MB, Marketo 10 MB, the types each accepts) stay with the connectors.
 *
 * Failures are `AssetFetchError`s naming the ref: `transient` (timeout, connection failure, 408, 429, 5xx) — the
 * delivery attempt is retried later — or permanent (404, too large, refused host, unsupported scheme or type).
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { fileTypeFromBuffer } from 'file-type';
import { request } from 'undici';
import type { AssetPayload } from '../../connectors/index.js';
import {
  OutboundTargetRefusedError,
  createGuardedAgents,
  findOutboundRefusal,
  isBlockedAddress,
  isHostAllowed,
  normalizeHost,
  type GuardedAgents,
} from '../../platform/http/index.js';
import type { AssetReference } from './content-assets.js';

const MiB = 1024 * 1024;

export interface AssetFetchOptions {
  /** Hosts that may resolve to private/loopback addresses (SSRF allow-list). */
  allowedHosts: readonly string[];
  /** Per request (one redirect hop): headers and the whole body. */
  timeoutMs: number;
  /** Per asset. */
  maxBytes: number;
  /** All assets of one version together (they are held in memory for the vendor call). */
  maxTotalBytes: number;
  /** Distinct refs fetched per version. */
  maxAssets: number;
  maxRedirects: number;
}

export const DEFAULT_ASSET_FETCH_OPTIONS: AssetFetchOptions = {
  allowedHosts: [],
  timeoutMs: 15_000,
  maxBytes: 25 * MiB,
  maxTotalBytes: 100 * MiB,
  maxAssets: 50,
  maxRedirects: 3,
};

/** Image types the ledger fetches (the union of what the connectors upload); each connector narrows it. */
export const FETCHABLE_IMAGE_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'image/avif',
  'image/bmp',
  'image/x-icon',
]);

export const ASSET_ERROR_CODES = [
  'ASSET_URL_UNSUPPORTED',
  'ASSET_HOST_REFUSED',
  'ASSET_NOT_FOUND',
  'ASSET_HTTP_ERROR',
  'ASSET_TOO_LARGE',
  'ASSET_TOO_MANY',
  'ASSET_EMPTY',
  'ASSET_TYPE_UNSUPPORTED',
  'ASSET_TIMEOUT',
  'ASSET_UNREACHABLE',
] as const;
export type AssetErrorCode = (typeof ASSET_ERROR_CODES)[number];

/** One referenced image could not be fetched; `transient` failures may succeed on a later attempt. */
export class AssetFetchError extends Error {
  constructor(
    readonly ref: string,
    readonly code: AssetErrorCode,
    readonly transient: boolean,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(`image ${JSON.stringify(ref)}: ${message}`);
    this.name = 'AssetFetchError';
  }
}

export const isAssetFetchError = (e: unknown): e is AssetFetchError => e instanceof AssetFetchError;

/** An image ready for the connector, with what the ledger hashes instead of the bytes. */
export interface FetchedAsset extends AssetPayload {
  url: string;
  mime: string;
  size: number;
  sha256: string;
}

export interface AssetFetcher {
  /**
   * Fetches every `fetch` ref (refused refs fail first, before any request); all or nothing. `signal` (the job's)
   * aborts in-flight requests; the abort is rethrown as is, not classified.
   */
  fetchAssets(refs: readonly AssetReference[], opts?: { signal?: AbortSignal }): Promise<FetchedAsset[]>;
  close(): Promise<void>;
}

/** 422 refusal raised by the guarded `lookup`, recognised in the error chain and turned into ASSET_HOST_REFUSED. */
class AssetHostRefusedError extends OutboundTargetRefusedError {
  constructor(host: string, address: string) {
    super(
      host,
      address,
      'ASSET_HOST_REFUSED',
      'images may not be fetched from it. An operator can allow the host with SWITCHBOARD_ASSET_ALLOWED_HOSTS.',
    );
  }
}

export function createAssetFetcher(options: Partial<AssetFetchOptions> = {}): AssetFetcher {
  const o: AssetFetchOptions = { ...DEFAULT_ASSET_FETCH_OPTIONS, ...options };
  const allowed = o.allowedHosts.map(normalizeHost);
  let agents: GuardedAgents | null = null;
  // Created on first use: a process that never publishes images holds no sockets or pools.
  const agentsNow = () =>
    (agents ??= createGuardedAgents({
      connectTimeoutMs: o.timeoutMs,
      refuse: (host, address) => new AssetHostRefusedError(host, address),
    }));

  async function fetchOne(
    ref: string,
    start: string,
    signal: AbortSignal | undefined,
  ): Promise<FetchedAsset> {
    let url = new URL(start);
    for (let hop = 0; ; hop++) {
      if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        throw new AssetFetchError(
          ref,
          'ASSET_URL_UNSUPPORTED',
          false,
          `${url.protocol} URLs are not fetched; only http and https`,
        );
      }
      const host = normalizeHost(url.hostname);
      const trusted = isHostAllowed(host, allowed);
      // IP literals never go through `lookup`: judge them here.
      if (!trusted && isIP(host) && isBlockedAddress(host)) throw refusedHost(ref, host, host);
      const { res, timedOut } = await get(ref, url, trusted, signal);
      const location = res.headers['location'];
      if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
        await res.body.dump().catch(() => undefined);
        if (hop >= o.maxRedirects) {
          throw new AssetFetchError(ref, 'ASSET_HTTP_ERROR', false, `more than ${o.maxRedirects} redirects`);
        }
        url = new URL(location, url);
        continue;
      }
      if (res.statusCode < 200 || res.statusCode >= 300) {
        await res.body.dump().catch(() => undefined);
        throw statusError(ref, url, res.statusCode, res.headers['retry-after']);
      }
      const bytes = await readCapped(ref, url, res, () => signal?.aborted === true, timedOut);
      return describe(ref, url, bytes);
    }
  }

  async function get(ref: string, url: URL, trusted: boolean, outer: AbortSignal | undefined) {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), o.timeoutMs);
    const signal = outer ? AbortSignal.any([timeout.signal, outer]) : timeout.signal;
    try {
      const res = await request(url, {
        method: 'GET',
        headers: { accept: 'image/*', 'user-agent': 'Switchboard asset fetcher' },
        dispatcher: trusted ? agentsNow().trusted : agentsNow().guarded,
        signal,
        maxRedirections: 0,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
      });
      // The body is read under the same deadline; the timer is cleared once it is read (or dropped).
      res.body.once('close', () => clearTimeout(timer));
      return { res, timedOut: () => timeout.signal.aborted };
    } catch (e) {
      clearTimeout(timer);
      if (outer?.aborted) throw e;
      throw networkError(ref, url, e, timeout.signal.aborted);
    }
  }

  async function readCapped(
    ref: string,
    url: URL,
    res: Awaited<ReturnType<typeof request>>,
    cancelled: () => boolean,
    timedOut: () => boolean,
  ): Promise<Uint8Array> {
    const declared = Number(res.headers['content-length']);
    if (Number.isFinite(declared) && declared > o.maxBytes) {
      discard(res.body);
      throw tooLarge(ref, `${url.host} declares ${formatBytes(declared)}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > o.maxBytes) {
          discard(res.body);
          throw tooLarge(ref, `the response exceeds it`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (e) {
      if (isAssetFetchError(e) || cancelled()) throw e;
      throw networkError(ref, url, e, timedOut());
    }
    return new Uint8Array(Buffer.concat(chunks, size));
  }

  function tooLarge(ref: string, why: string): AssetFetchError {
    return new AssetFetchError(
      ref,
      'ASSET_TOO_LARGE',
      false,
      `images are limited to ${formatBytes(o.maxBytes)}; ${why}`,
    );
  }

  return {
    async fetchAssets(refs, opts = {}) {
      const refused = refs.find((r) => r.handling === 'refuse');
      if (refused) {
        throw new AssetFetchError(
          refused.ref,
          'ASSET_URL_UNSUPPORTED',
          false,
          'only http(s) URLs are fetched; relative, data: and cid: refs are published as written',
        );
      }
      const wanted = refs.filter(
        (r): r is AssetReference & { url: string } => r.handling === 'fetch' && r.url !== null,
      );
      if (wanted.length > o.maxAssets) {
        throw new AssetFetchError(
          wanted[o.maxAssets]!.ref,
          'ASSET_TOO_MANY',
          false,
          `a version may reference at most ${o.maxAssets} images; this one references ${wanted.length}`,
        );
      }
      const byUrl = new Map<string, FetchedAsset>();
      const out: FetchedAsset[] = [];
      let total = 0;
      for (const r of wanted) {
        let fetched = byUrl.get(r.url);
        if (!fetched) {
          fetched = await fetchOne(r.ref, r.url, opts.signal);
          byUrl.set(r.url, fetched);
          total += fetched.size;
          if (total > o.maxTotalBytes) {
            throw new AssetFetchError(
              r.ref,
              'ASSET_TOO_LARGE',
              false,
              `the images of one version are limited to ${formatBytes(o.maxTotalBytes)} together`,
            );
          }
        }
        out.push({ ...fetched, ref: r.ref, altText: r.altText });
      }
      return out;
    },
    async close() {
      await agents?.close();
      agents = null;
    },
  };
}

async function describe(ref: string, url: URL, bytes: Uint8Array): Promise<FetchedAsset> {
  if (bytes.byteLength === 0)
    throw new AssetFetchError(ref, 'ASSET_EMPTY', false, `${url.host} returned no bytes`);
  const detected = await fileTypeFromBuffer(bytes);
  if (!detected || !FETCHABLE_IMAGE_TYPES.has(detected.mime)) {
    throw new AssetFetchError(
      ref,
      'ASSET_TYPE_UNSUPPORTED',
      false,
      `the content is ${detected ? detected.mime : 'of an unrecognised type'}; images must be ` +
        [...FETCHABLE_IMAGE_TYPES].join(', '),
    );
  }
  return {
    ref,
    url: url.href,
    fileName: fileNameOf(url, detected.ext),
    altText: '',
    bytes,
    mime: detected.mime,
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** The last path segment with the detected extension: `/img/hero?w=2` + png → `hero.png`. */
export function fileNameOf(url: URL, ext: string): string {
  let last = url.pathname.split('/').filter(Boolean).pop() ?? '';
  try {
    last = decodeURIComponent(last);
  } catch {
    // keep the encoded form
  }
  const dot = last.lastIndexOf('.');
  const stem = (dot > 0 ? last.slice(0, dot) : last).replace(/[^\w.-]+/g, '-').slice(0, 100) || 'image';
  return `${stem}.${ext}`;
}

/** Stops reading a body; undici reports an unread body's destruction as an error, which nobody needs here. */
function discard(body: { once(event: 'error', fn: () => void): unknown; destroy(): unknown }): void {
  body.once('error', () => undefined);
  body.destroy();
}

function statusError(
  ref: string,
  url: URL,
  status: number,
  retryAfter: string | string[] | undefined,
): AssetFetchError {
  const what = `${url.host} answered HTTP ${status}`;
  if (status === 404 || status === 410) return new AssetFetchError(ref, 'ASSET_NOT_FOUND', false, what);
  if (status === 408 || status === 429 || status >= 500) {
    return new AssetFetchError(ref, 'ASSET_UNREACHABLE', true, what, parseRetryAfterMs(retryAfter));
  }
  return new AssetFetchError(ref, 'ASSET_HTTP_ERROR', false, what);
}

function networkError(ref: string, url: URL, e: unknown, timedOut: boolean): AssetFetchError {
  const refusal = findOutboundRefusal(e);
  if (refusal) return refusedHost(ref, refusal.host, refusal.address);
  if (timedOut) return new AssetFetchError(ref, 'ASSET_TIMEOUT', true, `${url.host} did not answer in time`);
  const code = errorCode(e);
  return new AssetFetchError(
    ref,
    'ASSET_UNREACHABLE',
    true,
    `${url.host} could not be reached (${code ?? (e as Error)?.message ?? String(e)})`,
  );
}

function refusedHost(ref: string, host: string, address: string): AssetFetchError {
  return new AssetFetchError(
    ref,
    'ASSET_HOST_REFUSED',
    false,
    host === address
      ? `${host} is a loopback, private, link-local or reserved address; images are not fetched from it`
      : `${host} resolves to ${address}, a loopback, private, link-local or reserved address; images are not fetched from it`,
  );
}

/** The error code of a network failure, looking through undici's wrapping (`cause`). */
function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Retry-After in seconds or as an HTTP date, capped at an hour; undefined when absent or unreadable. */
function parseRetryAfterMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined || v.trim() === '') return undefined;
  const ms = /^\d+$/.test(v.trim()) ? Number(v.trim()) * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 3_600_000) : undefined;
}

function formatBytes(n: number): string {
  return n >= MiB ? `${(n / MiB).toFixed(n % MiB === 0 ? 0 : 1)} MiB` : `${n} bytes`;
}
