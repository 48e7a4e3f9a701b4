/**
 * Webhook retention end to end, driven by the test clock: real inbound requests (HMAC endpoint) and real outbound
 * deliveries to a receiver on 127.0.0.1 build history; `pruneHistory` (the body of the hourly `webhooks.prune` job)
 * deletes only finished rows older than the retention (2 days here), in batches; inbound rows stay for the 7-day
 * replay-protection window whatever the retention, so a sender's retry is still answered `duplicate`; pending
 * messages and unprocessed requests are never deleted. The cron entry fires the job through the scheduler.
 */
import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createScheduler } from '../../src/server/platform/queue/index.js';
import type { WebhooksModule } from '../../src/server/modules/webhooks/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { settle, startReceiver, type Receiver } from './webhooks.fixture.js';

const DAY = 24 * 3_600_000;
const clock = new TestClock(Date.now() + 2_000);
let t: TestApp;
let ws: SeededWorkspace;
let rx: Receiver;
let webhooks: WebhooksModule;
let endpoint: { id: string; secret: string };

const admin = () => ({ authorization: `Bearer ${ws.tokens.admin}` });

async function api(method: 'POST' | 'PUT', url: string, payload: unknown, status: number) {
  const res = await t.app.inject({ method, url, headers: admin(), payload: payload as object });
  expect(res.statusCode, res.body).toBe(status);
  return res.json<Record<string, unknown>>();
}

async function emit(type: string) {
  await api('POST', '/api/v1/events', { type, payload: {} }, 201);
}

async function postInbound(body: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: `/hooks/generic/${endpoint.id}`,
    headers: {
      'content-type': 'application/json',
      'x-shop-signature': createHmac('sha256', endpoint.secret).update(body).digest('hex'),
    },
    payload: body,
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ status: string }>().status;
}

/** Rows by status, e.g. `{ processed: 1, failed: 1 }`. */
async function countBy(table: 'inbound_webhooks' | 'webhook_messages'): Promise<Record<string, number>> {
  const r = await sql<{ status: string; n: number }>`
    SELECT status, count(*)::int AS n FROM ${sql.table(table)} GROUP BY status`.execute(t.db.kysely);
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
}

const countAttempts = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM webhook_attempts`.execute(t.db.kysely)).rows[0]!.n;

beforeAll(async () => {
  rx = await startReceiver();
  t = await createTestApp({
    clock,
    roles: ['api', 'worker'],
    env: { SWITCHBOARD_WEBHOOK_RETENTION_DAYS: '2' },
  });
  ws = await seedWorkspace(t.db, clock, 'retention');
  webhooks = t.sb.modules.find((m) => m.name === 'webhooks') as WebhooksModule;
  await api('PUT', '/api/v1/webhooks/settings', { allowedHosts: ['127.0.0.1'] }, 200);
  endpoint = (await api(
    'POST',
    '/api/v1/webhooks/endpoints',
    {
      name: 'shop',
      scheme: 'hmac_sha256',
      signatureHeader: 'x-shop-signature',
      eventType: 'shop.order_paid',
    },
    201,
  )) as { id: string; secret: string };
});
afterAll(async () => {
  await t?.close();
  await rx?.close();
});

describe('webhook retention', () => {
  it('defaults to 30 days and takes SWITCHBOARD_WEBHOOK_RETENTION_DAYS', () => {
    expect(loadConfig({ SWITCHBOARD_CONFIG_FILE: '' }).webhookRetentionDays).toBe(30);
    expect(t.config.webhookRetentionDays).toBe(2);
    expect(webhooks.context.options.retentionMs).toBe(2 * DAY);
    expect(() =>
      loadConfig({ SWITCHBOARD_CONFIG_FILE: '', SWITCHBOARD_WEBHOOK_RETENTION_DAYS: '0' }),
    ).toThrow(/SWITCHBOARD_WEBHOOK_RETENTION_DAYS/);
  });

  it('prunes finished history after the retention, in batches; keeps pending work and the replay-protection window', async () => {
    // Day 0: a processed and a failed (invalid JSON) inbound request; a delivered, a dead (410) and a pending
    // (500, retry scheduled) message.
    for (const [path, eventTypes] of [
      ['/ok', ['shop.ok']],
      ['/gone', ['shop.gone']],
      ['/slow', ['shop.slow']],
    ] as const)
      await api('POST', '/api/v1/webhooks/subscriptions', { url: rx.url(path), eventTypes }, 201);
    rx.script('/gone', { status: 410 });
    rx.script('/slow', { status: 500 });
    expect(await postInbound('{"order":1}')).toBe('received');
    expect(await postInbound('not json')).toBe('received');
    await emit('shop.ok');
    await emit('shop.gone');
    await emit('shop.slow');
    await settle(t);
    // Stored but not processed yet (no worker run after it).
    expect(await postInbound('{"order":2}')).toBe('received');
    expect(await countBy('inbound_webhooks')).toEqual({ processed: 1, failed: 1, received: 1 });
    expect(await countBy('webhook_messages')).toEqual({ succeeded: 1, dead: 1, pending: 1 });
    expect(await countAttempts()).toBe(3);

    // Within the retention: nothing goes.
    clock.advance(DAY);
    expect(await webhooks.services.pruneHistory()).toEqual({ inbound: 0, messages: 0 });

    // Past the 2-day retention, one row per batch: the finished messages and their attempts go; the pending one
    // (and its attempt) stays. Inbound rows are younger than the 7-day replay window: kept.
    webhooks.context.options.pruneBatchSize = 1;
    clock.advance(1.5 * DAY);
    expect(await webhooks.services.pruneHistory()).toEqual({ inbound: 0, messages: 2 });
    expect(await countBy('webhook_messages')).toEqual({ pending: 1 });
    expect(await countAttempts()).toBe(1);
    expect(await countBy('inbound_webhooks')).toEqual({ processed: 1, failed: 1, received: 1 });
    // The sender retrying the first request is still recognised.
    expect(await postInbound('{"order":1}')).toBe('duplicate');

    // Past the replay window: the processed and the failed request go, the unprocessed one stays; the same body is
    // now a new request.
    clock.advance(5 * DAY);
    expect(await webhooks.services.pruneHistory()).toEqual({ inbound: 2, messages: 0 });
    expect(await countBy('inbound_webhooks')).toEqual({ received: 1 });
    expect(await countBy('webhook_messages')).toEqual({ pending: 1 });
    expect(await postInbound('{"order":1}')).toBe('received');
    expect(await t.sb.metrics.metrics()).toMatch(/switchboard_webhook_pruned_total\{kind="message"\} 2/);
  });

  it('the hourly cron entry fires webhooks.prune, which the worker runs', async () => {
    webhooks.context.options.pruneBatchSize = 500;
    // Everything waiting runs now: the pending message is delivered, the stored requests processed.
    await settle(t);
    expect(await countBy('webhook_messages')).toEqual({ succeeded: 1 });
    expect(await countBy('inbound_webhooks')).toEqual({ processed: 2 });

    const scheduler = createScheduler({
      db: t.db,
      catalog: t.sb.jobs,
      entries: webhooks.cron,
      clock,
      logger: silentLogger(),
    });
    expect((await scheduler.tick()).fired).toEqual([]); // first sight: the baseline
    clock.advance(3 * DAY);
    const { fired } = await scheduler.tick();
    expect(fired.map((f) => f.name)).toEqual(['webhooks.prune']);
    await settle(t);
    const job = await sql<{ state: string }>`
      SELECT state FROM jobs WHERE id = ${fired[0]!.jobId}`.execute(t.db.kysely);
    expect(job.rows[0]?.state).toBe('completed');
    // The message finished 3 days ago: gone. The request received first (day 0, processed just now) is past both
    // the retention and the replay window: gone; the one received 3 days ago is inside the window: kept.
    expect(await countBy('webhook_messages')).toEqual({});
    expect(await countBy('inbound_webhooks')).toEqual({ processed: 1 });
    await scheduler.stop();
  });
});
