/**
 * connections: configured accounts on external platforms (issue 4).
 *
 * Terminology:
 * - connector: a vendor integration from the registry (`src/server/connectors/`), identified by its id (`hubspot`).
 * - connection: one configured account of a connector in a workspace — base URL, config (validated by the
 *   connector's `configSchema`), credentials (validated by its `credentialsSchema`, sealed with the SecretBox,
 *   write-only), tokens (sealed), status `active | needs_reauth | paused | disabled`, and health.
 * - runtime: a connection's live client with its breaker, rate limiter and single-flight token store, one per
 *   connection and process (`ConnectionRuntimes`).
 * - health: breaker state, last success, last classified error, token expiry and rate budget; updated by every call.
 * - env default: the connection MARKETING_PLATFORM creates or updates at start-up; sandbox connections point at
 *   in-process emulators and are labelled everywhere.
 *
 * Other modules use `ConnectionsPort` (from this file); the deliveries module reacts to `connection.resumed`.
 */
import { loadSecretBox, type SecretBox } from '../../platform/crypto/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { HttpApp } from '../../platform/http/index.js';
import { connectors as registry, type Connector, type RuntimeOptions } from '../../connectors/index.js';
import type { ModuleDeps, SwitchboardModule } from '../module.js';
import type { ConnectionsContext, ConnectorLookup } from './connections.context.js';
import { ConnectionRuntimes, type ConnectionHandle } from './connection-runtime.js';
import { registerConnectionRoutes } from './connections.routes.js';
import {
  findConnection,
  findConnectionById,
  findSecrets,
  markNeedsReauth,
  updateHealth,
  type Connection,
} from './connections.repo.js';
import * as service from './connections.service.js';
import { applyEnvDefaults, resolveEnvPlatform, type EnvDefaultsResult } from './env-defaults.js';
import { startSandboxes, type RunningSandbox } from './sandboxes.js';

export type { Connection, ConnectionStatus } from './connections.repo.js';
export { CONNECTION_STATUSES } from './connections.repo.js';
export type { ConnectionHandle } from './connection-runtime.js';
export type { ConnectionsContext, ConnectorLookup } from './connections.context.js';
export type {
  ConnectionHealth,
  CreateConnectionInput,
  UpdateConnectionInput,
  TestResult,
} from './connections.service.js';
export * from './connections.errors.js';
export {
  startSandboxes,
  listSandboxVendors,
  UnknownSandboxError,
  type RunningSandbox,
  type SandboxStartOptions,
} from './sandboxes.js';
export {
  applyEnvDefaults,
  resolveEnvPlatform,
  type EnvDefaultsResult,
  type EnvPlatform,
} from './env-defaults.js';

/**
 * What other modules (deliveries, webhooks) may do with connections. Job-side calls: no actor, the caller has
 * already authorised the use case that led here.
 */
export interface ConnectionsPort {
  find(db: Executor, workspaceId: string, id: string): Promise<Connection | null>;
  /** The connector of a vendor id (its manifest tells capabilities), if registered. */
  connectorOf(vendor: string): Connector | undefined;
  /** The live client of a connection (cached per process). */
  open(connection: Connection): Promise<ConnectionHandle>;
  /** The vendor refused the credentials and refreshing failed: deliveries pause until re-authorisation. */
  markNeedsReauth(db: Executor, connection: Connection, reason: string): Promise<void>;
  /** The vendor says the account is unusable until `until` (daily quota): deliveries wait. */
  pauseUntil(db: Executor, connectionId: string, until: Date | null): Promise<void>;
  /** Inbound webhooks: who a connection belongs to and its signing secret (`credentials.webhookSecret` or `clientSecret`). */
  findWebhookConnection(connectionId: string): Promise<{
    id: string;
    workspaceId: string;
    vendor: string;
    webhookSecret: string | null;
  } | null>;
}

export interface ConnectionsModuleOptions {
  /** The connectors to offer (default: the registry). */
  connectors?: ConnectorLookup;
  /** The SecretBox (default: loaded from config, the same key the composition root loaded). */
  secrets?: SecretBox;
  runtimeOptions?: RuntimeOptions;
}

export type ConnectionsModule = SwitchboardModule & {
  readonly context: ConnectionsContext;
  readonly port: ConnectionsPort;
  readonly services: ConnectionServices;
  /** Sandboxes started by `MARKETING_PLATFORM=sandbox` (empty otherwise). */
  readonly sandboxes: readonly RunningSandbox[];
  /** Creates/updates the env default connection (and starts sandboxes in sandbox mode); run by `start`. */
  applyEnvDefaults(): Promise<EnvDefaultsResult>;
  start(): Promise<void>;
  stop(): Promise<void>;
  registerRoutes(app: HttpApp): void;
};

type OmitCtx<F> = F extends (ctx: ConnectionsContext, ...rest: infer A) => infer R
  ? (...args: A) => R
  : never;

export interface ConnectionServices {
  create: OmitCtx<typeof service.createConnection>;
  get: OmitCtx<typeof service.getConnection>;
  list: OmitCtx<typeof service.listWorkspaceConnections>;
  update: OmitCtx<typeof service.updateConnection>;
  remove: OmitCtx<typeof service.deleteConnection>;
  test: OmitCtx<typeof service.testConnection>;
  health: OmitCtx<typeof service.getConnectionHealth>;
}

export function createConnectionsModule(
  deps: ModuleDeps,
  opts: ConnectionsModuleOptions = {},
): ConnectionsModule {
  const { config } = deps;
  const secrets =
    opts.secrets ??
    loadSecretBox({ secretKey: config.secretKey, embedded: config.embedded, dataDir: config.dataDir }).box;
  const runtimeOptions: RuntimeOptions = opts.runtimeOptions ?? {
    timeoutMs: config.connectorTimeoutMs,
    breaker: { halfOpenAfterMs: config.breakerHalfOpenMs },
  };
  const db = deps.db.kysely;
  const ctx: ConnectionsContext = {
    db,
    clock: deps.clock,
    logger: deps.logger,
    metrics: deps.metrics,
    events: deps.events,
    audit: deps.audit,
    secrets,
    connectors: opts.connectors ?? (registry as ConnectorLookup),
    runtimes: new ConnectionRuntimes({
      db,
      clock: deps.clock,
      logger: deps.logger,
      metrics: deps.metrics,
      secrets,
      events: deps.events,
      runtimeOptions,
      // Several processes share a connection only on PostgreSQL (ADR 0010).
      sharedRateLimits: deps.db.kind === 'postgres',
    }),
    publicUrl: config.publicUrl,
  };
  // MARKETING_PLATFORM and its variables are checked now, so a bad value fails the boot naming the variable.
  const envPlatform = resolveEnvPlatform(config, ctx.connectors);
  const sandboxes: RunningSandbox[] = [];
  const bind =
    <A extends unknown[], R>(fn: (c: ConnectionsContext, ...args: A) => R) =>
    (...args: A): R =>
      fn(ctx, ...args);
  const port: ConnectionsPort = {
    find: (executor, workspaceId, id) => findConnection(executor, workspaceId, id),
    connectorOf: (vendor) => ctx.connectors[vendor],
    open: (connection) => service.openConnection(ctx, connection),
    markNeedsReauth: async (executor, connection, reason) => {
      const changed = await markNeedsReauth(executor, connection.id, reason, deps.clock.now());
      if (changed) {
        await deps.events.append(executor, {
          workspaceId: connection.workspaceId,
          type: 'connection.needs_reauth',
          subject: `connection:${connection.id}`,
          actor: { kind: 'system', userId: null, tokenId: null, origin: 'job' },
          payload: { connectionId: connection.id, vendor: connection.vendor, reason },
        });
      }
    },
    pauseUntil: (executor, id, until) => updateHealth(executor, id, { pausedUntil: until }),
    findWebhookConnection: async (id) => {
      const c = await findConnectionById(db, id);
      if (!c) return null;
      const s = await findSecrets(db, id);
      const creds = s?.credentialsCipher
        ? (JSON.parse(secrets.decrypt(s.credentialsCipher)) as Record<string, unknown>)
        : {};
      const secret = creds.webhookSecret ?? creds.clientSecret;
      return {
        id: c.id,
        workspaceId: c.workspaceId,
        vendor: c.vendor,
        webhookSecret: typeof secret === 'string' ? secret : null,
      };
    },
  };
  const apply = async () => {
    if (envPlatform.kind === 'sandbox' && sandboxes.length === 0) {
      sandboxes.push(...(await startSandboxes([], {}, ctx.connectors)));
      for (const s of sandboxes)
        deps.logger.warn(
          { vendor: s.vendor, url: s.url },
          'SANDBOX MODE: vendor emulator started; nothing reaches the real vendor',
        );
    }
    return applyEnvDefaults(ctx, config, sandboxes);
  };
  return {
    name: 'connections',
    context: ctx,
    port,
    sandboxes,
    services: {
      create: bind(service.createConnection),
      get: bind(service.getConnection),
      list: bind(service.listWorkspaceConnections),
      update: bind(service.updateConnection),
      remove: bind(service.deleteConnection),
      test: bind(service.testConnection),
      health: bind(service.getConnectionHealth),
    },
    applyEnvDefaults: apply,
    async start() {
      if (envPlatform.kind !== 'none') await apply();
    },
    async stop() {
      await Promise.allSettled(sandboxes.splice(0).map((s) => s.close()));
    },
    registerRoutes(app) {
      registerConnectionRoutes(app, ctx);
    },
  };
}

/** The connection columns holding SecretBox ciphertexts: credentials, OAuth/client-credentials tokens, PKCE verifiers. */
export const CONNECTION_ENCRYPTED_COLUMNS = [
  { table: 'connections', idColumn: 'id', column: 'credentials_cipher' },
  { table: 'connections', idColumn: 'id', column: 'tokens_cipher' },
  { table: 'connection_oauth_states', idColumn: 'state_hash', column: 'verifier_cipher' },
] as const;
