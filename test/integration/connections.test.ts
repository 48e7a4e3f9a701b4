/**
 * Connections: CRUD with schemas from the connector, credentials write-only (never returned, sealed at rest), the
 * connectors listing with JSON Schemas, test and health against the sandbox, and the env default connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import type { ConnectionsModule } from '../../src/server/modules/connections/index.js';
import { createLedgerApp, type LedgerApp } from './deliveries.fixture.js';

let app: LedgerApp;
let hubspot: HubSpotSandbox;

beforeAll(async () => {
  hubspot = await startHubSpotSandbox();
  app = await createLedgerApp({
    start: false,
    env: { MARKETING_PLATFORM: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'pat-from-env-1' },
  });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await hubspot?.close();
});

describe('connections', () => {
  it('lists connectors with their config and credentials JSON Schemas', async () => {
    const res = await app.call('viewer', 'GET', '/api/v1/connectors');
    expect(res.statusCode).toBe(200);
    const ids = res.json().items.map((c: { id: string }) => c.id);
    expect(ids).toEqual(expect.arrayContaining(['hubspot', 'marketo']));
    const marketo = res.json().items.find((c: { id: string }) => c.id === 'marketo');
    expect(marketo.configSchema.properties.programFolderId).toBeDefined();
    expect(marketo.credentialsSchema.properties.clientSecret).toBeDefined();
  });

  it('creates, reads, updates and deletes; credentials are never returned and are sealed at rest', async () => {
    const created = await app.call('admin', 'POST', '/api/v1/connections', {
      vendor: 'hubspot',
      name: 'Main portal',
      baseUrl: hubspot.url,
      sandbox: true,
      credentials: { accessToken: hubspot.privateAppToken },
    });
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(JSON.stringify(c)).not.toContain(hubspot.privateAppToken);
    expect(c).toMatchObject({
      vendor: 'hubspot',
      hasCredentials: true,
      status: 'active',
      label: 'Main portal [sandbox]',
    });
    const got = await app.call('viewer', 'GET', `/api/v1/connections/${c.id}`);
    expect(got.body).not.toContain(hubspot.privateAppToken);
    expect(got.json().manifest.id).toBe('hubspot');
    const list = await app.call('viewer', 'GET', '/api/v1/connections');
    expect(list.body).not.toContain(hubspot.privateAppToken);
    const stored = await sql<{ credentials_cipher: string }>`
      SELECT credentials_cipher FROM connections WHERE id = ${c.id}`.execute(app.t.db.kysely);
    expect(stored.rows[0]!.credentials_cipher).toMatch(/^v1:/);
    expect(stored.rows[0]!.credentials_cipher).not.toContain(hubspot.privateAppToken);

    const tested = await app.call('publisher', 'POST', `/api/v1/connections/${c.id}/test`);
    expect(tested.statusCode).toBe(200);
    expect(tested.json()).toMatchObject({ ok: true });
    const health = (await app.call('viewer', 'GET', `/api/v1/connections/${c.id}/health`)).json();
    expect(health).toMatchObject({ breakerState: 'closed', live: true });
    expect(health.rateBudget.windowLimit).toBeGreaterThan(0);

    const renamed = await app.call('admin', 'PATCH', `/api/v1/connections/${c.id}`, { name: 'Renamed' });
    expect(renamed.statusCode).toBe(200);
    const conflict = await app.t.app.inject({
      method: 'PATCH',
      url: `/api/v1/connections/${c.id}`,
      headers: { authorization: `Bearer ${app.ws.tokens.admin}`, 'if-match': `"${c.version}"` },
      payload: { name: 'Again' },
    });
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe('CONNECTION_VERSION_CONFLICT');

    const bad = await app.call('admin', 'PATCH', `/api/v1/connections/${c.id}`, { credentials: { nope: 1 } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('CONNECTION_CREDENTIALS_INVALID');

    expect((await app.call('admin', 'DELETE', `/api/v1/connections/${c.id}`)).statusCode).toBe(204);
    expect((await app.call('viewer', 'GET', `/api/v1/connections/${c.id}`)).statusCode).toBe(404);
  });

  it('a runtime rebuilt for new credentials keeps the budget already spent (same vendor limits)', async () => {
    const c = (
      await app.call('admin', 'POST', '/api/v1/connections', {
        vendor: 'hubspot',
        name: 'Budget',
        baseUrl: hubspot.url,
        sandbox: true,
        credentials: { accessToken: hubspot.privateAppToken },
      })
    ).json();
    const remaining = async () =>
      (await app.call('viewer', 'GET', `/api/v1/connections/${c.id}/health`)).json().rateBudget
        .windowRemaining as number;
    expect((await app.call('publisher', 'POST', `/api/v1/connections/${c.id}/test`)).json()).toMatchObject({
      ok: true,
    });
    const afterFirst = await remaining();
    const rotated = await app.call('admin', 'PATCH', `/api/v1/connections/${c.id}`, {
      credentials: { accessToken: hubspot.privateAppToken },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    expect((await app.call('publisher', 'POST', `/api/v1/connections/${c.id}/test`)).json()).toMatchObject({
      ok: true,
    });
    // The second test ran on a new runtime (new credentials version) but drew from the same window.
    expect(await remaining()).toBeLessThan(afterFirst);
  });

  it('validates vendor and config with machine-readable codes', async () => {
    const unknown = await app.call('admin', 'POST', '/api/v1/connections', { vendor: 'nope', name: 'x' });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().error.code).toBe('CONNECTOR_UNKNOWN');
    const config = await app.call('admin', 'POST', '/api/v1/connections', {
      vendor: 'marketo',
      name: 'mk',
      config: { programFolderId: 'twelve' },
      credentials: { clientId: 'a', clientSecret: 'b' },
    });
    expect(config.statusCode).toBe(422);
    expect(config.json().error.code).toBe('CONNECTION_CONFIG_INVALID');
    expect(config.json().error.details.issues.map((i: { path: string }) => i.path)).toContain(
      'programFolderId',
    );
    const forbidden = await app.call('editor', 'POST', '/api/v1/connections', {
      vendor: 'hubspot',
      name: 'y',
    });
    expect(forbidden.statusCode).toBe(403);
  });

  it('MARKETING_PLATFORM creates the default connection at start-up and updates it, without duplicates', async () => {
    const mod = app.t.sb.modules.find((m) => m.name === 'connections') as ConnectionsModule;
    const first = await mod.applyEnvDefaults();
    expect(first.connections).toHaveLength(1);
    const again = await mod.applyEnvDefaults();
    expect(again.connections[0]!.id).toBe(first.connections[0]!.id);
    // Same credentials: not rewritten.
    expect(again.connections[0]!.credentialsVersion).toBe(first.connections[0]!.credentialsVersion);
    const list = (await app.call('viewer', 'GET', '/api/v1/connections?vendor=hubspot')).json().items as {
      envDefault: boolean;
      sandbox: boolean;
    }[];
    expect(list.filter((c) => c.envDefault)).toHaveLength(1);
    expect(list.find((c) => c.envDefault)!.sandbox).toBe(false);
    expect(JSON.stringify(list)).not.toContain('pat-from-env-1');
  });
});
