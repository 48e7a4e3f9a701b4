/**
 * Publish end to end: a blog post with HubSpot and Marketo destinations is approved and published; the ledger
 * delivers it to both sandboxes over real HTTP, and the API shows per-destination results with external URLs.
 * Unpublishing then takes it down where the connector can.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import {
  startMarketoSandbox,
  type MarketoSandbox,
} from '../../src/server/connectors/marketo/sandbox/index.js';
import {
  approveAndPublish,
  createConnection,
  createLedgerApp,
  createPost,
  waitFor,
  type LedgerApp,
  hubspotSandboxConnection,
} from './deliveries.fixture.js';

let app: LedgerApp;
let hubspot: HubSpotSandbox;
let marketo: MarketoSandbox;
let hubspotId: string;
let marketoId: string;

beforeAll(async () => {
  hubspot = await startHubSpotSandbox();
  marketo = await startMarketoSandbox();
  app = await createLedgerApp();
  hubspotId = (await createConnection(app, hubspotSandboxConnection(hubspot))).id;
  marketoId = (
    await createConnection(app, {
      vendor: 'marketo',
      name: 'Marketo sandbox',
      baseUrl: marketo.url,
      sandbox: true,
      config: { programFolderId: 33, fileFolderId: 40, emailTemplateId: 1, defaultChannel: 'Content' },
      credentials: marketo.credentials,
    })
  ).id;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await hubspot?.close();
  await marketo?.close();
});

interface ContentDeliveries {
  destinations: {
    connectionId: string;
    action: string;
    status: string | null;
    externalId: string | null;
    externalUrl: string | null;
  }[];
  deliveries: { id: string; status: string; action: string; connectionId: string }[];
}

describe('publish end to end', () => {
  it('approve, publish to HubSpot and Marketo sandboxes, see per-destination results and URLs', async () => {
    const post = await createPost(app);
    const put = await app.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
      destinations: [
        { connectionId: hubspotId, action: 'publishContent' },
        { connectionId: marketoId, action: 'createCampaign' },
      ],
    });
    expect(put.statusCode, put.body).toBe(200);
    expect((await app.call('viewer', 'GET', `/api/v1/content/${post.id}/destinations`)).json()).toEqual(
      put.json(),
    );

    await approveAndPublish(app, post.id);

    const view = await waitFor(
      'both deliveries to finish',
      async () => {
        const res = await app.call('viewer', 'GET', `/api/v1/content/${post.id}/deliveries`);
        const body = res.json() as ContentDeliveries;
        const final = ['succeeded', 'failed', 'reconciled', 'unknown'];
        return body.destinations.every((d) => final.includes(d.status ?? '')) ? body : undefined;
      },
      20_000,
    ).catch(async (e: unknown) => {
      const list = (await app.call('viewer', 'GET', `/api/v1/deliveries?contentId=${post.id}`)).json() as {
        items: { id: string }[];
      };
      for (const d of list.items)
        console.error(JSON.stringify((await app.call('viewer', 'GET', `/api/v1/deliveries/${d.id}`)).json()));
      throw e;
    });
    expect(view.destinations.map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    const hs = view.destinations.find((d) => d.connectionId === hubspotId)!;
    const mk = view.destinations.find((d) => d.connectionId === marketoId)!;
    expect(hs.externalUrl).toMatch(/^https?:\/\//);
    expect(hs.externalId).toBeTruthy();
    expect(mk.externalId).toBeTruthy();
    expect(mk.externalUrl).toMatch(/^https?:\/\//);
    // Exactly one object at each vendor.
    expect(hubspot.store.posts.size).toBe(1);
    expect([...hubspot.store.posts.values()][0]!.id).toBe(hs.externalId);
    expect(hubspot.violations()).toBe(0);
    expect(marketo.violations()).toBe(0);

    // The ledger shows each delivery with its attempt.
    const one = view.deliveries.find((d) => d.connectionId === hubspotId)!;
    const shown = (await app.call('viewer', 'GET', `/api/v1/deliveries/${one.id}`)).json();
    expect(shown.attempts).toHaveLength(1);
    expect(shown.attempts[0]).toMatchObject({ n: 1, outcome: 'succeeded' });
    expect(shown.idempotencyKey).toMatch(/^sb-[0-9a-f]{32}$/);

    // The consumer re-running (same event) never doubles: still two deliveries.
    await app.t.sb.events.runner.drain();
    const again = (await app.call('viewer', 'GET', `/api/v1/deliveries?contentId=${post.id}`)).json();
    expect(again.items).toHaveLength(2);
  });

  it('unpublishing creates unpublish deliveries where the connector supports it', async () => {
    const post = await createPost(app);
    await app.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
      destinations: [{ connectionId: hubspotId, action: 'publishContent' }],
    });
    await approveAndPublish(app, post.id);
    const published = await waitFor('the publish', async () => {
      const body = (
        await app.call('viewer', 'GET', `/api/v1/content/${post.id}/deliveries`)
      ).json() as ContentDeliveries;
      return body.destinations[0]?.status === 'succeeded' ? body.destinations[0] : undefined;
    });
    const item = (await app.call('viewer', 'GET', `/api/v1/content/${post.id}`)).json() as {
      version: number;
    };
    const res = await app.call('publisher', 'POST', `/api/v1/content/${post.id}/transitions`, {
      action: 'unpublish',
      expectedVersion: item.version,
      reason: 'pricing changed',
    });
    expect(res.statusCode, res.body).toBe(200);
    const unpublish = await waitFor('the unpublish delivery', async () => {
      const list = (await app.call('viewer', 'GET', `/api/v1/deliveries?contentId=${post.id}`)).json() as {
        items: { action: string; status: string; targetDeliveryId: string | null }[];
      };
      const u = list.items.find((d) => d.action === 'unpublishContent');
      return u?.status === 'succeeded' ? u : undefined;
    });
    expect(unpublish.targetDeliveryId).toBeTruthy();
    const stored = hubspot.store.posts.get(published.externalId!);
    expect(stored?.state).toBe('DRAFT');
  });

  it('refuses destinations a connector cannot serve, with a machine-readable code', async () => {
    const post = await createPost(app);
    const res = await app.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
      destinations: [{ connectionId: hubspotId, action: 'createCampaign' }],
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.code).toBe('DESTINATION_INVALID');
  });
});
