/**
 * Mailchimp audience webhooks over HTTP, end to end: the validator's GET when the webhook is added, form-encoded
 * POSTs with the secret in the URL (Mailchimp signs nothing: the `?secret=` is the authentication) stored raw and
 * processed by the job into canonical events, a retry of the same body answered `duplicate`, and a wrong or
 * missing secret answered 401 with nothing stored.
 *
 * The payloads follow Mailchimp's documented webhook format (`type`, `fired_at` as `YYYY-MM-DD HH:MM:SS`, PHP-style
 * `data[…]` keys; `upemail` carries `data[old_email]`/`data[new_email]`/`data[new_id]` instead of `data[email]`).
 *
 * There is no Mailchimp connector yet (no outbound API), so the connection row is written here with its sealed
 * credentials; everything after that — the connections port, verification, storage, the job — is the product's.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import type { WebhooksModule } from '../../src/server/modules/webhooks/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { settle } from './webhooks.fixture.js';

const SECRET = 'mc-webhook-secret-7Q2x';
const clock = new TestClock(Date.now() + 2_000);
let t: TestApp;
let ws: SeededWorkspace;
let connectionId: string;

const FORM = { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'MailChimp.com' };

const post = (fields: Record<string, string>, secret: string | null = SECRET) =>
  t.app.inject({
    method: 'POST',
    url: `/hooks/${connectionId}${secret === null ? '' : `?secret=${encodeURIComponent(secret)}`}`,
    headers: FORM,
    payload: new URLSearchParams(fields).toString(),
  });

const countInbound = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM inbound_webhooks`.execute(t.db.kysely)).rows[0]!.n;

async function eventsSince(seq: number) {
  const r = await sql<{ seq: string; type: string; subject: string; payload: Record<string, unknown> }>`
    SELECT seq::text, type, subject, payload FROM events
    WHERE workspace_id = ${ws.workspaceId} AND seq > ${seq} AND (type LIKE 'contact.%' OR type LIKE 'email.%')
    ORDER BY seq`.execute(t.db.kysely);
  return r.rows;
}

const headSeq = async () =>
  Number(
    (
      await sql<{
        s: string | null;
      }>`SELECT max(seq)::text AS s FROM events WHERE workspace_id = ${ws.workspaceId}`.execute(t.db.kysely)
    ).rows[0]!.s ?? 0,
  );

beforeAll(async () => {
  t = await createTestApp({ clock, roles: ['api', 'worker'] });
  ws = await seedWorkspace(t.db, clock, 'mailchimp');
  const webhooks = t.sb.modules.find((m) => m.name === 'webhooks') as WebhooksModule;
  const cipher = webhooks.context.secrets.encrypt(
    JSON.stringify({ apiKey: 'k-us21', webhookSecret: SECRET }),
  );
  const row = await sql<{ id: string }>`
    INSERT INTO connections (workspace_id, vendor, name, base_url, credentials_cipher, created_at, updated_at)
    VALUES (${ws.workspaceId}, 'mailchimp', 'Mailchimp audience', 'https://us21.api.mailchimp.com/3.0', ${cipher},
            now(), now())
    RETURNING id`.execute(t.db.kysely);
  connectionId = row.rows[0]!.id;
});
afterAll(() => t?.close());

describe('Mailchimp inbound webhooks', () => {
  it("answers the validator's GET when the webhook is added, only with the right secret", async () => {
    const check = (query: string) =>
      t.app.inject({
        method: 'GET',
        url: `/hooks/${connectionId}${query}`,
        headers: { 'user-agent': 'MailChimp.com WebHook Validator' },
      });
    const ok = await check(`?secret=${SECRET}`);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ ok: true, vendor: 'mailchimp' });
    for (const query of ['?secret=wrong', '']) {
      const bad = await check(query);
      expect(bad.statusCode).toBe(401);
      expect(bad.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await countInbound()).toBe(0);
  });

  it('an unsubscribe POST is stored raw and processed into contact.unsubscribed; a retry is a duplicate', async () => {
    const from = await headSeq();
    const fields = {
      type: 'unsubscribe',
      fired_at: '2026-03-26 21:40:57',
      'data[action]': 'unsub',
      'data[reason]': 'manual',
      'data[id]': '8a25ff1d98',
      'data[list_id]': 'a6b5da1054',
      'data[email]': 'Api+Unsub@Mailchimp.com',
      'data[email_type]': 'html',
      'data[merges][EMAIL]': 'Api+Unsub@Mailchimp.com',
      'data[merges][FNAME]': 'Mailchimp',
      'data[merges][LNAME]': 'API',
      'data[merges][INTERESTS]': 'Group1,Group2',
      'data[ip_opt]': '10.20.10.30',
      'data[campaign_id]': 'cb398d21d2',
    };
    const res = await post(fields);
    expect(res.statusCode, res.body).toBe(200);
    const { id, status } = res.json<{ id: string; status: string }>();
    expect(status).toBe('received');
    const stored = await sql<{ vendor: string; content_type: string; body: Uint8Array; status: string }>`
      SELECT vendor, content_type, body, status FROM inbound_webhooks WHERE id = ${id}`.execute(t.db.kysely);
    expect(stored.rows[0]).toMatchObject({ vendor: 'mailchimp', status: 'received' });
    expect(stored.rows[0]!.content_type).toBe('application/x-www-form-urlencoded');
    expect(Buffer.from(stored.rows[0]!.body).toString()).toBe(new URLSearchParams(fields).toString());

    // Mailchimp retries the same body when it did not get a 2xx in time.
    const again = await post(fields);
    expect(again.json()).toEqual({ id: null, status: 'duplicate' });

    await settle(t);
    const events = await eventsSince(from);
    expect(events).toEqual([
      {
        seq: expect.any(String),
        type: 'contact.unsubscribed',
        subject: 'contact:email:api+unsub@mailchimp.com',
        payload: expect.objectContaining({
          source: { vendor: 'mailchimp', connectionId, inboundId: id },
          email: 'Api+Unsub@Mailchimp.com',
          memberId: '8a25ff1d98',
          listId: 'a6b5da1054',
          vendorEventType: 'unsubscribe',
          action: 'unsub',
          reason: 'manual',
          campaignId: 'cb398d21d2',
          merges: {
            EMAIL: 'Api+Unsub@Mailchimp.com',
            FNAME: 'Mailchimp',
            LNAME: 'API',
            INTERESTS: 'Group1,Group2',
          },
          firedAt: '2026-03-26 21:40:57',
          occurredAt: '2026-03-26T21:40:57.000Z',
        }),
      },
    ]);
    const log = await t.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/inbound/${id}`,
      headers: { authorization: `Bearer ${ws.tokens.admin}` },
    });
    expect(log.statusCode, log.body).toBe(200);
    expect(log.json()).toMatchObject({ status: 'processed', eventsEmitted: 1, vendor: 'mailchimp' });
  });

  it('subscribe, profile, upemail and cleaned become their canonical events; campaign is acknowledged', async () => {
    const from = await headSeq();
    const base = { fired_at: '2026-03-27 08:00:00', 'data[list_id]': 'a6b5da1054' };
    const posts: Record<string, string>[] = [
      {
        ...base,
        type: 'subscribe',
        'data[id]': '1',
        'data[email]': 'new@x.test',
        'data[ip_signup]': '10.0.0.1',
      },
      { ...base, type: 'profile', 'data[id]': '2', 'data[email]': 'p@x.test', 'data[merges][FNAME]': 'Pat' },
      {
        ...base,
        type: 'upemail',
        'data[new_id]': '51da8c3259',
        'data[new_email]': 'api+new@mailchimp.com',
        'data[old_email]': 'api+old@mailchimp.com',
      },
      {
        ...base,
        type: 'cleaned',
        'data[campaign_id]': '4fjk2ma9xd',
        'data[reason]': 'hard',
        'data[email]': 'c@x.test',
      },
      {
        ...base,
        type: 'campaign',
        'data[id]': '5aa2102003',
        'data[subject]': 'Test',
        'data[status]': 'sent',
      },
    ];
    for (const fields of posts) {
      // A moment apart, as they arrive: rows are processed in order of receipt.
      clock.advance(1_000);
      const res = await post(fields);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json().status).toBe('received');
    }
    await settle(t);
    const events = await eventsSince(from);
    expect(events.map((e) => [e.type, e.subject])).toEqual([
      ['contact.subscribed', 'contact:email:new@x.test'],
      ['contact.updated', 'contact:email:p@x.test'],
      ['contact.updated', 'contact:email:api+old@mailchimp.com'],
      ['email.bounced', 'contact:email:c@x.test'],
    ]);
    expect(events[1]!.payload).toMatchObject({ vendorEventType: 'profile', merges: { FNAME: 'Pat' } });
    expect(events[2]!.payload).toMatchObject({
      vendorEventType: 'upemail',
      previousEmail: 'api+old@mailchimp.com',
      newEmail: 'api+new@mailchimp.com',
      memberId: '51da8c3259',
    });
    expect(events[3]!.payload).toMatchObject({ reason: 'hard', campaignId: '4fjk2ma9xd' });
    const rows = await sql<{ status: string; n: number }>`
      SELECT status, count(*)::int AS n FROM inbound_webhooks GROUP BY status`.execute(t.db.kysely);
    // Every request processed (the campaign one with no event), none failed.
    expect(rows.rows).toEqual([{ status: 'processed', n: 6 }]);
  });

  it('a wrong or missing secret is 401 with nothing stored, and counted', async () => {
    const before = await countInbound();
    const fields = { type: 'unsubscribe', 'data[email]': 'x@x.test', 'data[list_id]': 'a6b5da1054' };
    for (const secret of ['not-the-secret', `${SECRET}x`, null]) {
      const res = await post(fields, secret);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await countInbound()).toBe(before);
    expect(await t.sb.metrics.metrics()).toMatch(
      /switchboard_webhook_inbound_total\{result="rejected",vendor="mailchimp"\} [5-9]/,
    );
  });
});
