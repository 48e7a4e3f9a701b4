import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig, platformEnvPrefix } from '../../config.js';
import { connectors } from '../../connectors/index.js';
import { resolveEnvPlatform } from './env-defaults.js';
import { listSandboxVendors } from './sandboxes.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-env-defaults-'));
const config = (env: Record<string, string>) => loadConfig({ SWITCHBOARD_CONFIG_FILE: '', ...env }, dir);

describe('env defaults from the connector manifests', () => {
  it("every connector's env variables carry its prefix and name a credentials field its schema knows", () => {
    for (const c of Object.values(connectors)) {
      for (const v of c.manifest.env ?? []) {
        expect(v.name.startsWith(platformEnvPrefix(c.manifest.id)), v.name).toBe(true);
        if (typeof v.into === 'object') {
          // Credentials schemas are zod objects (a zod 4 `.refine` keeps the shape).
          const { shape } = c.manifest.credentialsSchema as unknown as { shape: Record<string, unknown> };
          expect(Object.keys(shape), v.name).toContain(v.into.credential);
        }
      }
    }
    expect(platformEnvPrefix('google-ads')).toBe('GOOGLE_ADS_');
  });

  it('config collects only the chosen platform’s prefixed variables, from the file too; the env wins', () => {
    const file = join(dir, 'vendor.env');
    writeFileSync(file, 'HUBSPOT_ACCESS_TOKEN=from-file\nMARKETO_CLIENT_ID=ignored\n');
    const fromFile = loadConfig({ SWITCHBOARD_CONFIG_FILE: file, MARKETING_PLATFORM: 'hubspot' }, dir);
    expect(fromFile.platformEnv).toEqual({ HUBSPOT_ACCESS_TOKEN: 'from-file' });
    const both = loadConfig(
      { SWITCHBOARD_CONFIG_FILE: file, MARKETING_PLATFORM: 'HubSpot', HUBSPOT_ACCESS_TOKEN: 'from-env' },
      dir,
    );
    expect(both.marketingPlatform).toBe('hubspot');
    expect(both.platformEnv).toEqual({ HUBSPOT_ACCESS_TOKEN: 'from-env' });
    expect(config({ HUBSPOT_ACCESS_TOKEN: 'x' }).platformEnv).toEqual({});
    // `switchboard config` lists them, always redacted.
    const rows = describeConfig(both).filter((r) => r.setting === 'platformEnv');
    expect(rows).toEqual([
      { setting: 'platformEnv', env: 'HUBSPOT_ACCESS_TOKEN', value: '<redacted>', default: '' },
    ]);
    expect(() => config({ MARKETING_PLATFORM: 'not valid!' })).toThrow(ConfigError);
  });

  it('maps variables to base URL and credentials, and lists undeclared ones', () => {
    const p = resolveEnvPlatform(
      config({
        MARKETING_PLATFORM: 'marketo',
        MARKETO_CLIENT_ID: 'cid',
        MARKETO_CLIENT_SECRET: 'secret',
        MARKETO_BASE_URL: 'https://123-ABC-456.mktorest.com',
        MARKETO_CLIENT_SECERT: 'typo',
      }),
      connectors,
    );
    expect(p.kind === 'connector' && p.settings).toEqual({
      baseUrl: 'https://123-ABC-456.mktorest.com',
      credentials: { clientId: 'cid', clientSecret: 'secret' },
      unknownVariables: ['MARKETO_CLIENT_SECERT'],
    });
    expect(resolveEnvPlatform(config({}), connectors)).toEqual({ kind: 'none' });
    expect(resolveEnvPlatform(config({ MARKETING_PLATFORM: 'sandbox' }), connectors)).toEqual({
      kind: 'sandbox',
    });
  });

  it('refuses an unknown platform or missing variables with a ConfigError naming each variable', () => {
    const problems = (env: Record<string, string>) => {
      try {
        resolveEnvPlatform(config(env), connectors);
      } catch (e) {
        if (e instanceof ConfigError) return e.problems.map((p) => p.variable);
        throw e;
      }
      return [];
    };
    expect(problems({ MARKETING_PLATFORM: 'salesforce' })).toEqual(['MARKETING_PLATFORM']);
    expect(problems({ MARKETING_PLATFORM: 'marketo' })).toEqual([
      'MARKETO_CLIENT_ID',
      'MARKETO_CLIENT_SECRET',
      'MARKETO_BASE_URL',
    ]);
    expect(problems({ MARKETING_PLATFORM: 'hubspot', HUBSPOT_ACCESS_TOKEN: 'pat-1' })).toEqual([]);
  });

  it('sandboxes come from the connectors that ship one', () => {
    expect(listSandboxVendors()).toEqual(['hubspot', 'marketo']);
    expect(listSandboxVendors({ marketo: connectors.marketo })).toEqual(['marketo']);
    const { sandbox: _omit, ...withoutSandbox } = connectors.hubspot;
    expect(listSandboxVendors({ hubspot: withoutSandbox })).toEqual([]);
  });
});
