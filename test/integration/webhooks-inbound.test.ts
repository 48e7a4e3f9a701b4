/**
 * Inbound webhooks: raw-body verification before parsing (Standard Webhooks, HMAC header, HubSpot v3 computed
 * independently here), 401 with nothing stored, webhook-id replay dedupe, 413, invalid JSON stored as failed and
 * reprocessable, canonical events from the processing job, and a crash between ingest and processing that loses
 * nothing (the job runs after a restart on the same database).
 */
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { createSwitchboard } from '../../src/server/main.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { systemActor } from '../../src/server/platform/auth/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import type { ConnectionsModule } from '../../src/server/modules/connections/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { createTestDb } from '../support/test-db.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { settle, standardWebhookSender } from './webhooks.fixture.js';

const clock = new TestClock(Date.now() + 2_000);
let t: TestApp;
let ws: SeededWorkspace;
const admin = () => ({ authorization: `Bearer ${ws.tokens.admin}` });

async function createEndpoint(payload: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/endpoints',
    headers: admin(),
    payload,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; secret: string; url: string }>();
}

const countInbound = async () =>
  Number(
    (await sql<{ n: string }>`SELECT count(*)::text AS n FROM inbound_webhooks`.execute(t.db.kysely)).rows[0]!
      .n,
  );

beforeAll(async () => {
  t = await createTestApp({ clock, roles: ['api', 'worker'] });
  ws = await seedWorkspace(t.db, clock, 'inbound');
});
afterAll(() => t?.close());

describe('inbound webhooks', () => {
  it('a Standard Webhooks endpoint: verified raw body stored, 200 fast, parsed into an event by the job; replayed id deduplicated', async () => {
    const ep = await createEndpoint({
      name: 'billing',
      scheme: 'standard_webhooks',
      eventType: 'billing.invoice_paid',
    });
    expect(ep.url).toMatch(/\/hooks\/generic\//);
    if (clock.nowMs() < Date.now()) clock.set(Date.now() + 1_000);
    const body = '{ "invoice": 7,   "amount": 12.5 }';
    const wh = new Webhook(ep.secret);
    const msgId = 'msg_inbound_1';
    const headers = {
      'content-type': 'application/json',
      'webhook-id': msgId,
      'webhook-timestamp': String(Math.floor(clock.nowMs() / 1000)),
      'webhook-signature': wh.sign(msgId, new Date(clock.nowMs()), body),
    };
    const res = await t.app.inject({
      method: 'POST',
      url: `/hooks/generic/${ep.id}`,
      headers,
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'received' });
    const again = await t.app.inject({
      method: 'POST',
      url: `/hooks/generic/${ep.id}`,
      headers,
      payload: body,
    });
    expect(again.json()).toEqual({ id: null, status: 'duplicate' });
    expect(await countInbound()).toBe(1);

    await settle(t);
    const log = await t.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/inbound/${res.json().id}`,
      headers: admin(),
    });
    expect(log.json()).toMatchObject({
      status: 'processed',
      eventsEmitted: 1,
      webhookId: `id:${msgId}`,
      body,
    });
    const events = await sql<{ type: string; payload: { data: unknown } }>`
      SELECT type, payload FROM events WHERE type = 'billing.invoice_paid'`.execute(t.db.kysely);
    expect(events.rows).toEqual([
      {
        type: 'billing.invoice_paid',
        payload: expect.objectContaining({ data: { invoice: 7, amount: 12.5 } }),
      },
    ]);
  });

  it('concurrent requests are stored in shared transactions: every one answered, a repeated id stored once', async () => {
    const ep = await createEndpoint({ name: 'burst', scheme: 'standard_webhooks' });
    const sender = standardWebhookSender(t, ep);
    const send = (id: string, n: number) => sender(id, { n });
    const before = await countInbound();
    const replies = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => send(`msg_burst_${i}`, i)),
      ...Array.from({ length: 5 }, () => send('msg_burst_same', 99)),
    ]);
    expect(replies.map((r) => r.statusCode)).toEqual(Array(35).fill(200));
    const statuses = replies.map((r) => r.json<{ status: string }>().status);
    expect(statuses.filter((s) => s === 'received')).toHaveLength(31);
    expect(statuses.filter((s) => s === 'duplicate')).toHaveLength(4);
    expect(await countInbound()).toBe(before + 31);
    await settle(t);
    const processed = await sql<{ n: string }>`
      SELECT count(*)::text AS n FROM inbound_webhooks WHERE source_id = ${ep.id} AND status = 'processed'`.execute(
      t.db.kysely,
    );
    expect(Number(processed.rows[0]!.n)).toBe(31);
  });

  it('bad or missing signatures and stale timestamps get 401 and store nothing; the rejection is counted', async () => {
    const ep = await createEndpoint({ name: 'strict', scheme: 'standard_webhooks' });
    const before = await countInbound();
    const body = '{"a":1}';
    const now = new Date(clock.nowMs());
    const signed = (secret: string, at: Date) => ({
      'content-type': 'application/json',
      'webhook-id': 'msg_x',
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign('msg_x', at, body),
    });
    for (const headers of [
      signed('whsec_' + Buffer.alloc(24, 1).toString('base64'), now),
      signed(ep.secret, new Date(now.getTime() - 10 * 60_000)),
      { 'content-type': 'application/json' },
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: `/hooks/generic/${ep.id}`,
        headers,
        payload: body,
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('WEBHOOK_SIGNATURE_INVALID');
    }
    expect(await countInbound()).toBe(before);
    const metrics = await t.sb.metrics.metrics();
    expect(metrics).toMatch(/switchboard_webhook_inbound_total\{result="rejected",vendor="generic"\} 3/);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/hooks/generic/00000000-0000-4000-8000-000000000009',
          payload: '{}',
        })
      ).statusCode,
    ).toBe(404);
  });

  it('HMAC-in-a-header endpoint; invalid JSON after verification is stored as failed (not 500) and can be reprocessed', async () => {
    const ep = await createEndpoint({
      name: 'shop',
      scheme: 'hmac_sha256',
      signatureHeader: 'X-Shop-Signature',
      signaturePrefix: 'sha256=',
    });
    const body = '{"order": 1,'; // truncated JSON
    const sig = 'sha256=' + createHmac('sha256', ep.secret).update(body).digest('hex');
    const res = await t.app.inject({
      method: 'POST',
      url: `/hooks/generic/${ep.id}`,
      headers: { 'content-type': 'application/json', 'x-shop-signature': sig },
      payload: body,
    });
    expect(res.statusCode, res.body).toBe(200);
    const id = res.json().id as string;
    await settle(t);
    const failed = await t.app.inject({
      method: 'GET',
      url: '/api/v1/webhooks/inbound?status=failed',
      headers: admin(),
    });
    expect(failed.json().items).toEqual([
      expect.objectContaining({ id, status: 'failed', error: expect.stringContaining('not valid JSON') }),
    ]);
    const wrong = await t.app.inject({
      method: 'POST',
      url: `/hooks/generic/${ep.id}`,
      headers: {
        'content-type': 'application/json',
        'x-shop-signature': sig.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
      },
      payload: body,
    });
    expect(wrong.statusCode).toBe(401);
    const re = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/inbound/${id}/reprocess`,
      headers: admin(),
    });
    expect(re.statusCode, re.body).toBe(202);
    await settle(t);
    const again = await t.app.inject({
      method: 'GET',
      url: `/api/v1/webhooks/inbound/${id}`,
      headers: admin(),
    });
    expect(again.json()).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('bodies over the limit get 413', async () => {
    const ep = await createEndpoint({ name: 'big', scheme: 'standard_webhooks' });
    const res = await t.app.inject({
      method: 'POST',
      url: `/hooks/generic/${ep.id}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ pad: 'x'.repeat(t.config.bodyLimitBytes) }),
    });
    expect(res.statusCode).toBe(413);
    expect(await t.sb.metrics.metrics()).toMatch(
      /switchboard_webhook_inbound_total\{result="too_large",vendor="unknown"\} 1/,
    );
  });

  it('HubSpot v3 on /hooks/{connectionId}, with the signature computed independently here; contact events come out', async () => {
    const connections = t.sb.modules.find((m) => m.name === 'connections') as ConnectionsModule | undefined;
    if (!connections) throw new Error('the connections module is not wired (src/server/modules.ts)');
    const conn = await connections.services.create(systemActor(ws.workspaceId, 'cli'), {
      vendor: 'hubspot',
      name: 'HubSpot app',
      credentials: { clientId: 'cid', clientSecret: 'the-app-client-secret', refreshToken: 'rt' },
    });
    const body = JSON.stringify([
      {
        eventId: 1,
        subscriptionType: 'contact.propertyChange',
        objectId: 901,
        propertyName: 'email',
        propertyValue: 'a@b.test',
        occurredAt: clock.nowMs(),
      },
      { eventId: 2, subscriptionType: 'contact.creation', objectId: 902, occurredAt: clock.nowMs() },
    ]);
    const path = `/hooks/${conn.id}?portal=%40acme`;
    const ts = String(clock.nowMs());
    // HubSpot signs the URI it called with %40 decoded to @ (its documented list of decoded characters).
    const signed = `POST${t.config.publicUrl}/hooks/${conn.id}?portal=@acme${body}${ts}`;
    const signature = createHmac('sha256', 'the-app-client-secret').update(signed).digest('base64');
    const headers = {
      'content-type': 'application/json',
      'x-hubspot-signature-v3': signature,
      'x-hubspot-request-timestamp': ts,
    };
    const post = (h: Record<string, string>, b: string) =>
      t.app.inject({ method: 'POST', url: path, headers: h, payload: b });
    const ok = await post(headers, body);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().status).toBe('received');
    expect((await post(headers, body)).json().status).toBe('duplicate');
    expect((await post(headers, body + ' ')).statusCode).toBe(401);
    const stale = await post(
      { ...headers, 'x-hubspot-request-timestamp': String(clock.nowMs() - 6 * 60_000) },
      body,
    );
    expect(stale.statusCode).toBe(401);
    expect(stale.json().error).toMatchObject({
      code: 'WEBHOOK_SIGNATURE_INVALID',
      details: { reason: 'timestamp_too_old' },
    });
    await settle(t);
    const events = await sql<{ type: string; subject: string }>`
      SELECT type, subject FROM events WHERE type LIKE 'contact.%' ORDER BY seq`.execute(t.db.kysely);
    expect(events.rows).toEqual([
      { type: 'contact.updated', subject: 'contact:hubspot:901' },
      { type: 'contact.created', subject: 'contact:hubspot:902' },
    ]);
  });

  it('a private-app HubSpot connection verifies with its webhookSecret credential; without one it is 401', async () => {
    const connections = t.sb.modules.find((m) => m.name === 'connections') as ConnectionsModule | undefined;
    if (!connections) throw new Error('the connections module is not wired (src/server/modules.ts)');
    const actor = systemActor(ws.workspaceId, 'cli');
    const withSecret = await connections.services.create(actor, {
      vendor: 'hubspot',
      name: 'HubSpot private app',
      credentials: { accessToken: 'pat-na1-test', webhookSecret: 'private-app-webhook-secret' },
    });
    const without = await connections.services.create(actor, {
      vendor: 'hubspot',
      name: 'HubSpot private app without secret',
      credentials: { accessToken: 'pat-na1-test' },
    });
    const body = JSON.stringify([
      { eventId: 7, subscriptionType: 'contact.creation', objectId: 907, occurredAt: clock.nowMs() },
    ]);
    const ts = String(clock.nowMs());
    const sign = (id: string) =>
      createHmac('sha256', 'private-app-webhook-secret')
        .update(`POST${t.config.publicUrl}/hooks/${id}${body}${ts}`)
        .digest('base64');
    const post = (id: string) =>
      t.app.inject({
        method: 'POST',
        url: `/hooks/${id}`,
        headers: {
          'content-type': 'application/json',
          'x-hubspot-signature-v3': sign(id),
          'x-hubspot-request-timestamp': ts,
        },
        payload: body,
      });
    const ok = await post(withSecret.id);
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await post(without.id)).statusCode).toBe(401);
  });
});

describe('durability', () => {
  it('a crash between ingest and processing loses nothing: the job runs after a restart', async () => {
    const testDb = await createTestDb();
    const dataDir = t.config.dataDir;
    const config = loadConfig(
      {
        SWITCHBOARD_LOG_LEVEL: 'silent',
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
        SWITCHBOARD_CONFIG_FILE: '',
      },
      dataDir,
    );
    const c = new TestClock(Date.now() + 5_000);
    // First life: api only (nothing processes), then it "crashes" (stopped without any worker having run).
    const first = await createSwitchboard({
      config,
      clock: c,
      logger: silentLogger(),
      db: testDb.db,
      roles: ['api'],
    });
    await first.http.ready();
    const seeded = await seedWorkspace(testDb.db, c, 'crash');
    const created = await first.http.inject({
      method: 'POST',
      url: '/api/v1/webhooks/endpoints',
      headers: { authorization: `Bearer ${seeded.tokens.admin}` },
      payload: { name: 'n', scheme: 'hmac_sha256', signatureHeader: 'x-sig', secret: 'a-shared-secret' },
    });
    const epId = created.json().id as string;
    const body = '{"n":1}';
    const res = await first.http.inject({
      method: 'POST',
      url: `/hooks/generic/${epId}`,
      headers: {
        'content-type': 'application/json',
        'x-sig': createHmac('sha256', 'a-shared-secret').update(body).digest('hex'),
      },
      payload: body,
    });
    expect(res.statusCode).toBe(200);
    await first.stop();

    // Second life: a worker on the same database finds the stored request and its job.
    const second = await createSwitchboard({
      config,
      clock: c,
      logger: silentLogger(),
      db: testDb.db,
      roles: ['api', 'worker'],
    });
    try {
      expect(await second.worker!.drain()).toBeGreaterThan(0);
      const row = await sql<{ status: string; events_emitted: number }>`
        SELECT status, events_emitted FROM inbound_webhooks WHERE id = ${res.json().id}`.execute(
        testDb.db.kysely,
      );
      expect(row.rows[0]).toEqual({ status: 'processed', events_emitted: 1 });
    } finally {
      await second.stop();
      await testDb.close();
    }
  });
});
