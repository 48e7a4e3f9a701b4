/**
 * Strong ETags on successful GETs, and `If-None-Match` → 304. The tag is a hash of the exact response bytes, so it
 * changes whenever the representation does. Routes opt out with `config: { etag: false }`.
 */
import { createHash } from 'node:crypto';
import type { HttpApp } from './http-app.js';

export function computeEtag(payload: string | Buffer): string {
  return '"' + createHash('sha256').update(payload).digest('base64url').slice(0, 27) + '"';
}

/** True when an `If-None-Match` header value matches `etag` (comma-separated list, `*`, weak prefixes ignored). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}

export function registerEtags(app: HttpApp): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.method !== 'GET' || reply.statusCode !== 200) return payload;
    if (request.routeOptions.config?.etag === false) return payload;
    if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
    const etag = computeEtag(payload);
    reply.header('etag', etag);
    if (etagMatches(request.headers['if-none-match'], etag)) {
      reply.code(304);
      reply.removeHeader('content-length');
      return '';
    }
    return payload;
  });
}
