/**
 * Wire-level helpers of the HTTP layer: URL joining, request body encoding with its size, and reading a response body
 * under a size limit. No policy lives here (retries, classification): see `connector-http.ts`.
 */
import { ConnectorError } from './connector-error.js';
import type { HttpRequest } from './http-types.js';

/** Default limits: what a marketing API call reasonably needs (assets go up to vendor limits, checked by connectors). */
export const DEFAULT_MAX_REQUEST_BYTES = 10 * 1024 * 1024;
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/**
 * Joins the connection's base URL and a request path, keeping the base URL's own path (`https://host/rest` +
 * `/v1/leads.json` → `https://host/rest/v1/leads.json`). Absolute URLs (token endpoints) are used as they are.
 */
export function joinUrl(baseUrl: string, path: string, query?: HttpRequest['query']): URL {
  const url = /^https?:\/\//i.test(path)
    ? new URL(path)
    : new URL(`${baseUrl.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
  if (query) {
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.append(k, String(v));
  }
  return url;
}

export interface EncodedBody {
  body: string | Uint8Array | FormData | undefined;
  contentType: string | undefined;
  bytes: number;
}

/** Serialises `json` or passes `body` through, with a default content type and the byte size. */
export function encodeBody(req: HttpRequest): EncodedBody {
  if (req.json !== undefined && req.body !== undefined) {
    throw new ConnectorError({
      kind: 'invalid_request',
      message: `${req.operation}: a request has either json or body, not both`,
    });
  }
  if (req.json !== undefined) {
    const text = JSON.stringify(req.json);
    return { body: text, contentType: 'application/json', bytes: Buffer.byteLength(text) };
  }
  const body = req.body;
  if (body === undefined) return { body: undefined, contentType: undefined, bytes: 0 };
  if (typeof body === 'string') {
    return { body, contentType: 'application/x-www-form-urlencoded', bytes: Buffer.byteLength(body) };
  }
  if (body instanceof Uint8Array) {
    return { body, contentType: 'application/octet-stream', bytes: body.byteLength };
  }
  // FormData: fetch writes the multipart boundary itself; the size is estimated from its parts.
  let bytes = 0;
  for (const [name, value] of body.entries()) {
    bytes += Buffer.byteLength(name) + 128;
    bytes += typeof value === 'string' ? Buffer.byteLength(value) : value.size;
  }
  return { body, contentType: undefined, bytes };
}

/** Thrown by `readBodyLimited` when the vendor sends more than the limit. */
export class ResponseTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`response body larger than ${limit} bytes`);
    this.name = 'ResponseTooLargeError';
  }
}

/** Reads a response body as text, aborting once it passes `limit` bytes. */
export async function readBodyLimited(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel().catch(() => undefined);
    throw new ResponseTooLargeError(limit);
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new ResponseTooLargeError(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** True when the response declares a JSON body (`application/json`, `application/problem+json`, …). */
export function isJsonContentType(contentType: string | null): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json') || type === 'text/json';
}
