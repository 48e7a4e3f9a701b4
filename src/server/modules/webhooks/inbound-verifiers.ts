/**
 * How each inbound source is verified, as an exhaustive registry (`Record<VerifierKind, Verifier>`), plus which
 * verifier and parser each connection vendor uses. The raw body is verified before anything parses it.
 *
 * - `hubspot_v3`: HubSpot signature v3 over method + full URI + body + timestamp, 5-minute tolerance.
 * - `url_secret`: Mailchimp — the secret is a query parameter of the URL configured at the vendor (`?secret=`).
 * - `standard_webhooks`: `webhook-id`/`webhook-timestamp`/`webhook-signature` with a `whsec_` secret.
 * - `hmac_sha256`: HMAC-SHA256 of the body in a configurable header (hex or base64, optional prefix `sha256=`).
 *
 * Each verifier also says which id makes a delivery unique (replay protection): the sender's message id when the
 * scheme has one, else the SHA-256 of the body (a vendor's retry resends the same body).
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { verifyHubSpotSignatureV3 } from '../../connectors/hubspot/webhook-signature.js';
import { verifyWebhook } from './standard-webhooks.js';

export const VERIFIER_KINDS = ['hubspot_v3', 'url_secret', 'standard_webhooks', 'hmac_sha256'] as const;
export type VerifierKind = (typeof VERIFIER_KINDS)[number];

export interface InboundRequest {
  method: string;
  /** Path and query as received (`/hooks/…?secret=…`). */
  url: string;
  /** External base URL (the vendor signs the full URL it called). */
  publicUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  nowMs: number;
}

export interface VerifierConfig {
  secret: string;
  toleranceSeconds: number;
  /** hmac_sha256 only. */
  signatureHeader?: string | null;
  signatureEncoding?: 'hex' | 'base64' | null;
  signaturePrefix?: string;
}

export type VerifyOutcome = { ok: true; dedupeId: string } | { ok: false; reason: string };

type Verifier = (req: InboundRequest, cfg: VerifierConfig) => VerifyOutcome;

const bodyHash = (body: Buffer) => `sha256:${createHash('sha256').update(body).digest('hex')}`;

function safeEqualText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const VERIFIERS: Record<VerifierKind, Verifier> = {
  hubspot_v3: (req, cfg) => {
    const r = verifyHubSpotSignatureV3({
      clientSecret: cfg.secret,
      method: req.method,
      uri: req.publicUrl + req.url,
      body: req.body,
      headers: req.headers,
      nowMs: req.nowMs,
      maxAgeMs: cfg.toleranceSeconds * 1000,
    });
    return r.ok ? { ok: true, dedupeId: bodyHash(req.body) } : { ok: false, reason: r.reason };
  },
  url_secret: (req, cfg) => {
    const given = new URL(req.url, 'http://x').searchParams.get('secret');
    if (!given) return { ok: false, reason: 'missing_secret' };
    return safeEqualText(given, cfg.secret)
      ? { ok: true, dedupeId: bodyHash(req.body) }
      : { ok: false, reason: 'secret_mismatch' };
  },
  standard_webhooks: (req, cfg) => {
    const r = verifyWebhook(
      [cfg.secret],
      req.headers,
      req.body,
      Math.floor(req.nowMs / 1000),
      cfg.toleranceSeconds,
    );
    return r.ok ? { ok: true, dedupeId: `id:${r.msgId}` } : { ok: false, reason: r.reason };
  },
  hmac_sha256: (req, cfg) => {
    const header = cfg.signatureHeader?.toLowerCase();
    if (!header) return { ok: false, reason: 'no_signature_header_configured' };
    const raw = req.headers[header];
    let given = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (!given) return { ok: false, reason: 'missing_headers' };
    const prefix = cfg.signaturePrefix ?? '';
    if (prefix) {
      if (!given.startsWith(prefix)) return { ok: false, reason: 'signature_mismatch' };
      given = given.slice(prefix.length);
    }
    const expected = createHmac('sha256', cfg.secret)
      .update(req.body)
      .digest(cfg.signatureEncoding === 'base64' ? 'base64' : 'hex');
    const match =
      cfg.signatureEncoding === 'base64'
        ? safeEqualText(given, expected)
        : safeEqualText(given.toLowerCase(), expected);
    return match ? { ok: true, dedupeId: bodyHash(req.body) } : { ok: false, reason: 'signature_mismatch' };
  },
};

export const INBOUND_PARSERS = ['hubspot', 'mailchimp', 'generic'] as const;
export type InboundParserKind = (typeof INBOUND_PARSERS)[number];

/** Connection vendors that send webhooks: how to verify them and how to parse them. */
export const VENDOR_WEBHOOKS: Readonly<
  Record<string, { verifier: VerifierKind; parser: InboundParserKind }>
> = {
  hubspot: { verifier: 'hubspot_v3', parser: 'hubspot' },
  mailchimp: { verifier: 'url_secret', parser: 'mailchimp' },
};
