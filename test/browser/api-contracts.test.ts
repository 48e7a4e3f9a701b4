/**
 * The web app's contracts (src/contracts/{connections,deliveries,webhooks}.contract.ts) against the real API: a whole
 * app (api + worker) publishes to the HubSpot sandbox over real HTTP, fails a delivery under a sandbox fault, replays
 * it, and pings a webhook receiver; every answer the screens read is parsed with the contract schemas, and each
 * object must carry exactly the contract's keys, so a server change the UI does not know about fails here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  CONNECTION_STATUSES,
  DELIVERY_ACTIONS,
  DELIVERY_STATUSES,
  DESTINATION_ACTIONS,
  INBOUND_WEBHOOK_STATUSES,
  RESOLVE_OUTCOMES,
  WEBHOOK_MESSAGE_STATUSES,
  bulkReplayResultSchema,
  connectionHealthSchema,
  connectionSchema,
  connectionTestResultSchema,
  connectorSchema,
  contentDeliveriesSchema,
  deliveryDetailSchema,
  deliverySchema,
  destinationsBodySchema,
  inboundWebhookSchema,
  subscriptionSchema,
  subscriptionWithSecretSchema,
  webhookMessageDetailSchema,
  webhookMessageSchema,
  webhookSettingsSchema,
} from '../../src/contracts/index.js';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import { CONNECTION_STATUSES as SERVER_CONNECTION_STATUSES } from '../../src/server/modules/connections/connections.repo.js';
import * as machine from '../../src/server/modules/deliveries/deliveries.machine.js';
import { DESTINATION_ACTIONS as SERVER_DESTINATION_ACTIONS } from '../../src/server/modules/deliveries/destinations.service.js';
import {
  INBOUND_STATUSES as SERVER_INBOUND_STATUSES,
  MESSAGE_STATUSES as SERVER_MESSAGE_STATUSES,
} from '../../src/server/modules/webhooks/webhooks.tables.js';
import {
  approveAndPublish,
  createLedgerApp,
  createPost,
  waitFor,
  type LedgerApp,
} from '../integration/deliveries.fixture.js';

type AnyObject = z.ZodObject<z.ZodRawShape>;

/** Parses with the contract and checks the keys match both ways (optional contract keys may be absent). */
function expectContract<S extends AnyObject>(schema: S, value: unknown, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  expect(parsed.success, `${what}: ${parsed.error?.message ?? ''}`).toBe(true);
  const shape = schema.shape;
  const actual = Object.keys(value as object).sort();
  const unknownToContract = actual.filter((k) => !(k in shape));
  expect(unknownToContract, `${what}: fields the contract does not know`).toEqual([]);
  const missing = Object.keys(shape).filter(
    (k) => !actual.includes(k) && !(shape[k] as z.ZodType).safeParse(undefined).success,
  );
  expect(missing, `${what}: contract fields the API does not send`).toEqual([]);
  return parsed.data as z.infer<S>;
}

let app: LedgerApp;
let hubspot: HubSpotSandbox;
let connectionId: string;

beforeAll(async () => {
  hubspot = await startHubSpotSandbox();
  app = await createLedgerApp({ env: { SWITCHBOARD_DELIVERY_MAX_ATTEMPTS: '1' } });
}, 60_000);

afterAll(async () => {
  await app?.close();
  await hubspot?.close();
});

async function json(
  role: Parameters<LedgerApp['call']>[0],
  method: Parameters<LedgerApp['call']>[1],
  url: string,
  status: number,
  body?: unknown,
): Promise<unknown> {
  const res = await app.call(role, method, url, body);
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
  return res.body ? res.json() : undefined;
}

describe('web contracts match the API', () => {
  it('shares the server’s status and action lists', () => {
    expect(DELIVERY_STATUSES).toEqual(machine.DELIVERY_STATUSES);
    expect(DELIVERY_ACTIONS).toEqual(machine.DELIVERY_ACTIONS);
    expect(RESOLVE_OUTCOMES).toEqual(machine.RESOLVE_OUTCOMES);
    expect(DESTINATION_ACTIONS).toEqual(SERVER_DESTINATION_ACTIONS);
    expect(CONNECTION_STATUSES).toEqual(SERVER_CONNECTION_STATUSES);
    expect(WEBHOOK_MESSAGE_STATUSES).toEqual(SERVER_MESSAGE_STATUSES);
    expect(INBOUND_WEBHOOK_STATUSES).toEqual(SERVER_INBOUND_STATUSES);
  });

  it('connectors, connections, health and test', async () => {
    const list = (await json('viewer', 'GET', '/api/v1/connectors', 200)) as { items: unknown[] };
    expect(list.items.length).toBeGreaterThan(0);
    for (const c of list.items) expectContract(connectorSchema, c, 'connector');

    const created = expectContract(
      connectionSchema,
      await json('admin', 'POST', '/api/v1/connections', 201, {
        vendor: 'hubspot',
        name: 'HubSpot sandbox',
        baseUrl: hubspot.url,
        sandbox: true,
        config: { blogId: hubspot.blogId },
        credentials: { accessToken: hubspot.privateAppToken },
      }),
      'created connection',
    );
    connectionId = created.id;
    expect(created.label).toBe('HubSpot sandbox [sandbox]');
    const all = (await json('viewer', 'GET', '/api/v1/connections', 200)) as { items: unknown[] };
    for (const c of all.items) expectContract(connectionSchema, c, 'listed connection');
    const one = expectContract(
      connectionSchema,
      await json('viewer', 'GET', `/api/v1/connections/${connectionId}`, 200),
      'one connection',
    );
    expectContract(connectorSchema, one.manifest, 'manifest');
    const test = expectContract(
      connectionTestResultSchema,
      await json('publisher', 'POST', `/api/v1/connections/${connectionId}/test`, 200),
      'test result',
    );
    expect(test.ok).toBe(true);
    const health = expectContract(
      connectionHealthSchema,
      await json('viewer', 'GET', `/api/v1/connections/${connectionId}/health`, 200),
      'health',
    );
    expect(health.rateBudget).not.toBeNull();
    for (const key of ['windowLimit', 'windowRemaining', 'windowMs'])
      expect(typeof health.rateBudget?.[key], `rateBudget.${key}`).toBe('number');
  });

  it('destinations, the ledger, a failed delivery with its attempts, replay and bulk replay', async () => {
    const post = await createPost(app);
    const destinations = [{ connectionId, action: 'publishContent' }];
    expectContract(
      destinationsBodySchema,
      await json('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, 200, { destinations }),
      'destinations (put)',
    );
    expectContract(
      destinationsBodySchema,
      await json('viewer', 'GET', `/api/v1/content/${post.id}/destinations`, 200),
      'destinations (get)',
    );
    hubspot.faults.inject({ kind: 'server_error', status: 503, operation: 'cms.posts.create' });
    await approveAndPublish(app, post.id);
    const failed = await waitFor('the delivery to fail', async () => {
      const page = (await json('viewer', 'GET', `/api/v1/deliveries?contentId=${post.id}`, 200)) as {
        items: { status: string }[];
      };
      return page.items[0]?.status === 'failed' ? page : undefined;
    });
    expect(Object.keys(failed).sort()).toEqual(['items', 'nextCursor']);
    const d = expectContract(deliverySchema, failed.items[0], 'delivery');
    expect(d.lastError).toMatchObject({ kind: 'retryable', httpStatus: 503 });
    const detail = expectContract(
      deliveryDetailSchema,
      await json('viewer', 'GET', `/api/v1/deliveries/${d.id}`, 200),
      'delivery detail',
    );
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]!.outcome).toBe('retryable');
    expect(detail.attempts[0]!.error).toMatchObject({ kind: 'retryable', httpStatus: 503 });
    expect(typeof detail.attempts[0]!.durationMs).toBe('number');

    hubspot.faults.clear();
    expectContract(
      bulkReplayResultSchema,
      await json('publisher', 'POST', '/api/v1/deliveries/replay', 202, { connectionId }),
      'bulk replay',
    );
    await waitFor('the replay to succeed', async () => {
      const one = (await json('viewer', 'GET', `/api/v1/deliveries/${d.id}`, 200)) as { status: string };
      return one.status === 'succeeded' || undefined;
    });
    const results = expectContract(
      contentDeliveriesSchema,
      await json('viewer', 'GET', `/api/v1/content/${post.id}/deliveries`, 200),
      'content deliveries',
    );
    const [dest] = results.destinations;
    expect(dest?.status).toBe('succeeded');
    expect(dest?.externalUrl).toMatch(/^https?:\/\//);
    expectContract(deliverySchema, dest?.latest, 'latest delivery');
  });

  it('webhook settings, subscriptions, messages and the inbound log', async () => {
    const receiver: Server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(204).end());
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const port = (receiver.address() as AddressInfo).port;
      expectContract(
        webhookSettingsSchema,
        await json('admin', 'PUT', '/api/v1/webhooks/settings', 200, { allowedHosts: ['127.0.0.1'] }),
        'webhook settings',
      );
      const sub = expectContract(
        subscriptionWithSecretSchema,
        await json('admin', 'POST', '/api/v1/webhooks/subscriptions', 201, {
          url: `http://127.0.0.1:${port}/hook`,
          eventTypes: ['webhook.ping'],
        }),
        'subscription with secret',
      );
      expect(sub.secret).toMatch(/^whsec_/);
      const subs = (await json('admin', 'GET', '/api/v1/webhooks/subscriptions', 200)) as {
        items: unknown[];
      };
      for (const s of subs.items) expectContract(subscriptionSchema, s, 'subscription');
      const ping = expectContract(
        webhookMessageSchema,
        await json('admin', 'POST', `/api/v1/webhooks/subscriptions/${sub.id}/ping`, 202),
        'ping message',
      );
      await waitFor('the ping to be delivered', async () => {
        const m = (await json('admin', 'GET', `/api/v1/webhooks/messages/${ping.id}`, 200)) as {
          status: string;
        };
        return m.status === 'succeeded' || undefined;
      });
      const msgs = (await json('admin', 'GET', '/api/v1/webhooks/messages', 200)) as { items: unknown[] };
      for (const m of msgs.items) expectContract(webhookMessageSchema, m, 'message');
      const detail = expectContract(
        webhookMessageDetailSchema,
        await json('admin', 'GET', `/api/v1/webhooks/messages/${ping.id}`, 200),
        'message detail',
      );
      expect(detail.attemptLog[0]?.outcome).toBe('succeeded');
      const inbound = (await json('admin', 'GET', '/api/v1/webhooks/inbound', 200)) as { items: unknown[] };
      for (const r of inbound.items) expectContract(inboundWebhookSchema, r, 'inbound webhook');
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});
