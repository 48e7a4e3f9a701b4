/**
 * HubSpot request signature v3 (developers.hubspot.com, "Validating requests from HubSpot"):
 *
 *   X-HubSpot-Signature-v3  = base64( HMAC-SHA256( clientSecret, method + uri + body + timestamp ) )
 *   X-HubSpot-Request-Timestamp = Unix time in milliseconds
 *
 * where `uri` is the full URL HubSpot called (scheme, host, path, query) with the URL-encoded characters of
 * HubSpot's table decoded, and `body` is the raw request body (as UTF-8 text, never re-serialized). Requests whose
 * timestamp is older than 5 minutes are rejected. Pure: no I/O, so the webhooks module and tests share it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const HUBSPOT_SIGNATURE_HEADER = 'x-hubspot-signature-v3';
export const HUBSPOT_TIMESTAMP_HEADER = 'x-hubspot-request-timestamp';
export const HUBSPOT_MAX_AGE_MS = 5 * 60_000;

/** The encodings HubSpot decodes before signing (its documentation lists exactly these). */
const DECODED: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** The URI as HubSpot signs it: the listed percent-encodings decoded (case-insensitively), nothing else. */
export function normalizeHubSpotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);
}

export interface HubSpotSignatureInput {
  clientSecret: string;
  method: string;
  /** The full URL HubSpot requested, e.g. `https://switchboard.example.com/hooks/…?x=1`. */
  uri: string;
  body: string | Buffer;
  /** The X-HubSpot-Request-Timestamp header value (milliseconds, as text). */
  timestamp: string;
}

export function computeHubSpotSignatureV3(i: HubSpotSignatureInput): string {
  const mac = createHmac('sha256', i.clientSecret);
  mac.update(`${i.method.toUpperCase()}${normalizeHubSpotUri(i.uri)}`, 'utf8');
  mac.update(i.body);
  mac.update(i.timestamp, 'utf8');
  return mac.digest('base64');
}

export type HubSpotVerifyResult =
  | { ok: true; timestampMs: number }
  | {
      ok: false;
      reason:
        | 'missing_headers'
        | 'bad_timestamp'
        | 'timestamp_too_old'
        | 'timestamp_too_new'
        | 'signature_mismatch';
    };

/** Verifies a request; header names are lower case (Node's). */
export function verifyHubSpotSignatureV3(args: {
  clientSecret: string;
  method: string;
  uri: string;
  body: string | Buffer;
  headers: Record<string, string | string[] | undefined>;
  nowMs: number;
  maxAgeMs?: number;
}): HubSpotVerifyResult {
  const signature = first(args.headers[HUBSPOT_SIGNATURE_HEADER]);
  const timestamp = first(args.headers[HUBSPOT_TIMESTAMP_HEADER]);
  if (!signature || !timestamp) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{10,16}$/.test(timestamp)) return { ok: false, reason: 'bad_timestamp' };
  const ts = Number(timestamp);
  const maxAge = args.maxAgeMs ?? HUBSPOT_MAX_AGE_MS;
  if (args.nowMs - ts > maxAge) return { ok: false, reason: 'timestamp_too_old' };
  // A small allowance for clock skew the other way; a timestamp far in the future is not a fresh request either.
  if (ts - args.nowMs > maxAge) return { ok: false, reason: 'timestamp_too_new' };
  const expected = Buffer.from(
    computeHubSpotSignatureV3({
      clientSecret: args.clientSecret,
      method: args.method,
      uri: args.uri,
      body: args.body,
      timestamp,
    }),
  );
  const given = Buffer.from(signature.trim());
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'signature_mismatch' };
  return { ok: true, timestampMs: ts };
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
