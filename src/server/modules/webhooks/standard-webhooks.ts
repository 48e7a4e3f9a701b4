/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, `../shared/specs/standard-webhooks/`), both ways:
 * we sign our outbound deliveries and verify inbound generic endpoints that use the scheme.
 *
 * - secret: `whsec_` + base64 of 24 random bytes; the HMAC key is the base64-decoded part.
 * - signed content: `${webhook-id}.${webhook-timestamp}.${body}` (timestamp in Unix seconds, body byte for byte).
 * - `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` entries; during a secret rotation both the new
 *   and the old secret sign, and a receiver accepts the message if any entry matches one of its secrets.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';
/** Receivers reject timestamps further than this from their clock (spec recommendation: 5 minutes). */
export const DEFAULT_TOLERANCE_SECONDS = 5 * 60;

/** A new signing secret, `whsec_` + base64 of 24 random bytes (the spec allows 24–64). */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(24).toString('base64');
}

/** The HMAC key of a `whsec_…` secret (the prefix is optional, as in the official libraries). */
export function decodeWebhookSecret(secret: string): Buffer {
  const raw = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(raw, 'base64');
  if (key.length === 0) throw new RangeError('webhook secret is empty');
  return key;
}

/** One `v1,<base64>` signature of a message. `body` must be the exact bytes sent. */
export function signWebhook(
  secret: string,
  msgId: string,
  timestampSeconds: number,
  body: string | Buffer,
): string {
  const mac = createHmac('sha256', decodeWebhookSecret(secret));
  mac.update(`${msgId}.${timestampSeconds}.`);
  mac.update(body);
  return `v1,${mac.digest('base64')}`;
}

/** The three Standard Webhooks headers, signed with every given secret (new first, then the rotated-out one). */
export function buildWebhookHeaders(
  secrets: readonly string[],
  msgId: string,
  timestampSeconds: number,
  body: string | Buffer,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  return {
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signWebhook(s, msgId, timestampSeconds, body)).join(' '),
  };
}

export const VERIFY_FAILURES = [
  'missing_headers',
  'bad_timestamp',
  'timestamp_too_old',
  'timestamp_too_new',
  'no_matching_signature',
] as const;
export type VerifyFailure = (typeof VERIFY_FAILURES)[number];

export type VerifyResult =
  { ok: true; msgId: string; timestamp: number } | { ok: false; reason: VerifyFailure };

/**
 * Verifies a received message against any of `secrets`. Header names are lower case (Node's). Constant-time
 * comparison; only `v1` entries are considered.
 */
export function verifyWebhook(
  secrets: readonly string[],
  headers: Record<string, string | string[] | undefined>,
  body: string | Buffer,
  nowSeconds: number,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): VerifyResult {
  const id = single(headers['webhook-id']);
  const ts = single(headers['webhook-timestamp']);
  const sig = single(headers['webhook-signature']);
  if (!id || !ts || !sig) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'bad_timestamp' };
  const timestamp = Number(ts);
  if (nowSeconds - timestamp > toleranceSeconds) return { ok: false, reason: 'timestamp_too_old' };
  if (timestamp - nowSeconds > toleranceSeconds) return { ok: false, reason: 'timestamp_too_new' };
  const received = sig
    .split(' ')
    .flatMap((entry) => {
      const [version, value] = entry.split(',', 2);
      return version === 'v1' && value ? [Buffer.from(value, 'base64')] : [];
    })
    .filter((b) => b.length === 32);
  for (const secret of secrets) {
    const expected = Buffer.from(signWebhook(secret, id, timestamp, body).slice(3), 'base64');
    if (received.some((r) => timingSafeEqual(r, expected))) return { ok: true, msgId: id, timestamp };
  }
  return { ok: false, reason: 'no_matching_signature' };
}

function single(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
