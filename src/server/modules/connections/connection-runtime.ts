/**
 * Binds a stored connection to the connector SDK runtime: decrypted credentials, token persistence (sealed tokens in
 * `connections.tokens_cipher`), and a health sink that keeps the connection's health columns current after every call.
 *
 * One runtime per connection and process, cached: the breaker, the rate limiter and the single-flight token refresh
 * only protect the vendor if every caller of a connection shares them. A changed base URL, config, rate limit or
 * credentials (credentials_version) builds a new runtime; it inherits the old one's limiter when the rate limit is
 * unchanged, so the budget already spent still counts.
 *
 * The rate limiter: in-process on the embedded database (one process); with `sharedRateLimits` (PostgreSQL, where
 * several processes talk to one connection) its budget lives in `connector_rate_limits` (ADR 0010), so the processes
 * together stay within the vendor's limits — and a rebuilt runtime keeps the budget.
 */
import { createHash } from 'node:crypto';
import {
  createConnectorMetrics,
  createConnectorRuntime,
  createSharedRateLimiter,
  isCircuitOpen,
  type BreakerState,
  type ConnectionInfo,
  type Connector,
  type ConnectorClient,
  type ConnectorError,
  type ConnectorHttp,
  type ConnectorMetrics,
  type RateBudget,
  type RateLimiter,
  type RateLimiterOptions,
  type RuntimeOptions,
  type StoredToken,
  type TokenPersistence,
} from '../../connectors/index.js';
import { systemActor } from '../../platform/auth/index.js';
import type { Clock } from '../../platform/clock.js';
import type { SecretBox } from '../../platform/crypto/index.js';
import type { Executor } from '../../platform/db/index.js';
import type { Events } from '../../platform/events/index.js';
import type { Logger } from '../../platform/logger.js';
import type { Registry } from '../../platform/metrics.js';
import {
  findSecrets,
  markNeedsReauth,
  saveTokens,
  updateHealth,
  type Connection,
} from './connections.repo.js';
import { createRateLimitStore } from './rate-limit.repo.js';

/** A connection's live client and the state of its resilience machinery. */
export interface ConnectionHandle {
  connection: Connection;
  connector: Connector;
  client: ConnectorClient;
  /** The connection's HTTP layer (OAuth code exchange goes through it too). */
  http: ConnectorHttp;
  breakerState(): BreakerState;
  budget(): RateBudget;
  /** Handed to the runtime that replaces this one (same rate limit), so a rebuild keeps the spent budget. */
  readonly limiter: RateLimiter;
}

export interface ConnectionRuntimeDeps {
  db: Executor;
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  secrets: SecretBox;
  events: Pick<Events, 'append'>;
  /** Runtime tuning (tests shorten the breaker's half-open delay and timeouts). */
  runtimeOptions?: RuntimeOptions;
  /**
   * Count each connection's rate budget in the database so every process shares it (ADR 0010). Set on PostgreSQL;
   * the embedded database has one process and keeps the in-process limiter (default false).
   */
  sharedRateLimits?: boolean;
  /** Shared limiter tuning (tests shorten the lease of a dead process's slots). */
  sharedRateLimitOptions?: { leaseMs?: number; pollMs?: number };
}

/** Successes are written at most this often per connection; failures and breaker changes always. */
const SUCCESS_WRITE_INTERVAL_MS = 1_000;

export class ConnectionRuntimes {
  private readonly cache = new Map<string, { key: string; handle: ConnectionHandle }>();
  private readonly metrics: ConnectorMetrics;

  constructor(private readonly deps: ConnectionRuntimeDeps) {
    this.metrics = createConnectorMetrics(deps.metrics);
  }

  /** The cached runtime for the connection, or a new one when its settings or credentials changed. */
  async open(connection: Connection, connector: Connector): Promise<ConnectionHandle> {
    const key = runtimeKey(connection);
    const cached = this.cache.get(connection.id);
    if (cached && cached.key === key) {
      cached.handle.connection = connection;
      return cached.handle;
    }
    // New credentials or settings, same vendor account: the requests already made still count against its limits.
    const keep =
      cached && JSON.stringify(cached.handle.connection.rateLimit) === JSON.stringify(connection.rateLimit)
        ? cached.handle.limiter
        : undefined;
    const handle = await this.build(connection, connector, keep);
    this.cache.set(connection.id, { key, handle });
    return handle;
  }

  /** The live breaker state and budget of a connection with a runtime in this process, if any. */
  peek(connectionId: string): ConnectionHandle | undefined {
    return this.cache.get(connectionId)?.handle;
  }

  /** The connection changed on this node: the next `open` builds a new runtime (which inherits the limiter). */
  invalidate(connectionId: string): void {
    const cached = this.cache.get(connectionId);
    if (cached) cached.key = '';
  }

  /** The connection is gone. */
  forget(connectionId: string): void {
    this.cache.delete(connectionId);
  }

  private async build(
    connection: Connection,
    connector: Connector,
    limiter?: RateLimiter,
  ): Promise<ConnectionHandle> {
    const { db, clock, logger, secrets } = this.deps;
    const sealed = await findSecrets(db, connection.id);
    const credentials = sealed?.credentialsCipher
      ? (JSON.parse(secrets.decrypt(sealed.credentialsCipher)) as Record<string, unknown>)
      : {};
    const info: ConnectionInfo = {
      id: connection.id,
      workspaceId: connection.workspaceId,
      baseUrl: connection.baseUrl,
      config: connection.config,
      sandbox: connection.sandbox,
    };
    const effective: Connector = connection.rateLimit
      ? { ...connector, manifest: { ...connector.manifest, rateLimit: connection.rateLimit } }
      : connector;
    const tokenPersistence: TokenPersistence = {
      load: async () => {
        const s = await findSecrets(db, connection.id);
        if (!s?.tokensCipher) return null;
        const t = JSON.parse(secrets.decrypt(s.tokensCipher)) as {
          accessToken: string;
          refreshToken?: string;
          expiresAt: string | null;
        };
        return {
          accessToken: t.accessToken,
          ...(t.refreshToken !== undefined ? { refreshToken: t.refreshToken } : {}),
          expiresAt: t.expiresAt ? new Date(t.expiresAt) : null,
        };
      },
      save: async (token: StoredToken) => {
        await saveTokens(db, connection.id, sealToken(secrets, token), token.expiresAt, clock.now(), {
          reactivate: false,
        });
      },
      markNeedsReauth: async (reason: string) => {
        const changed = await markNeedsReauth(db, connection.id, reason, clock.now());
        if (changed) {
          await this.deps.events.append(db, {
            workspaceId: connection.workspaceId,
            type: 'connection.needs_reauth',
            subject: `connection:${connection.id}`,
            payload: { connectionId: connection.id, vendor: connection.vendor, reason },
            actor: systemActor(connection.workspaceId),
          });
        }
        logger.warn({ connection_id: connection.id, reason }, 'connection needs re-authorisation');
      },
    };
    let lastSuccessWrite = 0;
    let lastBreaker: BreakerState | null = null;
    // Health writes are observational and must never fail a vendor call: errors are logged, not thrown.
    const write = (update: Parameters<typeof updateHealth>[2]) =>
      void updateHealth(db, connection.id, update).catch((e: unknown) =>
        logger.warn({ err: e, connection_id: connection.id }, 'could not record connection health'),
      );
    let runtime: ReturnType<typeof createConnectorRuntime> | null = null;
    const breakerChanged = (): Partial<{ breakerState: BreakerState }> => {
      const state = runtime?.breakerState() ?? 'closed';
      if (state === lastBreaker) return {};
      lastBreaker = state;
      return { breakerState: state };
    };
    runtime = createConnectorRuntime({
      connector: effective,
      connection: info,
      credentials,
      tokenPersistence,
      clock,
      logger: logger.child({ connection_id: connection.id, vendor: connection.vendor }),
      metrics: this.metrics,
      options: { ...this.runtimeOptionsFor(connection), ...(limiter ? { limiter } : {}) },
      health: {
        success: (at: Date) => {
          const breaker = breakerChanged();
          if (at.getTime() - lastSuccessWrite < SUCCESS_WRITE_INTERVAL_MS && !breaker.breakerState) return;
          lastSuccessWrite = at.getTime();
          write({ successAt: at, ...breaker, rateBudget: summarizeBudget(runtime?.budget()) });
        },
        failure: (at: Date, err: ConnectorError) => {
          // A call the open breaker refused was never sent: the vendor error that opened it stays the last error
          // operators see (the breaker state already says calls are being refused).
          write({
            ...(isCircuitOpen(err) ? {} : { errorAt: at, error: { ...err.toJSON() } }),
            ...breakerChanged(),
            rateBudget: summarizeBudget(runtime?.budget()),
          });
        },
      },
    });
    const rt = runtime;
    return {
      connection,
      connector,
      client: rt.client,
      http: rt.context.http,
      breakerState: () => rt.breakerState(),
      budget: () => rt.budget(),
      limiter: rt.limiter,
    };
  }

  /** The deps' runtime options, plus a shared-limiter factory when budgets are shared. */
  private runtimeOptionsFor(connection: Connection): RuntimeOptions {
    const base = this.deps.runtimeOptions ?? {};
    if (!this.deps.sharedRateLimits) return base;
    const { db, logger } = this.deps;
    const store = createRateLimitStore(db, connection.id);
    const tuning = this.deps.sharedRateLimitOptions ?? {};
    return {
      ...base,
      createLimiter: (opts: RateLimiterOptions) =>
        createSharedRateLimiter({
          ...opts,
          store,
          ...tuning,
          onStoreError: (err: unknown, operation: string) =>
            logger.warn(
              { err, operation, connection_id: connection.id },
              'shared rate limit: database operation failed',
            ),
        }),
    };
  }
}

export function sealToken(secrets: SecretBox, token: StoredToken): string {
  return secrets.encrypt(
    JSON.stringify({
      accessToken: token.accessToken,
      ...(token.refreshToken !== undefined ? { refreshToken: token.refreshToken } : {}),
      expiresAt: token.expiresAt?.toISOString() ?? null,
    }),
  );
}

/** The JSON-safe part of a budget for the health columns. */
export function summarizeBudget(b: RateBudget | undefined): Record<string, unknown> | null {
  if (!b) return null;
  return {
    windowLimit: b.windowLimit,
    windowMs: b.windowMs,
    windowRemaining: b.windowRemaining,
    inFlight: b.inFlight,
    ...(b.concurrency !== undefined ? { concurrency: b.concurrency } : {}),
    ...(b.dailyLimit !== undefined ? { dailyLimit: b.dailyLimit } : {}),
    ...(b.dailyRemaining !== undefined ? { dailyRemaining: b.dailyRemaining } : {}),
    ...(b.vendorRemaining !== undefined ? { vendorRemaining: b.vendorRemaining } : {}),
    ...(b.pausedUntil !== undefined ? { pausedUntil: b.pausedUntil.toISOString() } : {}),
    waitedMs: b.waitedMs,
  };
}

function runtimeKey(c: Connection): string {
  return createHash('sha256')
    .update(JSON.stringify([c.credentialsVersion, c.baseUrl, c.config, c.rateLimit, c.sandbox]))
    .digest('hex');
}
