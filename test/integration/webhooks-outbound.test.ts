/**
 * Outbound webhooks end to end on a whole app: subscriptions over REST, events → messages (the consumer) → durable
 * delivery jobs → a real HTTP receiver on 127.0.0.1. Signatures checked with the official `standardwebhooks`
 * library; retries driven with the test clock; 410 and 3-day auto-disable; per-subscription order; SSRF at save
 * and connect time; replay; ping; thin events.
 */
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import { createWebhooksModule, verifyWebhook } from '../../src/server/modules/webhooks/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { settle, startReceiver, type Receiver } from './webhooks.fixture.js';

// Near the real time: the official library checks webhook-timestamp against Date.now() (first test only).
const clock = new TestClock(Date.now() + 2_000);
let t: TestApp;
let ws: SeededWorkspace;
let rx: Receiver;

const admin = () => ({ authorization: `Bearer ${ws.tokens.admin}` });
const editor = () => ({ authorization: `Bearer ${ws.tokens.editor}` });

async function subscribe(body: Record<string, unknown>) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/webhooks/subscriptions',
    headers: admin(),
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<{ id: string; secret: string; url: string }>();
}

async function emit(type: string, payload: unknown = {}) {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/v1/events',
    headers: editor(),
    payload: { type, payload },
  });
  expect(res.statusCode, res.body).toBe(201);
}

async function setAllowed(hosts: string[]) {
  const res = await t.app.inject({
    method: 'PUT',
    url: '/api/v1/webhooks/settings',
    headers: admin(),
    payload: { allowedHosts: hosts },
  });
  expect(res.statusCode, res.body).toBe(200);
}

async function messagesOf(subscriptionId: string) {
  const res = await t.app.inject({
    method: 'GET',
    url: `/api/v1/webhooks/messages?subscriptionId=${subscriptionId}`,
    headers: admin(),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ items: { id: string; status: string; attempts: number; eventType: string }[] }>().items;
}

async function messageDetail(id: string) {
  const res = await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/messages/${id}`, headers: admin() });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{
    status: string;
    body: string;
    attemptLog: {
      outcome: string;
      responseStatus: number | null;
      startedAt: string;
      requestHeaders: Record<string, string>;
      responseBody: string | null;
    }[];
  }>();
}

const at = (path: string) => rx.received.filter((r) => r.path === path);

async function notificationsOf(role: 'owner' | 'admin' | 'editor' | 'publisher' | 'viewer') {
  const res = await t.app.inject({
    url: '/api/v1/notifications?limit=100',
    headers: { authorization: `Bearer ${ws.tokens[role]}` },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{
    items: { kind: string; title: string; subject: string; data: Record<string, unknown> }[];
  }>().items;
}

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({ clock, roles: ['api', 'worker'] });
  ws = await seedWorkspace(t.db, clock, 'hooks');
  await setAllowed(['127.0.0.1']);
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});
beforeEach(() => {
  rx.received.length = 0;
});

describe('outbound webhooks', () => {
  it('delivers a matching event once, signed so that the official standardwebhooks library verifies it', async () => {
    const sub = await subscribe({ url: rx.url('/a'), eventTypes: ['shop.*'], description: 'orders' });
    expect(sub.secret).toMatch(/^whsec_/);
    await emit('shop.order_paid', { order: 42, total: '19.99' });
    await emit('other.thing', {});
    await settle(t);
    expect(at('/a')).toHaveLength(1);
    const got = at('/a')[0]!;
    const payload = new Webhook(sub.secret).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      data: unknown;
    };
    expect(payload).toMatchObject({ type: 'shop.order_paid', data: { order: 42, total: '19.99' } });
    expect(got.headers['webhook-id']).toMatch(/^msg_/);
    const [msg] = await messagesOf(sub.id);
    expect(msg).toMatchObject({ id: got.headers['webhook-id'], status: 'succeeded', attempts: 1 });
    const detail = await messageDetail(msg!.id);
    expect(detail.attemptLog).toHaveLength(1);
    expect(detail.attemptLog[0]).toMatchObject({
      outcome: 'succeeded',
      responseStatus: 200,
      responseBody: 'ok',
    });
    expect(Object.keys(detail.attemptLog[0]!.requestHeaders)).toEqual(
      expect.arrayContaining(['webhook-id', 'webhook-timestamp', 'webhook-signature']),
    );
    expect(JSON.stringify(detail.attemptLog)).not.toContain(sub.secret.slice(6));
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/subscriptions/${sub.id}`,
      headers: admin(),
    });
  });

  it('rotation: for 24 h deliveries carry both signatures, each verifies with its secret; then only the new one', async () => {
    const sub = await subscribe({ url: rx.url('/rot'), eventTypes: ['shop.rotated'] });
    const rotated = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/subscriptions/${sub.id}/rotate-secret`,
      headers: admin(),
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret: newSecret, previousSecretValidUntil } = rotated.json<{
      secret: string;
      previousSecretValidUntil: string;
    }>();
    expect(newSecret).not.toBe(sub.secret);
    expect(new Date(previousSecretValidUntil).getTime() - clock.nowMs()).toBe(24 * 3_600_000);
    await emit('shop.rotated');
    await settle(t);
    const first = at('/rot')[0]!;
    expect(String(first.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const s of [sub.secret, newSecret])
      expect(() => new Webhook(s).verify(first.body, first.headers as Record<string, string>)).not.toThrow();

    clock.advance(24 * 3_600_000 + 1_000);
    await emit('shop.rotated');
    await settle(t);
    const second = at('/rot')[1]!;
    const now = Math.floor(clock.nowMs() / 1000);
    expect(String(second.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifyWebhook([newSecret], second.headers, second.body, now).ok).toBe(true);
    expect(verifyWebhook([sub.secret], second.headers, second.body, now).ok).toBe(false);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/subscriptions/${sub.id}`,
      headers: admin(),
    });
  });

  it('retries on the schedule (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) with the test clock, then dead-letters; replay delivers', async () => {
    const sub = await subscribe({ url: rx.url('/fail'), eventTypes: ['shop.retry'] });
    rx.script('/fail', ...Array.from({ length: 8 }, () => ({ status: 500, body: 'boom'.repeat(2000) })));
    await emit('shop.retry');
    await settle(t);
    const schedule = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
    for (const delay of schedule) {
      expect(at('/fail').length).toBeLessThan(8);
      clock.advance(delay - 1_000);
      const before = at('/fail').length;
      await settle(t);
      expect(at('/fail').length, 'not before its time').toBe(before);
      clock.advance(1_000);
      await settle(t);
      expect(at('/fail').length).toBe(before + 1);
    }
    const [msg] = await messagesOf(sub.id);
    expect(msg).toMatchObject({ status: 'dead', attempts: 8 });
    const detail = await messageDetail(msg!.id);
    const gaps = detail.attemptLog
      .slice(1)
      .map((a, i) => Date.parse(a.startedAt) - Date.parse(detail.attemptLog[i]!.startedAt));
    expect(gaps).toEqual(schedule);
    expect(detail.attemptLog[0]!.responseBody).toHaveLength(4096);
    clock.advance(3_600_000);
    expect(await settle(t)).toBe(0);

    // Dead letters: replay all dead messages of the subscription; same message id, fresh signature.
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/replay',
      headers: admin(),
      payload: { subscriptionId: sub.id, dead: true },
    });
    expect(replay.statusCode, replay.body).toBe(202);
    expect(replay.json()).toEqual({ replayed: [msg!.id], skipped: 0 });
    await settle(t);
    expect(at('/fail').at(-1)!.headers['webhook-id']).toBe(msg!.id);
    expect((await messagesOf(sub.id))[0]).toMatchObject({ status: 'succeeded', attempts: 9 });
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/subscriptions/${sub.id}`,
      headers: admin(),
    });
  });

  it('honours Retry-After from the receiver', async () => {
    const sub = await subscribe({ url: rx.url('/busy'), eventTypes: ['shop.busy'] });
    rx.script('/busy', { status: 503, headers: { 'retry-after': '120' } });
    await emit('shop.busy');
    await settle(t);
    expect(at('/busy')).toHaveLength(1);
    clock.advance(119_000);
    await settle(t);
    expect(at('/busy')).toHaveLength(1);
    clock.advance(1_000);
    await settle(t);
    expect(at('/busy')).toHaveLength(2);
    expect((await messagesOf(sub.id))[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/subscriptions/${sub.id}`,
      headers: admin(),
    });
  });

  it('410 Gone disables the subscription at once; owners and admins are told in the app', async () => {
    const sub = await subscribe({ url: rx.url('/gone'), eventTypes: ['shop.gone'] });
    rx.script('/gone', { status: 410 });
    await emit('shop.gone');
    await settle(t);
    const s = (
      await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/subscriptions/${sub.id}`, headers: admin() })
    ).json();
    expect(s).toMatchObject({ enabled: false, disabledReason: 'the receiver answered 410 Gone' });
    expect((await messagesOf(sub.id))[0]).toMatchObject({ status: 'dead', attempts: 1 });
    await emit('shop.gone');
    await settle(t);
    expect(at('/gone')).toHaveLength(1);
    const notice = (await notificationsOf('admin')).find((n) => n.data.subscriptionId === sub.id);
    expect(notice).toMatchObject({
      kind: 'webhook_disabled',
      title: `Webhook disabled: ${sub.url}`,
      subject: `webhook_subscription:${sub.id}`,
      data: { cause: 'receiver_gone', reason: 'the receiver answered 410 Gone' },
    });
  });

  it('a subscription failing for 3 days is disabled, the event recorded, every owner and admin notified and emailed', async () => {
    const sub = await subscribe({ url: rx.url('/down'), eventTypes: ['shop.down'], ordering: 'parallel' });
    rx.fallback = { status: 500 };
    try {
      const start = clock.nowMs();
      for (let day = 0; day < 4; day++) {
        await emit('shop.down', { day });
        await settle(t);
        clock.advance(5_000);
        await settle(t);
        clock.advance(24 * 3_600_000 - 5_000);
      }
      expect(clock.nowMs() - start).toBeGreaterThan(3 * 24 * 3_600_000);
    } finally {
      rx.fallback = { status: 200, body: 'ok' };
    }
    const s = (
      await t.app.inject({ method: 'GET', url: `/api/v1/webhooks/subscriptions/${sub.id}`, headers: admin() })
    ).json();
    expect(s).toMatchObject({ enabled: false, disabledReason: 'every delivery failed for 3 days' });
    const events = await sql<{ type: string; payload: { subscriptionId: string; cause: string } }>`
      SELECT type, payload FROM events WHERE type = 'webhook.subscription_disabled'`.execute(t.db.kysely);
    // Once, although several parallel messages failed past the 3 days.
    expect(events.rows.filter((e) => e.payload.subscriptionId === sub.id)).toEqual([
      expect.objectContaining({ payload: expect.objectContaining({ cause: 'failing' }) }),
    ]);
    // The notifications consumer turns the event into an in-app notice and an email for each owner and admin.
    for (const role of ['owner', 'admin'] as const) {
      const mine = (await notificationsOf(role)).filter((n) => n.data.subscriptionId === sub.id);
      expect(mine).toEqual([
        expect.objectContaining({
          kind: 'webhook_disabled',
          data: expect.objectContaining({ reason: 'every delivery failed for 3 days', url: sub.url }),
        }),
      ]);
    }
    for (const role of ['editor', 'publisher', 'viewer'] as const) {
      expect((await notificationsOf(role)).filter((n) => n.data.subscriptionId === sub.id)).toEqual([]);
    }
    const emails = await sql<{ payload: { userId: string; subject: string; text: string } }>`
      SELECT payload FROM jobs WHERE name = 'notifications.email'`.execute(t.db.kysely);
    const told = emails.rows.filter((r) => r.payload.subject.includes('/down'));
    expect(told.map((r) => r.payload.userId).sort()).toEqual([ws.users.owner.id, ws.users.admin.id].sort());
    expect(told[0]!.payload.text).toContain(`${t.config.publicUrl}/webhooks`);
  });

  it('delivers in event order per subscription: a failing first message holds back the rest', async () => {
    const sub = await subscribe({ url: rx.url('/ordered'), eventTypes: ['shop.seq'] });
    rx.script('/ordered', { status: 500 });
    for (let n = 1; n <= 5; n++) await emit('shop.seq', { n });
    await settle(t);
    expect(at('/ordered')).toHaveLength(1);
    clock.advance(5_000);
    await settle(t);
    const ns = at('/ordered').map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n);
    expect(ns).toEqual([1, 1, 2, 3, 4, 5]);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/subscriptions/${sub.id}`,
      headers: admin(),
    });
  });

  it('SSRF: refuses private targets at save time (also a host name resolving to 127.0.0.1) and at connect time', async () => {
    await setAllowed([]);
    for (const url of [
      rx.url('/x'),
      `http://localhost:${rx.port}/x`,
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/x',
    ]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/api/v1/webhooks/subscriptions',
        headers: admin(),
        payload: { url },
      });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error.code).toBe('WEBHOOK_TARGET_REFUSED');
    }
    // Allowed when saved, no longer allowed when delivering: both the IP-literal and the resolved-name paths refuse.
    await setAllowed(['127.0.0.1', 'localhost']);
    const byIp = await subscribe({ url: rx.url('/ssrf-ip'), eventTypes: ['shop.ssrf'] });
    const byName = await subscribe({
      url: `http://localhost:${rx.port}/ssrf-name`,
      eventTypes: ['shop.ssrf'],
    });
    await setAllowed([]);
    await emit('shop.ssrf');
    await settle(t);
    expect(at('/ssrf-ip')).toHaveLength(0);
    expect(at('/ssrf-name')).toHaveLength(0);
    for (const sub of [byIp, byName]) {
      const [m] = await messagesOf(sub.id);
      const d = await messageDetail(m!.id);
      expect(d.attemptLog[0]).toMatchObject({ outcome: 'refused', responseStatus: null });
      await t.app.inject({
        method: 'DELETE',
        url: `/api/v1/webhooks/subscriptions/${sub.id}`,
        headers: admin(),
      });
    }
    await setAllowed(['127.0.0.1']);
  });

  it('ping sends a webhook.ping; replay of one message and of everything since a time', async () => {
    const sub = await subscribe({ url: rx.url('/ping'), eventTypes: ['shop.none'] });
    const ping = await t.app.inject({
      method: 'POST',
      url: `/api/v1/webhooks/subscriptions/${sub.id}/ping`,
      headers: admin(),
    });
    expect(ping.statusCode, ping.body).toBe(202);
    await settle(t);
    expect(JSON.parse(at('/ping')[0]!.body)).toMatchObject({ type: 'webhook.ping' });
    const since = clock.now().toISOString();
    const one = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/replay',
      headers: admin(),
      payload: { messageId: ping.json().id },
    });
    expect(one.json()).toEqual({ replayed: [ping.json().id], skipped: 0 });
    await settle(t);
    expect(at('/ping')).toHaveLength(2);
    const all = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/replay',
      headers: admin(),
      payload: { since, subscriptionId: sub.id },
    });
    expect(all.json().replayed).toEqual([ping.json().id]);
    const bad = await t.app.inject({
      method: 'POST',
      url: '/api/v1/webhooks/replay',
      headers: admin(),
      payload: { dead: true },
    });
    expect(bad.statusCode).toBe(400);
    await t.app.inject({
      method: 'DELETE',
      url: `/api/v1/webhooks/subscriptions/${sub.id}`,
      headers: admin(),
    });
  });

  it('payloads over the limit go out thin, with a payloadUrl that only the token opens', async () => {
    const sub = await subscribe({ url: rx.url('/thin'), eventTypes: ['shop.none'] });
    // A second instance of the module with a tiny limit creates the message; the app's worker delivers it.
    const small = createWebhooksModule({
      config: t.sb.config,
      db: t.sb.db,
      clock,
      logger: t.sb.logger,
      metrics: t.sb.metrics,
      events: t.sb.events,
      audit: t.sb.audit,
      secrets: t.sb.secrets,
      options: { thinPayloadBytes: 100 },
    });
    const actor = {
      kind: 'user' as const,
      userId: ws.users.admin.id,
      tokenId: null,
      workspaceId: ws.workspaceId,
      role: 'admin' as const,
      origin: 'api' as const,
    };
    await small.services.pingSubscription(actor, sub.id);
    await small.close();
    await settle(t);
    const body = JSON.parse(at('/thin')[0]!.body) as { thin: boolean; data: unknown; payloadUrl: string };
    expect(body).toMatchObject({ thin: true, data: null });
    const url = new URL(body.payloadUrl);
    const full = await t.app.inject({ method: 'GET', url: url.pathname + url.search });
    expect(full.statusCode, full.body).toBe(200);
    expect(full.json()).toMatchObject({ type: 'webhook.ping', data: { subscriptionId: sub.id } });
    const forged = await t.app.inject({ method: 'GET', url: `${url.pathname}?token=${'A'.repeat(43)}` });
    expect(forged.statusCode).toBe(403);
  });

  it('viewers and editors cannot see or manage webhooks', async () => {
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/v1/webhooks/subscriptions',
      headers: editor(),
    });
    expect(res.statusCode).toBe(403);
  });
});
