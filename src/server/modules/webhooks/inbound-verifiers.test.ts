import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InboundParseError, PARSERS } from './inbound-parsers.js';
import { VERIFIERS, type InboundRequest } from './inbound-verifiers.js';

const req = (over: Partial<InboundRequest>): InboundRequest => ({
  method: 'POST',
  url: '/hooks/x',
  publicUrl: 'https://sb.example.com',
  headers: {},
  body: Buffer.from('{}'),
  nowMs: 1_767_225_600_000,
  ...over,
});
const source = { kind: 'connection' as const, id: 'c1', vendor: 'mailchimp', inboundId: 'i1' };

describe('inbound verifiers', () => {
  it('url_secret (Mailchimp): the ?secret= must match exactly', () => {
    const cfg = { secret: 's3cr3t-value', toleranceSeconds: 300 };
    expect(VERIFIERS.url_secret(req({ url: '/hooks/x?secret=s3cr3t-value' }), cfg).ok).toBe(true);
    expect(VERIFIERS.url_secret(req({ url: '/hooks/x?secret=s3cr3t-valuE' }), cfg)).toEqual({
      ok: false,
      reason: 'secret_mismatch',
    });
    expect(VERIFIERS.url_secret(req({ url: '/hooks/x' }), cfg)).toEqual({
      ok: false,
      reason: 'missing_secret',
    });
  });

  it('hmac_sha256: configurable header, encoding and prefix; dedupe by body hash', () => {
    const body = Buffer.from('{"a":1}');
    const b64 = createHmac('sha256', 'k').update(body).digest('base64');
    const cfg = {
      secret: 'k',
      toleranceSeconds: 300,
      signatureHeader: 'X-Sig',
      signatureEncoding: 'base64' as const,
      signaturePrefix: 'v1=',
    };
    const ok = VERIFIERS.hmac_sha256(req({ body, headers: { 'x-sig': `v1=${b64}` } }), cfg);
    expect(ok).toMatchObject({ ok: true, dedupeId: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(VERIFIERS.hmac_sha256(req({ body, headers: { 'x-sig': b64 } }), cfg).ok).toBe(false);
    expect(
      VERIFIERS.hmac_sha256(req({ body: Buffer.from('{"a":2}'), headers: { 'x-sig': `v1=${b64}` } }), cfg).ok,
    ).toBe(false);
  });
});

describe('inbound parsers', () => {
  it('Mailchimp form posts: unsubscribe → contact.unsubscribed, cleaned → email.bounced, campaign ignored', () => {
    const parse = (form: string) =>
      PARSERS.mailchimp({
        body: Buffer.from(form),
        contentType: 'application/x-www-form-urlencoded',
        source,
        eventType: '',
      });
    expect(
      parse(
        'type=unsubscribe&fired_at=2026-01-01+00%3A00%3A00&data%5Bemail%5D=Ann%40x.test&data%5Blist_id%5D=L1',
      ),
    ).toEqual([
      {
        type: 'contact.unsubscribed',
        subject: 'contact:email:ann@x.test',
        payload: expect.objectContaining({
          email: 'Ann@x.test',
          listId: 'L1',
          vendorEventType: 'unsubscribe',
        }),
      },
    ]);
    expect(parse('type=cleaned&data%5Bemail%5D=b%40x.test&data%5Breason%5D=hard')[0]).toMatchObject({
      type: 'email.bounced',
      payload: { reason: 'hard' },
    });
    expect(parse('type=campaign&data%5Bid%5D=1')).toEqual([]);
    expect(() => parse('nothing=here')).toThrow(InboundParseError);
  });

  it("Mailchimp's real shapes: upemail names the old and new address, merges nest, fired_at is UTC", () => {
    const parse = (fields: Record<string, string>) =>
      PARSERS.mailchimp({
        body: Buffer.from(new URLSearchParams(fields).toString()),
        contentType: 'application/x-www-form-urlencoded',
        source,
        eventType: '',
      });
    // Mailchimp's documented upemail payload: no data[email] nor data[id].
    const [changed] = parse({
      type: 'upemail',
      fired_at: '2009-03-26 22:15:09',
      'data[list_id]': 'a6b5da1054',
      'data[new_id]': '51da8c3259',
      'data[new_email]': 'api+new@mailchimp.com',
      'data[old_email]': 'api+old@mailchimp.com',
    });
    expect(changed).toEqual({
      type: 'contact.updated',
      subject: 'contact:email:api+old@mailchimp.com',
      payload: expect.objectContaining({
        email: 'api+old@mailchimp.com',
        previousEmail: 'api+old@mailchimp.com',
        newEmail: 'api+new@mailchimp.com',
        memberId: '51da8c3259',
        occurredAt: '2009-03-26T22:15:09.000Z',
      }),
    });
    const [profile] = parse({
      type: 'profile',
      fired_at: '2009-03-26 21:31:21',
      'data[id]': '8a25ff1d98',
      'data[list_id]': 'a6b5da1054',
      'data[email]': 'api@mailchimp.com',
      'data[merges][FNAME]': 'Mailchimp',
      'data[merges][GROUPINGS][0][name]': 'Interests',
      'data[merges][GROUPINGS][0][groups]': 'Cooking,Hiking',
    });
    expect(profile!.payload).toMatchObject({
      memberId: '8a25ff1d98',
      merges: { FNAME: 'Mailchimp', GROUPINGS: { 0: { name: 'Interests', groups: 'Cooking,Hiking' } } },
    });
    const [polluting] = parse({
      type: 'profile',
      'data[email]': 'p@x.test',
      'data[merges][__proto__][polluted]': 'yes',
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(polluting!.payload).not.toHaveProperty('merges');
    expect(parse({})).toEqual([]);
    expect(() => parse({ type: 'upemail', 'data[new_email]': 'n@x.test' })).toThrow(/data\[old_email\]/);
  });

  it('HubSpot arrays: known contact subscription types become events; malformed JSON or events fail', () => {
    const parse = (body: string) =>
      PARSERS.hubspot({
        body: Buffer.from(body),
        contentType: 'application/json',
        source: { ...source, vendor: 'hubspot' },
        eventType: '',
      });
    expect(
      parse(
        '[{"subscriptionType":"deal.creation","objectId":1},{"subscriptionType":"contact.deletion","objectId":2}]',
      ),
    ).toEqual([expect.objectContaining({ type: 'contact.deleted', subject: 'contact:hubspot:2' })]);
    expect(() => parse('{"not":"an array"}')).toThrow(InboundParseError);
    expect(() => parse('[{"objectId":1}]')).toThrow(/subscriptionType/);
    expect(() => parse('[{')).toThrow(/not valid JSON/);
  });
});
