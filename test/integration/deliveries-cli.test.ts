/**
 * `switchboard deliveries list|show|replay|resolve` in-process against a real database (file-backed embedded, or the
 * test PostgreSQL database). A whole Switchboard (api + worker) on the same database first publishes to the HubSpot
 * sandbox — one delivery succeeds, two fail on a vendor outage — and is stopped, as an operator would find it; the
 * CLI then inspects, replays and resolves; a restarted Switchboard delivers what the CLI replayed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/server/config.js';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import { createSwitchboard, type Switchboard } from '../../src/server/main.js';
import { openDatabase, type Db } from '../../src/server/platform/db/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import type { TestDb } from '../support/test-db.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { FAST_LEDGER_ENV, WallClock, waitFor, hubspotSandboxConnection } from './deliveries.fixture.js';
import { cliRunner, cliTestDatabase } from '../support/cli-runner.js';

interface DeliveryRow {
  id: string;
  status: string;
  action: string;
  connection: string;
  content: string;
  attempts: number;
  externalUrl: string;
  error: string;
}

describe('switchboard deliveries CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-deliveries-cli-'));
  let pg: TestDb | null = null;
  let hubspot: HubSpotSandbox;
  let ws: SeededWorkspace;
  let connectionId: string;
  const posts: string[] = [];
  const env: Record<string, string> = {
    ...FAST_LEDGER_ENV,
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 13).toString('base64'),
    // One vendor attempt: an outage turns a delivery into a dead letter at once.
    SWITCHBOARD_DELIVERY_MAX_ATTEMPTS: '1',
  };
  const run = cliRunner(env, dataDir);
  const wsArgs = ['--workspace', 'ledger-cli'];
  const listJson = async (...args: string[]) => {
    const r = await run('deliveries', 'list', ...wsArgs, '--json', ...args);
    expect(r.code, r.err).toBe(0);
    return JSON.parse(r.out) as DeliveryRow[];
  };

  /** A Switchboard process (api + worker) on the CLI's database, for the duration of `fn`. */
  async function withServer<T>(fn: (sb: Switchboard) => Promise<T>): Promise<T> {
    const sb = await createSwitchboard({
      config: loadConfig(env, dataDir),
      clock: new WallClock(),
      logger: silentLogger(),
      roles: ['api', 'worker'],
    });
    try {
      await sb.start({ port: 0 });
      return await fn(sb);
    } finally {
      await sb.stop();
    }
  }
  const call = (
    sb: Switchboard,
    role: keyof SeededWorkspace['tokens'],
    method: string,
    url: string,
    body?: object,
  ) =>
    sb.http.inject({
      method: method as 'GET',
      url,
      headers: { authorization: `Bearer ${ws.tokens[role]}` },
      ...(body ? { payload: body } : {}),
    });

  async function publishPost(sb: Switchboard, slug: string): Promise<string> {
    const created = await call(sb, 'editor', 'POST', '/api/v1/content', {
      type: 'blog_post',
      title: `Post ${slug}`,
      slug,
      body: 'Hello **there**.',
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const dest = await call(sb, 'editor', 'PUT', `/api/v1/content/${id}/destinations`, {
      destinations: [{ connectionId, action: 'publishContent' }],
    });
    expect(dest.statusCode, dest.body).toBe(200);
    for (const [role, action] of [
      ['editor', 'submit'],
      ['reviewer', 'approve'],
      ['publisher', 'publish'],
    ] as const) {
      const item = (await call(sb, 'viewer', 'GET', `/api/v1/content/${id}`)).json() as { version: number };
      const res = await call(sb, role, 'POST', `/api/v1/content/${id}/transitions`, {
        action,
        expectedVersion: item.version,
      });
      expect(res.statusCode, `${action}: ${res.body}`).toBe(200);
    }
    return id;
  }

  async function deliveryStatuses(sb: Switchboard): Promise<string[]> {
    const items = (await call(sb, 'viewer', 'GET', '/api/v1/deliveries')).json().items as {
      status: string;
    }[];
    return items.map((d) => d.status).sort();
  }

  beforeAll(async () => {
    hubspot = await startHubSpotSandbox({ seed: false });
    pg = await cliTestDatabase(env);
    await withServer(async (sb) => {
      ws = await seedWorkspace(sb.db, new WallClock(), 'ledger-cli');
      const c = await call(sb, 'admin', 'POST', '/api/v1/connections', hubspotSandboxConnection(hubspot));
      expect(c.statusCode, c.body).toBe(201);
      connectionId = c.json().id as string;
      posts.push(await publishPost(sb, 'works'));
      await waitFor('the first delivery', async () => (await deliveryStatuses(sb)).includes('succeeded'));
      hubspot.faults.inject({ kind: 'server_error', status: 503, operation: 'cms.posts.create' });
      posts.push(await publishPost(sb, 'outage-1'), await publishPost(sb, 'outage-2'));
      await waitFor('two dead letters', async () => {
        const s = await deliveryStatuses(sb);
        return s.filter((x) => x === 'failed').length === 2;
      });
      hubspot.faults.clear();
    });
  }, 120_000);
  afterAll(async () => {
    await hubspot?.close();
    await pg?.close();
  });

  it('list filters by status and connection; show prints a delivery with its attempts', async () => {
    const all = await listJson();
    expect(all.map((d) => d.status).sort()).toEqual(['failed', 'failed', 'succeeded']);
    const failed = await listJson('--status', 'failed');
    expect(failed).toHaveLength(2);
    for (const d of failed) {
      expect(d).toMatchObject({ action: 'publishContent', connection: connectionId, attempts: 1 });
      expect(d.error).not.toBe('');
    }
    expect(await listJson('--connection', connectionId, '--limit', '1')).toHaveLength(1);
    expect(await listJson('--content', posts[0]!)).toEqual([
      expect.objectContaining({ status: 'succeeded', externalUrl: expect.stringMatching(/^https?:\/\//) }),
    ]);
    const table = await run('deliveries', 'list', ...wsArgs);
    expect(table.out.split('\n')[0]).toMatch(/^ID\s+STATUS\s+ACTION\s+CONNECTION/);

    const ok = (await listJson('--status', 'succeeded'))[0]!;
    const shown = await run('deliveries', 'show', ok.id, ...wsArgs, '--json');
    expect(shown.code, shown.err).toBe(0);
    const body = JSON.parse(shown.out) as {
      delivery: { id: string; status: string; externalId: string; idempotencyKey: string };
      attempts: { n: number; outcome: string }[];
    };
    expect(body.delivery).toMatchObject({ id: ok.id, status: 'succeeded' });
    expect(body.delivery.externalId).toBe([...hubspot.store.posts.values()][0]!.id);
    expect(body.attempts).toEqual([expect.objectContaining({ n: 1, outcome: 'succeeded' })]);
    const human = await run('deliveries', 'show', failed[0]!.id, ...wsArgs);
    expect(human.out).toContain(`${failed[0]!.id} publishContent → ${connectionId}: failed`);
    expect(human.out).toMatch(/idempotency key sb-[0-9a-f]{32}, generation \d+/);
    // The attempt table: the evidence for the decision.
    expect(human.out).toMatch(/^1\s+\S+Z\s+\d+\s+retryable\s+HubSpot: internal error$/m);
  });

  it('refuses bad options (exit 2), unknown ids and impossible moves (exit 1)', async () => {
    expect((await run('deliveries', 'list', ...wsArgs, '--status', 'lost')).code).toBe(2);
    expect((await run('deliveries', 'replay', ...wsArgs, '--since', 'yesterday')).code).toBe(2);
    const badOutcome = await run(
      'deliveries',
      'resolve',
      posts[0]!,
      ...wsArgs,
      '--outcome',
      'maybe',
      '--note',
      'x',
    );
    expect(badOutcome.code).toBe(2);
    const missing = await run('deliveries', 'show', '00000000-0000-4000-8000-000000000000', ...wsArgs);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('NOT_FOUND');
    const ok = (await listJson('--status', 'succeeded'))[0]!;
    const notFailed = await run('deliveries', 'replay', ok.id, ...wsArgs);
    expect(notFailed.code).toBe(1);
    expect(notFailed.err).toMatch(/error \[[A-Z_]+\]/);
    // resolve is for unknown outcomes only.
    const notUnknown = await run(
      'deliveries',
      'resolve',
      ok.id,
      ...wsArgs,
      '--outcome',
      'failed',
      '--note',
      'x',
    );
    expect(notUnknown.code).toBe(1);
    expect(notUnknown.err).toContain('unknown');
  });

  it('resolve decides an unknown delivery with the object found at the vendor (audited with the note)', async () => {
    const ok = (await listJson('--status', 'succeeded'))[0]!;
    const externalId = [...hubspot.store.posts.values()][0]!.id;
    // Staged: the ledger lost the answer of this (real) publish, so its outcome is unknown to us.
    await withDb((db) =>
      sql`UPDATE deliveries SET status = 'unknown', external_id = NULL, external_url = NULL, finished_at = NULL
        WHERE id = ${ok.id}`.execute(db.kysely),
    );
    const noId = await run(
      'deliveries',
      'resolve',
      ok.id,
      ...wsArgs,
      '--outcome',
      'succeeded',
      '--note',
      'seen',
    );
    expect(noId.code).toBe(1);
    expect(noId.err).toContain('externalId');
    const resolved = await run(
      'deliveries',
      'resolve',
      ok.id,
      ...wsArgs,
      '--outcome',
      'succeeded',
      '--external-id',
      externalId,
      '--note',
      'found it in the HubSpot blog',
    );
    expect(resolved.code, resolved.err).toBe(0);
    expect(resolved.out).toBe(`${ok.id} is now reconciled`);
    const shown = JSON.parse((await run('deliveries', 'show', ok.id, ...wsArgs, '--json')).out) as {
      delivery: { status: string; externalId: string; resolution: Record<string, unknown> };
    };
    expect(shown.delivery).toMatchObject({ status: 'reconciled', externalId });
    expect(shown.delivery.resolution).toMatchObject({
      outcome: 'succeeded',
      note: 'found it in the HubSpot blog',
    });
  });

  it('replay (one, then the rest in bulk) re-queues dead letters, and a restarted server delivers them', async () => {
    const [first, second] = await listJson('--status', 'failed');
    const one = await run('deliveries', 'replay', first!.id, ...wsArgs);
    expect(one.code, one.err).toBe(0);
    expect(one.out).toMatch(new RegExp(`^replaying ${first!.id} \\(generation \\d+\\)$`));
    const bulk = await run('deliveries', 'replay', ...wsArgs, '--connection', connectionId);
    expect(bulk.code, bulk.err).toBe(0);
    expect(bulk.out).toBe('replaying 1 failed deliveries');
    const pending = await listJson('--status', 'pending');
    expect(pending.map((d) => d.id).sort()).toEqual([first!.id, second!.id].sort());
    expect(await listJson('--status', 'failed')).toEqual([]);

    // The replays were committed with their attempt jobs: the next server run delivers both.
    await withServer(async (sb) => {
      await waitFor('the replayed deliveries', async () => {
        const s = await deliveryStatuses(sb);
        return s.filter((x) => x === 'succeeded').length === 2;
      });
    });
    expect(hubspot.store.posts.size).toBe(3);
    const done = await listJson('--content', posts[1]!);
    expect(done[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
  }, 60_000);

  /** The database directly, for staging what the CLI cannot produce by itself. */
  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDatabase({ url: env.DATABASE_URL ?? null, dataDir });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }
});
