/**
 * `switchboard connections list|add|test` and `switchboard sandbox start` in-process against a real database
 * (file-backed embedded, or the test PostgreSQL database) and the HubSpot sandbox over real HTTP, with the exit-code
 * convention (0 ok, 1 error, 2 usage).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import type { TestDb } from '../support/test-db.js';
import { cliRunner, cliTestDatabase } from '../support/cli-runner.js';

describe('switchboard connections / sandbox CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-connections-cli-'));
  let pg: TestDb | null = null;
  let hubspot: HubSpotSandbox;
  const env: Record<string, string> = {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_CONFIG_FILE: '',
    SWITCHBOARD_LOG_LEVEL: 'silent',
    SWITCHBOARD_SECRET_KEY: Buffer.alloc(32, 11).toString('base64'),
  };
  const run = cliRunner(env, dataDir);
  const ws = ['--workspace', 'conn-cli'];

  beforeAll(async () => {
    hubspot = await startHubSpotSandbox({ seed: false });
    pg = await cliTestDatabase(env);
    const r = await run('workspace', 'create', '--slug', 'conn-cli');
    expect(r.code, r.err).toBe(0);
  }, 60_000);
  afterAll(async () => {
    await hubspot?.close();
    await pg?.close();
  });

  it('add, list and test a connection; credentials never shown, failures exit 1', async () => {
    const token = hubspot.privateAppToken;
    const added = await run(
      'connections',
      'add',
      ...ws,
      '--vendor',
      'hubspot',
      '--name',
      'Portal',
      '--base-url',
      hubspot.url,
      '--config',
      JSON.stringify({ blogId: hubspot.blogId }),
      '--credentials',
      JSON.stringify({ accessToken: token }),
      '--sandbox',
      '--json',
    );
    expect(added.code, added.err).toBe(0);
    expect(added.out).not.toContain(token);
    const { id, status } = JSON.parse(added.out) as { id: string; status: string };
    expect(status).toBe('active');

    const list = await run('connections', 'list', ...ws, '--json');
    expect(list.code, list.err).toBe(0);
    expect(JSON.parse(list.out)).toEqual([
      expect.objectContaining({
        id,
        vendor: 'hubspot',
        name: 'Portal [sandbox]',
        status: 'active',
        baseUrl: hubspot.url,
      }),
    ]);
    expect(list.out).not.toContain(token);
    const table = await run('connections', 'list', ...ws);
    expect(table.out).toContain('Portal [sandbox]');

    const tested = await run('connections', 'test', id, ...ws, '--json');
    expect(tested.code, tested.err).toBe(0);
    expect(JSON.parse(tested.out)).toMatchObject({ ok: true, account: String(hubspot.store.portalId) });
    const human = await run('connections', 'test', id, ...ws);
    expect(human.out).toMatch(new RegExp(`^ok \\(account ${hubspot.store.portalId}\\) in \\d+ ms$`));
    expect(hubspot.log.entries().filter((e) => e.operation === 'account.details')).toHaveLength(2);

    // The vendor revokes the token: the test reports the classified error and exits 1.
    hubspot.faults.inject({ kind: 'expire_tokens' });
    try {
      const refused = await run('connections', 'test', id, ...ws);
      expect(refused.code).toBe(1);
      expect(refused.out).toMatch(/^failed: auth_expired: /);
      expect(refused.out).not.toContain(token);
    } finally {
      hubspot.faults.clear();
    }
    // The refusal was recorded: the connection needs re-authorisation.
    const after = JSON.parse((await run('connections', 'list', ...ws, '--json')).out) as { status: string }[];
    expect(after[0]!.status).toBe('needs_reauth');
  });

  it('refuses bad input with machine-readable codes and never echoes secrets', async () => {
    const badJson = await run(
      'connections',
      'add',
      ...ws,
      '--vendor',
      'hubspot',
      '--name',
      'x',
      '--credentials',
      '{',
    );
    expect(badJson.code).toBe(2);
    expect(badJson.err).toContain('--credentials must be a JSON object');

    const unknown = await run('connections', 'add', ...ws, '--vendor', 'nope', '--name', 'x');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('CONNECTOR_UNKNOWN');

    const invalid = await run(
      'connections',
      'add',
      ...ws,
      '--vendor',
      'marketo',
      '--name',
      'mk',
      '--config',
      '{"programFolderId":1,"emailTemplateId":1}',
      '--credentials',
      '{"clientSecret":"super-secret-value"}',
    );
    expect(invalid.code).toBe(1);
    expect(invalid.err).toContain('CONNECTION_CREDENTIALS_INVALID');
    expect(invalid.err).toContain('clientId');
    expect(invalid.err).not.toContain('super-secret-value');

    const missing = await run('connections', 'test', '00000000-0000-4000-8000-000000000000', ...ws);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('NOT_FOUND');
    const noWs = await run('connections', 'list', '--workspace', 'nowhere');
    expect(noWs.code).toBe(1);
    expect((await run('connections', 'list')).code).toBe(2);
  });

  it('sandbox start prints the URL, credentials and config of each sandbox; unknown vendors are usage errors', async () => {
    const started = await run('sandbox', 'start', 'hubspot', 'marketo', '--json', '--exit');
    expect(started.code, started.err).toBe(0);
    const rows = JSON.parse(started.out) as {
      vendor: string;
      baseUrl: string;
      credentials: Record<string, string>;
      config: Record<string, unknown>;
    }[];
    expect(rows.map((r) => r.vendor)).toEqual(['hubspot', 'marketo']);
    expect(rows[0]!.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(rows[0]!.credentials.accessToken).toBeTruthy();
    expect(rows[0]!.config.blogId).toMatch(/^\d+$/);
    expect(rows[1]!.credentials).toEqual({ clientId: expect.any(String), clientSecret: expect.any(String) });
    expect(rows[1]!.config).toMatchObject({ programFolderId: 33, emailTemplateId: 1 });
    // --exit stopped them again.
    await expect(fetch(`${rows[0]!.baseUrl}/account-info/v3/details`)).rejects.toThrow();

    const human = await run('sandbox', 'start', 'hubspot', '--exit');
    expect(human.code, human.err).toBe(0);
    expect(human.out).toMatch(/^hubspot sandbox: http:\/\/127\.0\.0\.1:\d+/);
    expect(human.out).toContain('switchboard connections add --workspace <slug> --vendor hubspot');

    const unknown = await run('sandbox', 'start', 'salesforce', '--exit');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('No sandbox for salesforce; available: hubspot, marketo');
    expect((await run('sandbox', 'start', '--help')).out).toContain('hubspot, marketo');
  });
});
