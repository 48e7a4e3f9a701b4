/**
 * The Marketo connector through the real SDK runtime against the Marketo sandbox over HTTP. Every sandbox started
 * here must end with zero spec violations and zero rate/concurrency violations.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createConnectorRuntime, noopConnectorMetrics } from '../../../src/server/connectors/index.js';
import type { StoredToken } from '../../../src/server/connectors/index.js';
import { createMarketoConnector, marketoConnector } from '../../../src/server/connectors/marketo/index.js';
import { startMarketoSandbox } from '../../../src/server/connectors/marketo/sandbox/index.js';
import type {
  MarketoSandbox,
  MarketoSandboxOptions,
} from '../../../src/server/connectors/marketo/sandbox/index.js';
import { isConnectorError } from '../../../src/server/connectors/sdk/connector-error.js';
import type { Connector, ContentPayload } from '../../../src/server/connectors/sdk/connector.js';
import { systemClock } from '../../../src/server/platform/clock.js';
import { silentLogger } from '../../../src/server/platform/logger.js';

const specsDir = process.env['SWITCHBOARD_SPECS_DIR'];
const started: MarketoSandbox[] = [];
const CONFIG = {
  programFolderId: 33,
  fileFolderId: 40,
  emailTemplateId: 1,
  channelMap: { launch: 'Email Blast', email: 'Email Blast', webinar: 'Webinar' },
  defaultChannel: 'Content',
  fromEmail: 'news@example.com',
};
const PNG = Uint8Array.from(
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
    'base64',
  ),
);

async function sandboxOf(opts: MarketoSandboxOptions = {}): Promise<MarketoSandbox> {
  const sb = await startMarketoSandbox({ ...(specsDir ? { specsDir } : {}), ...opts });
  started.push(sb);
  return sb;
}

function connect(
  sb: MarketoSandbox,
  connector: Connector = marketoConnector,
  credentials: Record<string, unknown> = sb.credentials,
) {
  let stored: StoredToken | null = null;
  const reauth: string[] = [];
  const runtime = createConnectorRuntime({
    connector,
    connection: {
      id: `conn-${started.length}`,
      workspaceId: 'ws',
      baseUrl: sb.url,
      config: CONFIG,
      sandbox: true,
    },
    credentials,
    tokenPersistence: {
      load: async () => stored,
      save: async (t) => void (stored = t),
      markNeedsReauth: async (reason) => void reauth.push(reason),
    },
    clock: systemClock,
    logger: silentLogger(),
    metrics: noopConnectorMetrics,
    options: { timeoutMs: 2_000, retry: { initialDelayMs: 5, maxDelayMs: 20 } },
  });
  return { client: runtime.client, reauth };
}

function content(over: Partial<ContentPayload> = {}): ContentPayload {
  return {
    contentId: '9a1b2c3d-0000-4000-8000-000000000001',
    versionId: 'ver-1',
    version: 1,
    type: 'email',
    title: 'Spring launch',
    slug: 'spring-launch',
    body: '# Spring\n\n![Our logo](img/logo.png)\n\nSee you there.',
    bodyFormat: 'markdown',
    fields: { cost: 1500, subject: 'Spring is here' },
    tags: ['launch'],
    locale: 'en',
    assets: [{ ref: 'img/logo.png', fileName: 'logo.png', altText: 'Our logo', bytes: PNG }],
    ...over,
  };
}

async function failure(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    if (isConnectorError(e)) return e;
    throw e;
  }
  throw new Error('expected a ConnectorError');
}

afterEach(async () => {
  for (const sb of started) await sb.faults.clear();
});
afterAll(async () => {
  for (const sb of started) {
    expect(sb.specViolations()).toEqual([]);
    expect(sb.limitViolations()).toMatchObject({ rate: 0, concurrency: 0 });
    await sb.close();
  }
});

describe('Marketo connector', () => {
  it('tests the connection, and reports bad credentials as auth_expired needing re-authorisation', async () => {
    const sb = await sandboxOf();
    expect(await connect(sb).client.testConnection()).toMatchObject({ ok: true, details: { channels: 7 } });
    const bad = connect(sb, marketoConnector, { clientId: 'x', clientSecret: 'y' });
    expect((await failure(bad.client.testConnection())).kind).toBe('auth_expired');
    expect(bad.reauth).toHaveLength(1);
  });

  it('creates a program with the mapped channel and costs, and finds it again by its marker', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb);
    const ref = await client.createCampaign!({
      name: 'Spring launch 2026',
      content: content(),
      idempotencyMarker: 'dlv-1',
    });
    const program = sb.store.programs.get(Number(ref.externalId));
    expect(program).toMatchObject({
      channel: 'Email Blast',
      type: 'Default',
      folderId: 33,
      costs: [{ cost: 1500 }],
    });
    expect(program?.description).toContain('switchboard:dlv-1');
    expect(ref.url).toContain(`PG${ref.externalId}`);
    const found = await client.findByIdempotencyMarker!({
      action: 'createCampaign',
      marker: 'dlv-1',
      content: content(),
    });
    expect(found?.externalId).toBe(ref.externalId);
    expect(
      await client.findByIdempotencyMarker!({
        action: 'createCampaign',
        marker: 'dlv-404',
        content: content(),
      }),
    ).toBeNull();
    // A second program of the same name is a business-rule violation (709): a dead letter, not a retry.
    const dup = await failure(
      client.createCampaign!({ name: 'Spring launch 2026', content: content(), idempotencyMarker: 'dlv-2' }),
    );
    expect([dup.kind, dup.vendorCode]).toEqual(['invalid_request', '709']);
  });

  it('rejects content it cannot map before any effect', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb, createMarketoConnector());
    const e = await failure(
      client.createCampaign!({
        name: 'Bad cost',
        content: content({ fields: { cost: 'lots' } }),
        idempotencyMarker: 'm',
      }),
    );
    expect(e.kind).toBe('invalid_request');
    const unmapped = connect(sb).client;
    const noChannel = await failure(
      unmapped.createCampaign!({
        name: 'Unmapped',
        content: content({ tags: ['webinar'], fields: {} }), // an event channel for a Default program
        idempotencyMarker: 'm3',
      }),
    );
    expect([noChannel.kind, noChannel.message]).toEqual([
      'invalid_request',
      expect.stringMatching(/for event programs/),
    ]);
    const fake = await failure(
      client.uploadAsset!({
        asset: {
          ref: 'x',
          fileName: 'fake.png',
          altText: '',
          bytes: new TextEncoder().encode('not an image'),
        },
        idempotencyMarker: 'm2',
      }),
    );
    expect([fake.kind, fake.vendorCode]).toEqual(['invalid_request', 'ASSET_REJECTED']);
    expect(sb.log.count('asset.programs.create') + sb.log.count('asset.files.create')).toBe(0);
  });

  it('publishes an email: image uploaded first, body set with the rewritten URL, draft approved; a retry duplicates nothing', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb);
    const ref = await client.publishContent!({ content: content(), idempotencyMarker: 'pub-1' });
    const email = sb.store.emails.get(Number(ref.externalId));
    const file = [...sb.store.files.values()][0];
    expect(file?.mimeType).toBe('image/png');
    const main = email?.approved?.find((s) => s.htmlId === 'main');
    expect(main?.value).toContain(`src="${sb.url}/rs/000-AAA-000/images/${file?.name}"`);
    expect(main?.value).toContain('alt="Our logo"');
    expect(email).toMatchObject({ subject: 'Spring is here', fromEmail: 'news@example.com', draft: null });
    expect(
      await client.findByIdempotencyMarker!({
        action: 'publishContent',
        marker: 'pub-1',
        content: content(),
      }),
    ).toMatchObject({
      externalId: ref.externalId,
    });

    const again = await client.publishContent!({ content: content(), idempotencyMarker: 'pub-1' });
    expect(again.externalId).toBe(ref.externalId);
    expect([sb.store.programs.size, sb.store.emails.size, sb.store.files.size]).toEqual([1, 1, 1]);

    await client.unpublishContent!({
      externalId: ref.externalId,
      content: content(),
      idempotencyMarker: 'unpub-1',
    });
    expect(sb.store.emails.get(Number(ref.externalId))?.approved).toBeNull();
    // Unpublishing twice is harmless.
    await client.unpublishContent!({
      externalId: ref.externalId,
      content: content(),
      idempotencyMarker: 'unpub-1',
    });
  });

  it('uploads files and reconciles an upload whose response was lost', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb);
    sb.faults.inject({ kind: 'lose_response', times: 1, operation: 'asset.files.create' });
    const lost = await failure(
      client.uploadAsset!({
        asset: { ref: 'a', fileName: 'pixel.png', altText: 'dot', bytes: PNG },
        idempotencyMarker: 'up-1',
      }),
    );
    expect(lost.kind).toBe('unknown_outcome');
    const found = await client.findByIdempotencyMarker!({ action: 'uploadAsset', marker: 'up-1' });
    const stored = [...sb.store.files.values()][0];
    expect(found?.externalId).toBe(String(stored?.id));
    // Re-running the upload finds the same bytes by name instead of uploading them twice.
    const again = await client.uploadAsset!({
      asset: { ref: 'a', fileName: 'pixel.png', altText: 'dot', bytes: PNG },
      idempotencyMarker: 'up-1',
    });
    expect(again.externalId).toBe(String(stored?.id));
    expect(sb.store.files.size).toBe(1);
  });

  it('a create answered with malformed JSON is an unknown outcome, reconciled by browsing program descriptions', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb);
    sb.faults.inject({ kind: 'malformed_json', times: 1, operation: 'asset.programs.create' });
    const e = await failure(
      client.createCampaign!({ name: 'Not the title', content: content(), idempotencyMarker: 'mj-1' }),
    );
    expect(e.kind).toBe('unknown_outcome');
    const found = await client.findByIdempotencyMarker!({
      action: 'createCampaign',
      marker: 'mj-1',
      content: content(),
    });
    expect(found?.externalId).toBe(String([...sb.store.programs.values()][0]?.id));
    expect(sb.log.count('asset.programs.browse')).toBe(1);
  });

  it('a hanging read times out as retryable', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb);
    await client.testConnection();
    sb.faults.inject({ kind: 'hang', operation: 'asset.channels.list' });
    expect((await failure(client.testConnection())).kind).toBe('retryable');
  });

  it('lists static lists and walks a list of leads page by page', async () => {
    const sb = await sandboxOf({ leads: 650 });
    const { client } = connect(sb);
    const lists = await client.listContacts!({});
    expect(lists.lists?.map((l) => l.name)).toEqual(['Newsletter', 'Webinar attendees', 'Empty']);
    const emails: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await client.listContacts!({ listId: '1001', limit: 250, ...(cursor ? { cursor } : {}) });
      emails.push(...page.contacts.map((c) => c.email ?? ''));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(emails).size).toBe(650);
    expect((await failure(client.listContacts!({ listId: '999' }))).kind).toBe('not_found');
  });

  it('601 and 602: re-authenticates once, then the call succeeds', async () => {
    const sb = await sandboxOf();
    const { client } = connect(sb);
    await client.testConnection();
    const tokensBefore = sb.log.count('identity.token');
    sb.store.tokens.clear(); // every token unknown → 601
    await client.testConnection();
    sb.faults.inject({ kind: 'expire_tokens' }); // every token expired → 602
    await client.testConnection();
    expect(sb.log.count('identity.token')).toBe(tokensBefore + 2);
    const answers = sb.log.entries().filter((e) => e.operation === 'asset.channels.list').length;
    expect(answers).toBe(5);
  });

  it('606: a read waits out the window and succeeds; a write reports rate_limited with the window', async () => {
    const sb = await sandboxOf({ rateLimit: { requests: 100, windowMs: 1_000 } });
    const { client } = connect(sb, createMarketoConnector({ rateLimit: { windowMs: 1_000 } }));
    sb.faults.inject({ kind: 'rate_limit', times: 1, operation: 'asset.channels.list' });
    expect((await client.testConnection()).ok).toBe(true);
    expect(sb.log.count('asset.channels.list', { fault: 'rate_limit' })).toBe(1);
    expect(sb.log.count('asset.channels.list')).toBe(2);
    sb.faults.inject({ kind: 'rate_limit', times: 1, operation: 'asset.programs.create' });
    const e = await failure(
      client.createCampaign!({ name: 'Throttled', content: content(), idempotencyMarker: 'r-1' }),
    );
    expect([e.kind, e.vendorCode, e.retryAfterMs]).toEqual(['rate_limited', '606', 1_000]);
    expect(sb.store.programs.size).toBe(0);
  });

  it('607: the daily quota disconnects the connection until the reset at 00:00 US Central', async () => {
    const sb = await sandboxOf({ dailyQuota: 2 });
    const { client } = connect(sb);
    await client.testConnection();
    await client.testConnection();
    const e = await failure(client.testConnection());
    expect([e.kind, e.vendorCode]).toEqual(['disconnected', '607']);
    expect(e.retryAfterMs).toBeGreaterThan(0);
    expect(e.retryAfterMs).toBeLessThanOrEqual(25 * 3600_000);
  });

  it('615 is never triggered: 30 parallel calls stay within 10 in flight', async () => {
    const sb = await sandboxOf({ latencyMs: 40 });
    const { client } = connect(sb);
    const results = await Promise.all(
      Array.from({ length: 30 }, () => client.listContacts!({ listId: '1002', limit: 5 })),
    );
    expect(results.every((r) => r.contacts.length === 5)).toBe(true);
    const { concurrency, peakConcurrency } = sb.limitViolations();
    expect(concurrency).toBe(0);
    expect(peakConcurrency).toBeLessThanOrEqual(10);
    expect(peakConcurrency).toBeGreaterThan(1);
  });

  it('606 is never triggered: a burst beyond the window is paced by the limiter', async () => {
    const sb = await sandboxOf({ rateLimit: { requests: 10, windowMs: 1_000 } });
    const { client } = connect(sb, createMarketoConnector({ rateLimit: { requests: 10, windowMs: 1_000 } }));
    await Promise.all(Array.from({ length: 25 }, () => client.testConnection()));
    expect(sb.log.count('asset.channels.list', { status: 200 })).toBe(25);
    expect(sb.limitViolations().rate).toBe(0);
  });
});
