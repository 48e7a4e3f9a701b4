/**
 * Configuration from the environment, for single-tenant deployments configured purely by env:
 * `MARKETING_PLATFORM=<connector id>` plus that connector's variables creates or updates the default connection of the
 * first workspace at start-up; `MARKETING_PLATFORM=sandbox` starts every sandbox in-process and points labelled
 * sandbox connections at them (their base URLs change on every start).
 *
 * Nothing here knows a vendor: each connector's manifest declares its variables (`manifest.env`: name → base URL or
 * credentials field), and `config.ts` — the only reader of the environment — hands over every `<ID>_…` variable of the
 * chosen platform (`config.platformEnv`). Bad or missing variables fail the start with a `ConfigError` naming them,
 * like any other configuration error.
 *
 * Credentials are only rewritten when they differ from the stored ones, so a restart does not bump the credentials
 * version (which would rebuild runtimes and forget tokens) for nothing; an unchanged restart writes nothing at all.
 */
import { sql } from 'kysely';
import { ConfigError, type Config } from '../../config.js';
import { systemActor } from '../../platform/auth/index.js';
import type { Connector } from '../../connectors/index.js';
import type { ConnectionsContext, ConnectorLookup } from './connections.context.js';
import {
  findEnvDefaultConnection,
  findSecrets,
  listConnections,
  type Connection,
} from './connections.repo.js';
import { createConnection, parseSettings, updateConnection } from './connections.service.js';
import type { RunningSandbox } from './sandboxes.js';

/** The connection settings a connector's env variables give. */
export interface EnvSettings {
  baseUrl?: string;
  credentials: Record<string, unknown>;
  /** Variables with the connector's prefix that it does not declare (typos, most likely): logged at start-up. */
  unknownVariables: string[];
}

/** What MARKETING_PLATFORM asks for. */
export type EnvPlatform =
  { kind: 'none' } | { kind: 'sandbox' } | { kind: 'connector'; connector: Connector; settings: EnvSettings };

export interface EnvDefaultsResult {
  workspaceId: string | null;
  connections: Connection[];
}

type PlatformConfig = Pick<Config, 'marketingPlatform' | 'platformEnv'>;

/**
 * Reads MARKETING_PLATFORM and the chosen connector's variables. Throws a `ConfigError` naming each variable that is
 * missing or invalid (an unknown platform, a missing required variable, a value the connector's schema refuses).
 */
export function resolveEnvPlatform(config: PlatformConfig, connectors: ConnectorLookup): EnvPlatform {
  const platform = config.marketingPlatform;
  if (platform === '') return { kind: 'none' };
  if (platform === 'sandbox') return { kind: 'sandbox' };
  const configurable = Object.values(connectors)
    .filter((c) => c.manifest.env !== undefined)
    .map((c) => c.manifest.id)
    .sort();
  const connector = connectors[platform];
  if (!connector?.manifest.env) {
    throw new ConfigError([
      {
        variable: 'MARKETING_PLATFORM',
        message: `must be sandbox or one of ${configurable.join(', ') || '(none)'}, or empty (got "${platform}")`,
      },
    ]);
  }
  return { kind: 'connector', connector, settings: readEnvSettings(connector, config) };
}

function readEnvSettings(connector: Connector, config: PlatformConfig): EnvSettings {
  const declared = connector.manifest.env ?? [];
  const problems: { variable: string; message: string }[] = [];
  const credentials: Record<string, unknown> = {};
  let baseUrl: string | undefined;
  for (const v of declared) {
    const value = config.platformEnv[v.name];
    if (value === undefined) {
      if (v.required) {
        problems.push({
          variable: v.name,
          message: `is required with MARKETING_PLATFORM=${connector.manifest.id}`,
        });
      }
      continue;
    }
    if (v.into === 'baseUrl') {
      if (!/^https?:\/\/[^\s]+$/.test(value) || !URL.canParse(value)) {
        problems.push({ variable: v.name, message: 'must be an http(s) URL' });
      } else baseUrl = value;
    } else credentials[v.into.credential] = value;
  }
  if (problems.length) throw new ConfigError(problems);
  const parsed = connector.manifest.credentialsSchema.safeParse(credentials);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable:
          declared.find((v) => typeof v.into === 'object' && v.into.credential === issue.path[0])?.name ??
          'MARKETING_PLATFORM',
        // The schema's message is about the shape; a secret value is never echoed.
        message: issue.message,
      })),
    );
  }
  const names = new Set(declared.map((v) => v.name));
  return {
    ...(baseUrl !== undefined ? { baseUrl } : {}),
    credentials: parsed.data as Record<string, unknown>,
    unknownVariables: Object.keys(config.platformEnv).filter((n) => !names.has(n)),
  };
}

async function firstWorkspaceId(ctx: ConnectionsContext): Promise<string | null> {
  const r = await sql<{ id: string }>`SELECT id FROM workspaces ORDER BY created_at, id LIMIT 1`.execute(
    ctx.db,
  );
  return r.rows[0]?.id ?? null;
}

function parseConfigJson(text: string): Record<string, unknown> | undefined {
  return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
}

/** Creates or updates the env-configured connection(s); a no-op when MARKETING_PLATFORM is empty. */
export async function applyEnvDefaults(
  ctx: ConnectionsContext,
  config: Pick<Config, 'marketingPlatform' | 'marketingPlatformConfig' | 'platformEnv'>,
  sandboxes: readonly RunningSandbox[] = [],
): Promise<EnvDefaultsResult> {
  const platform = resolveEnvPlatform(config, ctx.connectors);
  if (platform.kind === 'none') return { workspaceId: null, connections: [] };
  const workspaceId = await firstWorkspaceId(ctx);
  if (!workspaceId) {
    ctx.logger.warn(
      'MARKETING_PLATFORM is set but no workspace exists yet; the default connection is created on the next start',
    );
    return { workspaceId: null, connections: [] };
  }
  if (platform.kind === 'sandbox') {
    const out: Connection[] = [];
    for (const s of sandboxes) out.push(await upsertSandboxConnection(ctx, workspaceId, s));
    return { workspaceId, connections: out };
  }
  const { connector, settings } = platform;
  const vendor = connector.manifest.id;
  if (settings.unknownVariables.length) {
    ctx.logger.warn(
      { variables: settings.unknownVariables, vendor },
      `environment variables the ${vendor} connector does not read (typo?)`,
    );
  }
  const actor = systemActor(workspaceId, 'job');
  const extraConfig = parseConfigJson(config.marketingPlatformConfig);
  const existing = await findEnvDefaultConnection(ctx.db, workspaceId, vendor);
  if (!existing) {
    const created = await createConnection(
      ctx,
      actor,
      {
        vendor,
        name: `${connector.manifest.displayName} (from environment)`,
        ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
        config: extraConfig ?? {},
        credentials: settings.credentials,
      },
      { envDefault: true },
    );
    ctx.logger.info({ connection_id: created.id, vendor }, 'created the default connection from env');
    return { workspaceId, connections: [created] };
  }
  const same = await sameCredentials(ctx, existing.id, settings.credentials);
  const baseUrlChanged =
    settings.baseUrl !== undefined && settings.baseUrl.replace(/\/+$/, '') !== existing.baseUrl;
  const configChanged =
    extraConfig !== undefined &&
    !sameJson(parseSettings(connector.manifest.configSchema, extraConfig, 'config'), existing.config);
  const patch = {
    ...(baseUrlChanged ? { baseUrl: settings.baseUrl } : {}),
    ...(configChanged ? { config: extraConfig } : {}),
    ...(same ? {} : { credentials: settings.credentials }),
  };
  // Same env, same connection: no write, no event, no audit entry on every restart.
  if (Object.keys(patch).length === 0) return { workspaceId, connections: [existing] };
  const updated = await updateConnection(ctx, actor, existing.id, patch);
  return { workspaceId, connections: [updated] };
}

async function upsertSandboxConnection(
  ctx: ConnectionsContext,
  workspaceId: string,
  s: RunningSandbox,
): Promise<Connection> {
  const actor = systemActor(workspaceId, 'job');
  const connector = ctx.connectors[s.vendor];
  const name = `${connector?.manifest.displayName ?? s.vendor} sandbox`;
  const existing = (await listConnections(ctx.db, workspaceId, { vendor: s.vendor })).find(
    (c) => c.sandbox && c.name === name,
  );
  if (!existing) {
    return createConnection(ctx, actor, {
      vendor: s.vendor,
      name,
      baseUrl: s.url,
      config: s.config,
      credentials: s.credentials,
      sandbox: true,
    });
  }
  // A new process started new emulators: new port, new tokens.
  return updateConnection(ctx, actor, existing.id, {
    baseUrl: s.url,
    config: s.config,
    credentials: s.credentials,
    status: 'active',
  });
}

async function sameCredentials(
  ctx: ConnectionsContext,
  id: string,
  credentials: Record<string, unknown>,
): Promise<boolean> {
  const sealed = await findSecrets(ctx.db, id);
  if (!sealed?.credentialsCipher) return false;
  const stored = JSON.parse(ctx.secrets.decrypt(sealed.credentialsCipher)) as Record<string, unknown>;
  const keys = new Set([...Object.keys(stored), ...Object.keys(credentials)]);
  return [...keys].every((k) => stored[k] === credentials[k]);
}

/** Deep equality of JSON values, whatever the key order (jsonb does not keep it). */
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}
