import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import {
  buildWebhookHeaders,
  generateWebhookSecret,
  signWebhook,
  verifyWebhook,
} from './standard-webhooks.js';

/** The spec's test vectors live outside the project (../shared/specs); never copied in. */
const VECTORS = join(process.cwd(), '..', 'shared', 'specs', 'standard-webhooks', 'test-vectors.json');

interface Vector {
  secret: string;
  msg_id: string;
  timestamp: number;
  payload: string;
  expected_signature_header: string;
}

describe('Standard Webhooks signatures', () => {
  it.skipIf(!existsSync(VECTORS))(`matches the spec's test vector (${VECTORS})`, () => {
    const { vectors } = JSON.parse(readFileSync(VECTORS, 'utf8')) as { vectors: Vector[] };
    expect(vectors.length).toBeGreaterThan(0);
    for (const v of vectors) {
      expect(signWebhook(v.secret, v.msg_id, v.timestamp, v.payload)).toBe(v.expected_signature_header);
      const headers = {
        'webhook-id': v.msg_id,
        'webhook-timestamp': String(v.timestamp),
        'webhook-signature': v.expected_signature_header,
      };
      expect(verifyWebhook([v.secret], headers, v.payload, v.timestamp)).toEqual({
        ok: true,
        msgId: v.msg_id,
        timestamp: v.timestamp,
      });
    }
  });

  it('our headers verify with the official standardwebhooks library', () => {
    const secret = generateWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const body = JSON.stringify({ type: 'content.published', data: { title: 'Ünïcode ✓' } });
    const now = Math.floor(Date.now() / 1000);
    const headers = buildWebhookHeaders([secret], 'msg_abc', now, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // And a byte changed in the body fails the official verification.
    expect(() => new Webhook(secret).verify(body.replace('✓', 'x'), headers)).toThrow();
  });

  it('during a rotation both signatures are sent and either secret verifies (ours and the official library)', () => {
    const oldSecret = generateWebhookSecret();
    const newSecret = generateWebhookSecret();
    const body = '{"a":1}';
    const now = Math.floor(Date.now() / 1000);
    const headers = buildWebhookHeaders([newSecret, oldSecret], 'msg_rot', now, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const s of [oldSecret, newSecret]) {
      expect(() => new Webhook(s).verify(body, headers)).not.toThrow();
      expect(verifyWebhook([s], headers, body, now).ok).toBe(true);
    }
    expect(verifyWebhook([generateWebhookSecret()], headers, body, now)).toEqual({
      ok: false,
      reason: 'no_matching_signature',
    });
  });

  it('refuses stale, future, malformed and unsigned messages', () => {
    const s = generateWebhookSecret();
    const h = buildWebhookHeaders([s], 'msg_1', 1_000_000, 'x');
    expect(verifyWebhook([s], h, 'x', 1_000_000 + 301)).toEqual({ ok: false, reason: 'timestamp_too_old' });
    expect(verifyWebhook([s], h, 'x', 1_000_000 - 301)).toEqual({ ok: false, reason: 'timestamp_too_new' });
    expect(verifyWebhook([s], h, 'x', 1_000_000 + 299).ok).toBe(true);
    expect(verifyWebhook([s], { ...h, 'webhook-timestamp': 'soon' }, 'x', 1_000_000)).toEqual({
      ok: false,
      reason: 'bad_timestamp',
    });
    expect(verifyWebhook([s], { 'webhook-id': 'msg_1' }, 'x', 1_000_000)).toEqual({
      ok: false,
      reason: 'missing_headers',
    });
    expect(
      verifyWebhook(
        [s],
        { ...h, 'webhook-signature': 'v2,' + h['webhook-signature'].slice(3) },
        'x',
        1_000_000,
      ).ok,
    ).toBe(false);
  });
});
