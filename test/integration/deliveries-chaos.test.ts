/**
 * Ledger chaos tests against the HubSpot sandbox over real HTTP (api + worker roles, wall clock):
 * - a create response lost → `unknown` → reconcile finds only the draft (not the effect: the post must go live) →
 *   the retried attempt reuses that draft and pushes it live: one post, live, one create;
 * - every push-live response lost (the post did go live) → retryable → the next attempt finds the live post by its
 *   marker and reuses it: one post, live, no second create;
 * - on a connection that leaves posts as drafts, the draft of a lost create IS the effect → `reconciled`;
 * - the breaker opens under a failing vendor, deliveries wait, and it half-opens and closes after recovery;
 * - a 1,000-delivery backlog recorded during an outage drains completely after recovery within the rate limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import { inTransaction } from '../../src/server/platform/db/index.js';
import { systemActor } from '../../src/server/platform/auth/index.js';
import type { DeliveriesModule } from '../../src/server/modules/deliveries/index.js';
import { deriveIdempotencyKey } from '../../src/server/modules/deliveries/index.js';
import type { ContentModule } from '../../src/server/modules/content/index.js';
import {
  approveAndPublish,
  createConnection,
  createLedgerApp,
  createPost,
  waitFor,
  type LedgerApp,
} from './deliveries.fixture.js';

let app: LedgerApp | undefined;
let hubspot: HubSpotSandbox | undefined;

afterEach(async () => {
  await app?.close();
  await hubspot?.close();
  app = undefined;
  hubspot = undefined;
});

async function connectHubSpot(
  a: LedgerApp,
  s: HubSpotSandbox,
  rateLimit?: object,
  config: Record<string, unknown> = {},
): Promise<string> {
  return (
    await createConnection(a, {
      vendor: 'hubspot',
      name: `HubSpot ${Math.random()}`,
      baseUrl: s.url,
      sandbox: true,
      config: { blogId: s.blogId, ...config },
      credentials: { accessToken: s.privateAppToken },
      ...(rateLimit ? { rateLimit } : {}),
    })
  ).id;
}

async function deliveriesOf(a: LedgerApp, contentId: string) {
  return (await a.call('viewer', 'GET', `/api/v1/deliveries?contentId=${contentId}`)).json().items as {
    id: string;
    status: string;
    externalId: string | null;
  }[];
}

/** A blog post with one HubSpot destination, taken through approval to published. */
async function publishTo(a: LedgerApp, connectionId: string): Promise<{ id: string }> {
  const post = await createPost(a);
  const put = await a.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
    destinations: [{ connectionId, action: 'publishContent' }],
  });
  expect(put.statusCode, put.body).toBe(200);
  await approveAndPublish(a, post.id);
  return post;
}

async function waitForStatus(a: LedgerApp, contentId: string, status: string) {
  return waitFor(`the delivery to be ${status}`, async () => {
    const [d] = await deliveriesOf(a, contentId);
    return d?.status === status ? d : undefined;
  });
}

/** The sandbox holds exactly one post, the one the delivery names; returns it and the delivery as the API shows it. */
async function theOnlyPost(
  a: LedgerApp,
  sandbox: HubSpotSandbox,
  done: { id: string; externalId: string | null },
) {
  expect(sandbox.store.posts.size).toBe(1);
  const only = [...sandbox.store.posts.values()][0]!;
  expect(done.externalId).toBe(only.id);
  const shown = (await a.call('viewer', 'GET', `/api/v1/deliveries/${done.id}`)).json();
  return { only, shown };
}

describe('ledger chaos', () => {
  it('create response lost → unknown → reconcile finds only a draft → the retry pushes that draft live', async () => {
    hubspot = await startHubSpotSandbox();
    app = await createLedgerApp();
    const connectionId = await connectHubSpot(app, hubspot);
    hubspot.faults.inject({ kind: 'lose_response', operation: 'cms.posts.create', times: 1 });
    const post = await publishTo(app, connectionId);
    const done = await waitForStatus(app, post.id, 'succeeded');
    const { only, shown } = await theOnlyPost(app, hubspot, done);
    // LIVE, not the draft the interrupted attempt left behind.
    expect(only).toMatchObject({ state: 'PUBLISHED', currentlyPublished: true });
    expect(shown.attempts.map((a: { outcome: string }) => a.outcome)).toEqual([
      'unknown_outcome',
      'succeeded',
    ]);
    // Reconcile asked the vendor (never a blind retry), found no finished post, and the retry reused the draft.
    expect(shown.resolution).toMatchObject({ by: 'reconcile', outcome: 'not_found' });
    expect(shown.responseSummary).toMatchObject({ state: 'PUBLISHED', reused: true });
    expect(hubspot.log.count('cms.posts.create')).toBe(1);
    expect(hubspot.log.count('cms.posts.publish', { succeeded: true, fault: 'none' })).toBe(1);
  }, 60_000);

  it('push-live responses lost after the post went live → retried → the live post is found and reused', async () => {
    hubspot = await startHubSpotSandbox();
    app = await createLedgerApp();
    const connectionId = await connectHubSpot(app, hubspot);
    // Every push-live answer is lost: the post is live, the attempt cannot tell.
    hubspot.faults.inject({ kind: 'lose_response', operation: 'cms.posts.publish' });
    const post = await publishTo(app, connectionId);
    const done = await waitForStatus(app, post.id, 'succeeded');
    const { only, shown } = await theOnlyPost(app, hubspot, done);
    expect(only).toMatchObject({ state: 'PUBLISHED', currentlyPublished: true });
    // Push-live is idempotent: its lost answer is retryable (not unknown), and the next attempt finds the live post.
    expect(shown.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['retryable', 'succeeded']);
    expect(shown.responseSummary).toMatchObject({ state: 'PUBLISHED', reused: true });
    expect(hubspot.log.count('cms.posts.create')).toBe(1);
    expect(hubspot.log.count('cms.posts.publish', { fault: 'none' })).toBe(0);
    expect(hubspot.log.count('cms.posts.publish', { fault: 'lose_response' })).toBeGreaterThanOrEqual(1);
  }, 60_000);

  it('a connection that keeps drafts: the lost create left the effect → reconciled to that draft', async () => {
    hubspot = await startHubSpotSandbox();
    app = await createLedgerApp();
    const connectionId = await connectHubSpot(app, hubspot, undefined, { publishImmediately: false });
    hubspot.faults.inject({ kind: 'lose_response', operation: 'cms.posts.create', times: 1 });
    const post = await publishTo(app, connectionId);
    const done = await waitForStatus(app, post.id, 'reconciled');
    const { only, shown } = await theOnlyPost(app, hubspot, done);
    expect(only).toMatchObject({ state: 'DRAFT', currentlyPublished: false });
    expect(shown.attempts.map((a: { outcome: string }) => a.outcome)).toEqual(['unknown_outcome']);
    expect(shown.resolution).toMatchObject({ by: 'reconcile', outcome: 'found' });
    expect(hubspot.log.count('cms.posts.create')).toBe(1);
    expect(hubspot.log.count('cms.posts.publish')).toBe(0);
  }, 60_000);

  it('the breaker opens under a failing sandbox, deliveries wait, and it half-opens and closes after recovery', async () => {
    hubspot = await startHubSpotSandbox();
    app = await createLedgerApp({ env: { SWITCHBOARD_DELIVERY_MAX_ATTEMPTS: '100' } });
    const connectionId = await connectHubSpot(app, hubspot);
    hubspot.faults.inject({ kind: 'server_error', status: 503 });
    const post = await createPost(app);
    await app.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
      destinations: [{ connectionId, action: 'publishContent' }],
    });
    await approveAndPublish(app, post.id);
    await waitFor('the breaker to open', async () => {
      const h = (await app!.call('viewer', 'GET', `/api/v1/connections/${connectionId}/health`)).json();
      return h.breakerState === 'open' ? h : undefined;
    });
    const [waiting] = await deliveriesOf(app, post.id);
    // Waiting, not failed: pending between polls, briefly in flight while a refused (not sent) call is recorded.
    expect(['pending', 'in_flight']).toContain(waiting?.status);
    // A call the open breaker refused (a `skipped` attempt) does not hide the vendor error that opened it.
    await waitFor('a call refused by the open breaker', async () => {
      const shown = (await app!.call('viewer', 'GET', `/api/v1/deliveries/${waiting!.id}`)).json();
      return shown.attempts.some((a: { outcome: string | null }) => a.outcome === 'skipped');
    });
    const health = (await app.call('viewer', 'GET', `/api/v1/connections/${connectionId}/health`)).json();
    expect(health.lastError).toMatchObject({ kind: 'retryable', httpStatus: 503 });

    hubspot.faults.clear();
    const done = await waitForStatus(app, post.id, 'succeeded');
    expect(hubspot.store.posts.size).toBe(1);
    expect([...hubspot.store.posts.values()][0]!.id).toBe(done.externalId);
    const after = (await app.call('viewer', 'GET', `/api/v1/connections/${connectionId}/health`)).json();
    expect(after.breakerState).toBe('closed');
    expect(after.lastSuccessAt).not.toBeNull();
  }, 60_000);

  it('a 1,000-delivery backlog recorded during an outage drains after recovery within the rate limit', async () => {
    const rateLimit = { requests: 200, windowMs: 1000 };
    hubspot = await startHubSpotSandbox({ rateLimit, seed: false });
    app = await createLedgerApp({ env: { SWITCHBOARD_DELIVERY_MAX_ATTEMPTS: '1000' } });
    const connectionId = await connectHubSpot(app, hubspot, rateLimit);
    const post = await createPost(app, { type: 'email', title: 'Backlog' });
    const content = app.t.sb.modules.find((m) => m.name === 'content') as ContentModule;
    const version = await content.content.getVersion(systemActor(app.ws.workspaceId), post.id, 1);
    const ledger = app.t.sb.modules.find((m) => m.name === 'deliveries') as DeliveriesModule;
    hubspot.faults.inject({ kind: 'server_error', status: 502 });
    await inTransaction(app.t.db.kysely, async (tx) => {
      for (let i = 0; i < Number(process.env.BACKLOG_N ?? 1000); i++) {
        await ledger.services.record(tx, {
          workspaceId: app!.ws.workspaceId,
          connectionId,
          action: 'publishContent',
          contentId: post.id,
          contentVersionId: version.id,
          contentVersion: 1,
          contentHash: version.contentHash,
          payloadHash: 'test',
          idempotencyKey: deriveIdempotencyKey(['backlog', String(i)]),
          targetDeliveryId: null,
          trigger: 'test',
        });
      }
    });
    // The outage: nothing gets through, nothing is lost.
    await waitFor('the breaker to open', async () => {
      const h = (await app!.call('viewer', 'GET', `/api/v1/connections/${connectionId}/health`)).json();
      return h.breakerState === 'open' ? true : undefined;
    });
    expect(hubspot.store.emails.size).toBe(0);
    hubspot.faults.clear();
    const count = async (status: string) =>
      Number(
        (
          await sql<{
            c: number;
          }>`SELECT count(*)::int AS c FROM deliveries WHERE status = ${status}`.execute(app!.t.db.kysely)
        ).rows[0]!.c,
      );
    const started = Date.now();
    await waitFor(
      'the backlog to drain',
      async () => ((await count('succeeded')) === Number(process.env.BACKLOG_N ?? 1000) ? true : undefined),
      120_000,
    ).catch(async (e: unknown) => {
      const byStatus = await sql<{
        status: string;
        c: number;
      }>`SELECT status, count(*)::int AS c FROM deliveries GROUP BY status`.execute(app!.t.db.kysely);
      console.error(
        'after',
        Date.now() - started,
        'ms',
        JSON.stringify(byStatus.rows),
        hubspot!.log.entries().length,
      );
      throw e;
    });
    expect(await count('failed')).toBe(0);
    expect(hubspot.store.emails.size).toBe(Number(process.env.BACKLOG_N ?? 1000));
    expect(hubspot.violations()).toBe(0);
  }, 180_000);
});
