/**
 * Start-up configuration from the environment (MARKETING_PLATFORM): sandbox mode starts every connector's sandbox
 * and points labelled connections at them that work; a vendor platform creates the default connection from its
 * variables and later starts with the same env write nothing; bad variables fail the boot naming them. Each "start"
 * is a whole new Switchboard on the same database, as a process restart would be.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import { createSwitchboard, type Switchboard } from '../../src/server/main.js';
import type { ConnectionsModule } from '../../src/server/modules/connections/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createTestDb, type TestDb } from '../support/test-db.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';
import { WallClock } from './deliveries.fixture.js';

let testDb: TestDb;
let ws: SeededWorkspace;
let hubspot: HubSpotSandbox;
const clock = new WallClock();
const dataDir = mkdtempSync(join(tmpdir(), 'sb-conn-env-'));

beforeAll(async () => {
  testDb = await createTestDb();
  ws = await seedWorkspace(testDb.db, clock, 'envws');
  hubspot = await startHubSpotSandbox({ seed: false });
}, 60_000);
afterAll(async () => {
  await hubspot?.close();
  await testDb?.close();
});

function configFor(env: Record<string, string>) {
  return loadConfig(
    {
      SWITCHBOARD_LOG_LEVEL: 'silent',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 9).toString('base64'),
      SWITCHBOARD_CONFIG_FILE: '',
      ...(testDb.url ? { DATABASE_URL: testDb.url } : {}),
      ...env,
    },
    dataDir,
  );
}

/** One process lifetime: boot with `env`, start (env defaults are applied), run `fn`, stop. */
async function boot<T>(env: Record<string, string>, fn: (sb: Switchboard) => Promise<T>): Promise<T> {
  const sb = await createSwitchboard({
    config: configFor(env),
    clock,
    logger: silentLogger(),
    db: testDb.db,
    roles: ['api'],
  });
  try {
    await sb.start({ port: 0 });
    return await fn(sb);
  } finally {
    await sb.stop();
  }
}

const call = (sb: Switchboard, method: 'GET' | 'POST' | 'PATCH', url: string, body?: object) =>
  sb.http.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ws.tokens.owner}` },
    ...(body ? { payload: body } : {}),
  });

interface ConnectionBody {
  id: string;
  vendor: string;
  name: string;
  label: string;
  baseUrl: string;
  sandbox: boolean;
  envDefault: boolean;
  status: string;
  version: number;
}

async function listConnections(sb: Switchboard): Promise<ConnectionBody[]> {
  return (await call(sb, 'GET', '/api/v1/connections')).json().items as ConnectionBody[];
}

/** Not in the API (credentials are write-only); bumped whenever they are rewritten. */
async function credentialsVersionOf(id: string): Promise<number> {
  const r = await sql<{
    v: number;
  }>`SELECT credentials_version AS v FROM connections WHERE id = ${id}`.execute(testDb.db.kysely);
  return Number(r.rows[0]!.v);
}

async function countEvents(subject: string): Promise<number> {
  const r = await sql<{
    n: string;
  }>`SELECT count(*)::text AS n FROM events WHERE subject = ${subject}`.execute(testDb.db.kysely);
  return Number(r.rows[0]!.n);
}

describe('MARKETING_PLATFORM', () => {
  it('sandbox: every connector sandbox starts and labelled connections to them work, across restarts', async () => {
    const first = await boot({ MARKETING_PLATFORM: 'sandbox' }, async (sb) => {
      const mod = sb.modules.find((m) => m.name === 'connections') as ConnectionsModule;
      expect(mod.sandboxes.map((s) => s.vendor).sort()).toEqual(['hubspot', 'marketo']);
      const items = (await listConnections(sb)).filter((c) => c.sandbox);
      expect(items.map((c) => c.label).sort()).toEqual([
        'HubSpot sandbox [sandbox]',
        'Marketo Engage sandbox [sandbox]',
      ]);
      for (const c of items) {
        expect(c.baseUrl).toBe(mod.sandboxes.find((s) => s.vendor === c.vendor)!.url);
        expect(c.envDefault).toBe(false);
        const tested = await call(sb, 'POST', `/api/v1/connections/${c.id}/test`);
        expect(tested.json(), `${c.vendor}: ${tested.body}`).toMatchObject({ ok: true });
      }
      expect(mod.sandboxes.map((s) => s.violations())).toEqual([0, 0]);
      return items;
    });

    // A restart starts new emulators (new ports, new tokens); the same connections follow them and work.
    await boot({ MARKETING_PLATFORM: 'sandbox' }, async (sb) => {
      const items = (await listConnections(sb)).filter((c) => c.sandbox);
      expect(items.map((c) => c.id).sort()).toEqual(first.map((c) => c.id).sort());
      for (const c of items) {
        expect(c.baseUrl).not.toBe(first.find((f) => f.id === c.id)!.baseUrl);
        const tested = await call(sb, 'POST', `/api/v1/connections/${c.id}/test`);
        expect(tested.json(), `${c.vendor}: ${tested.body}`).toMatchObject({ ok: true });
      }
    });
  }, 60_000);

  it('hubspot: creates the default connection from HUBSPOT_ACCESS_TOKEN; a restart with the same env writes nothing', async () => {
    const env = { MARKETING_PLATFORM: 'hubspot', HUBSPOT_ACCESS_TOKEN: hubspot.privateAppToken };
    const created = await boot(env, async (sb) => {
      const [c, ...others] = (await listConnections(sb)).filter((x) => x.envDefault);
      expect(others).toHaveLength(0);
      expect(c).toMatchObject({
        vendor: 'hubspot',
        name: 'HubSpot (from environment)',
        sandbox: false,
        status: 'active',
        baseUrl: 'https://api.hubapi.com',
      });
      const stored = await sql<{ credentials_cipher: string }>`
        SELECT credentials_cipher FROM connections WHERE id = ${c!.id}`.execute(testDb.db.kysely);
      expect(stored.rows[0]!.credentials_cipher).not.toContain(hubspot.privateAppToken);
      // Point it at the emulator (HubSpot has one production host, so the env has no base URL): it works.
      const moved = await call(sb, 'PATCH', `/api/v1/connections/${c!.id}`, { baseUrl: hubspot.url });
      expect(moved.statusCode, moved.body).toBe(200);
      expect((await call(sb, 'POST', `/api/v1/connections/${c!.id}/test`)).json()).toMatchObject({
        ok: true,
        account: String(hubspot.store.portalId),
      });
      return moved.json() as ConnectionBody;
    });
    const eventsBefore = await countEvents(`connection:${created.id}`);
    const credentialsVersion = await credentialsVersionOf(created.id);

    await boot(env, async (sb) => {
      const [c] = (await listConnections(sb)).filter((x) => x.envDefault);
      // Same row, same version: neither the credentials nor anything else was rewritten.
      expect(c).toMatchObject({ id: created.id, version: created.version, baseUrl: hubspot.url });
      expect(await credentialsVersionOf(c!.id)).toBe(credentialsVersion);
      expect((await call(sb, 'POST', `/api/v1/connections/${c!.id}/test`)).json()).toMatchObject({
        ok: true,
      });
    });
    expect(await countEvents(`connection:${created.id}`)).toBe(eventsBefore);

    // A new token in the env replaces the credentials (and fixes a connection that needed re-authorisation).
    await sql`UPDATE connections SET status = 'needs_reauth' WHERE id = ${created.id}`.execute(
      testDb.db.kysely,
    );
    const token2 = hubspot.issuePrivateAppToken();
    await boot({ ...env, HUBSPOT_ACCESS_TOKEN: token2 }, async (sb) => {
      const [c, ...others] = (await listConnections(sb)).filter((x) => x.envDefault);
      expect(others).toHaveLength(0);
      expect(c).toMatchObject({ id: created.id, status: 'active' });
      expect(await credentialsVersionOf(c!.id)).toBe(credentialsVersion + 1);
      expect((await call(sb, 'POST', `/api/v1/connections/${c!.id}/test`)).json()).toMatchObject({
        ok: true,
      });
    });
  }, 60_000);

  it('fails the boot naming the variable when the platform is unknown or its variables are missing or invalid', async () => {
    const bootError = async (env: Record<string, string>) => {
      try {
        await createSwitchboard({ config: configFor(env), clock, logger: silentLogger(), db: testDb.db });
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).problems;
      }
      throw new Error(`booted with ${JSON.stringify(env)}`);
    };
    expect(await bootError({ MARKETING_PLATFORM: 'salesforce' })).toEqual([
      { variable: 'MARKETING_PLATFORM', message: expect.stringContaining('hubspot, marketo') },
    ]);
    expect(await bootError({ MARKETING_PLATFORM: 'hubspot' })).toEqual([
      { variable: 'HUBSPOT_ACCESS_TOKEN', message: 'is required with MARKETING_PLATFORM=hubspot' },
    ]);
    const marketo = await bootError({
      MARKETING_PLATFORM: 'marketo',
      MARKETO_CLIENT_ID: 'id',
      MARKETO_BASE_URL: 'ftp://nope',
    });
    expect(marketo.map((p) => p.variable).sort()).toEqual(['MARKETO_BASE_URL', 'MARKETO_CLIENT_SECRET']);
    // Secret values never appear in the messages.
    const secret = await bootError({
      MARKETING_PLATFORM: 'marketo',
      MARKETO_CLIENT_ID: 'id',
      MARKETO_CLIENT_SECRET: 's3cr3t-value',
      MARKETO_BASE_URL: 'not a url',
    });
    expect(JSON.stringify(secret)).not.toContain('s3cr3t-value');
  });
});
