/**
 * Configuration from the environment, for single-tenant deployments configured purely by env:
 * `MARKETING_PLATFORM=hubspot|marketo` plus that vendor's credential variables creates or updates the default
 * connection of the first workspace at start-up; `MARKETING_PLATFORM=sandbox` starts every sandbox in-process and
 * points labelled sandbox connections at them (their base URLs change on every start).
 *
 * Credentials are only rewritten when they differ from the stored ones, so a restart does not bump the credentials
 * version (which would rebuild runtimes and forget tokens) for nothing.
 */
import { sql } from 'kysely';
import type { Config } from '../../config.js';
import { systemActor } from '../../platform/auth/index.js';
import type { ConnectionsContext } from './connections.context.js';
import {
  findEnvDefaultConnection,
  findSecrets,
  listConnections,
  type Connection,
} from './connections.repo.js';
import { createConnection, lookupConnector, updateConnection } from './connections.service.js';
import type { RunningSandbox } from './sandboxes.js';

/** The settings a platform's env variables give. One row per vendor that can be configured from env. */
interface EnvSettings {
  baseUrl?: string;
  credentials: Record<string, unknown>;
}
const ENV_PLATFORMS: Readonly<Record<'hubspot' | 'marketo', (c: Config) => EnvSettings>> = {
  hubspot: (c) => ({ credentials: { accessToken: c.hubspotAccessToken } }),
  marketo: (c) => ({
    baseUrl: c.marketoBaseUrl,
    credentials: { clientId: c.marketoClientId, clientSecret: c.marketoClientSecret },
  }),
};

export interface EnvDefaultsResult {
  workspaceId: string | null;
  connections: Connection[];
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
  config: Config,
  sandboxes: readonly RunningSandbox[] = [],
): Promise<EnvDefaultsResult> {
  const platform = config.marketingPlatform;
  if (platform === '') return { workspaceId: null, connections: [] };
  const workspaceId = await firstWorkspaceId(ctx);
  if (!workspaceId) {
    ctx.logger.warn(
      'MARKETING_PLATFORM is set but no workspace exists yet; the default connection is created on the next start',
    );
    return { workspaceId: null, connections: [] };
  }
  const actor = systemActor(workspaceId, 'job');
  const extraConfig = parseConfigJson(config.marketingPlatformConfig);
  if (platform === 'sandbox') {
    const out: Connection[] = [];
    for (const s of sandboxes) {
      out.push(await upsertSandboxConnection(ctx, workspaceId, s));
    }
    return { workspaceId, connections: out };
  }
  const settings = ENV_PLATFORMS[platform](config);
  const connector = lookupConnector(ctx, platform);
  const existing = await findEnvDefaultConnection(ctx.db, workspaceId, platform);
  if (!existing) {
    const created = await createConnection(
      ctx,
      actor,
      {
        vendor: platform,
        name: `${connector.manifest.displayName} (from environment)`,
        ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}),
        config: extraConfig ?? {},
        credentials: settings.credentials,
      },
      { envDefault: true },
    );
    ctx.logger.info(
      { connection_id: created.id, vendor: platform },
      'created the default connection from env',
    );
    return { workspaceId, connections: [created] };
  }
  const same = await sameCredentials(ctx, existing.id, settings.credentials);
  const updated = await updateConnection(ctx, actor, existing.id, {
    ...(settings.baseUrl && settings.baseUrl !== existing.baseUrl ? { baseUrl: settings.baseUrl } : {}),
    ...(extraConfig ? { config: extraConfig } : {}),
    ...(same ? {} : { credentials: settings.credentials }),
  });
  return { workspaceId, connections: [updated] };
}

async function upsertSandboxConnection(
  ctx: ConnectionsContext,
  workspaceId: string,
  s: RunningSandbox,
): Promise<Connection> {
  const actor = systemActor(workspaceId, 'job');
  const connector = lookupConnector(ctx, s.vendor);
  const name = `${connector.manifest.displayName} sandbox`;
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
