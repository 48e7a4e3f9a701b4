import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  computeHubSpotSignatureV3,
  normalizeHubSpotUri,
  verifyHubSpotSignatureV3,
} from './webhook-signature.js';

const secret = 'hubspot-app-client-secret';
const body = '[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":123}]';
const uri = 'https://switchboard.example.com/hooks/5f8e9c2a-1111-4222-8333-444455556666?via=%40hubspot';
const ts = '1767225600000';

/** Computed independently of the module: the documented recipe, spelled out by hand. */
function expectedByHand(): string {
  const decodedUri =
    'https://switchboard.example.com/hooks/5f8e9c2a-1111-4222-8333-444455556666?via=@hubspot';
  return createHmac('sha256', secret).update(`POST${decodedUri}${body}${ts}`, 'utf8').digest('base64');
}

describe('HubSpot signature v3', () => {
  it('is HMAC-SHA256 (base64) of method + decoded URI + body + timestamp under the client secret', () => {
    expect(
      computeHubSpotSignatureV3({ clientSecret: secret, method: 'post', uri, body, timestamp: ts }),
    ).toBe(expectedByHand());
  });

  it('verifies a fresh request and refuses a wrong signature, a changed body and a stale or missing timestamp', () => {
    const headers = { 'x-hubspot-signature-v3': expectedByHand(), 'x-hubspot-request-timestamp': ts };
    const nowMs = Number(ts) + 60_000;
    expect(
      verifyHubSpotSignatureV3({ clientSecret: secret, method: 'POST', uri, body, headers, nowMs }),
    ).toEqual({ ok: true, timestampMs: Number(ts) });
    expect(
      verifyHubSpotSignatureV3({ clientSecret: 'other', method: 'POST', uri, body, headers, nowMs }),
    ).toMatchObject({ ok: false, reason: 'signature_mismatch' });
    expect(
      verifyHubSpotSignatureV3({
        clientSecret: secret,
        method: 'POST',
        uri,
        body: body + ' ',
        headers,
        nowMs,
      }),
    ).toMatchObject({ ok: false });
    expect(
      verifyHubSpotSignatureV3({
        clientSecret: secret,
        method: 'POST',
        uri,
        body,
        headers,
        nowMs: Number(ts) + 5 * 60_000 + 1,
      }),
    ).toEqual({ ok: false, reason: 'timestamp_too_old' });
    expect(
      verifyHubSpotSignatureV3({
        clientSecret: secret,
        method: 'POST',
        uri,
        body,
        headers: { 'x-hubspot-signature-v3': expectedByHand() },
        nowMs,
      }),
    ).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it('decodes exactly the characters HubSpot lists', () => {
    expect(normalizeHubSpotUri('https://h/p%3Fa%3Ab%2fc%2C%3b%20x')).toBe('https://h/p?a:b/c,;%20x');
  });
});
