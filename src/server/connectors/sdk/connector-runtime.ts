/**
 * The runtime factory: everything a connector needs for one connection, wired together — a rate limiter from the
 * manifest's policy, the HTTP layer (breaker, retries, timeouts), the token store, and the connector's client.
 *
 * The breaker and the limiter are per connection and must be SHARED by every job of the process that talks to that
 * connection, so callers keep runtimes in a `RuntimeCache` (keyed by connection id and credentials version) instead
 * of building one per job.
 */
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { ConnectionInfo, Connector, ConnectorClient, ConnectorContext } from './connector.js';
import { createConnectorHttp } from './connector-http.js';
import type { BreakerOptions, RetryOptions } from './connector-http.js';
import type { ConnectorMetrics } from './connector-metrics.js';
import { refreshAccessToken, resolveOAuthUrl } from './oauth.js';
import { createRateLimiter } from './rate-limiter.js';
import type { RateLimiter, RateLimiterOptions } from './rate-limiter.js';
import type { BreakerState, HealthSink, RateBudget, TokenPersistence } from './runtime-types.js';
import { createTokenStore } from './token-store.js';
import type { FetchTokenFn } from './token-store.js';

/** Tuning knobs; the defaults suit production. Tests shorten timeouts and the breaker's half-open delay. */
export interface RuntimeOptions {
  timeoutMs?: number;
  maxRequestBytes?: number;
  maxResponseBytes?: number;
  retry?: RetryOptions;
  breaker?: BreakerOptions;
  /** Longest limiter wait done in-process before `rate_limited` is thrown to the caller (default 60 s). */
  maxRateLimitWaitMs?: number;
  /** Refresh tokens this long before they expire (default 60 s). */
  tokenRefreshSkewMs?: number;
  /**
   * A limiter to share instead of a new one: the vendor counts requests per account/token, so runtimes talking to the
   * same budget (a replaced runtime after a credentials change, a second runtime in tests) must share it.
   */
  limiter?: RateLimiter;
  /**
   * Builds the connection's limiter when `limiter` is not given (default: the in-process `createRateLimiter`). The
   * connections module passes a shared limiter on PostgreSQL, where several processes draw from one budget (ADR 0010).
   */
  createLimiter?: (opts: RateLimiterOptions) => RateLimiter;
}

export interface CreateConnectorRuntimeArgs {
  connector: Connector;
  connection: ConnectionInfo;
  /** Decrypted credentials; see `runtime-types.ts` for the convention per auth kind. */
  credentials: Record<string, unknown>;
  tokenPersistence: TokenPersistence;
  clock: Clock;
  logger: Logger;
  metrics: ConnectorMetrics;
  health?: HealthSink;
  options?: RuntimeOptions;
}

export interface ConnectorRuntime {
  client: ConnectorClient;
  context: ConnectorContext;
  breakerState(): BreakerState;
  budget(): RateBudget;
  /** The connection's limiter (pass it as `options.limiter` when replacing this runtime, to keep the budget). */
  limiter: RateLimiter;
}

export function createConnectorRuntime(args: CreateConnectorRuntimeArgs): ConnectorRuntime {
  const { connector, connection, clock, metrics } = args;
  const vendor = connector.manifest.id;
  const logger = args.logger.child({ vendor, connection_id: connection.id });
  const o = args.options ?? {};
  const limiterOptions: RateLimiterOptions = {
    policy: connector.manifest.rateLimit,
    clock,
    ...(o.maxRateLimitWaitMs !== undefined ? { maxWaitMs: o.maxRateLimitWaitMs } : {}),
    onWait: (ms) => metrics.observeRateLimitWait({ vendor }, ms / 1000),
  };
  const limiter = o.limiter ?? (o.createLimiter ?? createRateLimiter)(limiterOptions);
  const http = createConnectorHttp({
    baseUrl: connection.baseUrl,
    vendor,
    connectionId: connection.id,
    policy: connector.httpPolicy,
    tokens: () => tokens,
    limiter,
    clock,
    logger,
    metrics,
    ...(args.health ? { health: args.health } : {}),
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
    ...(o.maxRequestBytes !== undefined ? { maxRequestBytes: o.maxRequestBytes } : {}),
    ...(o.maxResponseBytes !== undefined ? { maxResponseBytes: o.maxResponseBytes } : {}),
    ...(o.retry ? { retry: o.retry } : {}),
    ...(o.breaker ? { breaker: o.breaker } : {}),
  });
  const fetchToken = resolveFetchToken(args, http);
  const tokens = createTokenStore({
    authKind: connector.manifest.authKind,
    credentials: args.credentials,
    persistence: args.tokenPersistence,
    clock,
    ...(fetchToken ? { fetchToken } : {}),
    ...(o.tokenRefreshSkewMs !== undefined ? { refreshSkewMs: o.tokenRefreshSkewMs } : {}),
  });
  const context: ConnectorContext = { connection, http, tokens, clock, logger };
  return {
    client: connector.createClient(context),
    context,
    breakerState: () => http.breakerState(),
    budget: () => limiter.budget(),
    limiter,
  };
}

/**
 * The connector's own `fetchToken` when it has one; for `oauth2_pkce` connectors without one, a standard refresh
 * against the manifest's token URL (rebased onto the connection's host) with `credentials.clientId/clientSecret`.
 */
function resolveFetchToken(
  args: CreateConnectorRuntimeArgs,
  http: ReturnType<typeof createConnectorHttp>,
): FetchTokenFn | undefined {
  const { connector, connection, credentials, clock } = args;
  const own = connector.fetchToken;
  if (own) {
    return ({ refreshToken }) =>
      own({
        http,
        baseUrl: connection.baseUrl,
        credentials,
        ...(refreshToken !== undefined ? { refreshToken } : {}),
      });
  }
  const oauth = connector.manifest.oauth;
  if (connector.manifest.authKind !== 'oauth2_pkce' || !oauth) return undefined;
  return async ({ refreshToken }) => {
    const clientId = typeof credentials.clientId === 'string' ? credentials.clientId : '';
    const clientSecret = typeof credentials.clientSecret === 'string' ? credentials.clientSecret : undefined;
    return refreshAccessToken({
      http,
      tokenUrl: resolveOAuthUrl(connector.manifest, connection.baseUrl, oauth.tokenUrl),
      clientId,
      ...(clientSecret !== undefined ? { clientSecret } : {}),
      refreshToken: refreshToken ?? '',
      nowMs: () => clock.nowMs(),
    });
  };
}

/** Keeps one runtime per connection; a new credentials version (or an explicit eviction) replaces it. */
export interface RuntimeCache {
  /**
   * The cached runtime for this connection and credentials version, or a new one from `create`. `create` receives the runtime it replaces (if any) so it can keep its limiter:
   * `options: { limiter: previous?.limiter }`.
   */
  get(
    key: { connectionId: string; credentialsVersion: string | number },
    create: (previous: ConnectorRuntime | undefined) => ConnectorRuntime,
  ): ConnectorRuntime;
  /** The cached runtime whatever its version (health views), if any. */
  peek(connectionId: string): ConnectorRuntime | undefined;
  /** Drops a connection's runtime (connection deleted, base URL or config changed). */
  evict(connectionId: string): void;
  size(): number;
}

export function createRuntimeCache(): RuntimeCache {
  const entries = new Map<string, { version: string; runtime: ConnectorRuntime }>();
  return {
    get(key, create) {
      const version = String(key.credentialsVersion);
      const hit = entries.get(key.connectionId);
      if (hit && hit.version === version) return hit.runtime;
      const runtime = create(hit?.runtime);
      entries.set(key.connectionId, { version, runtime });
      return runtime;
    },
    peek: (connectionId) => entries.get(connectionId)?.runtime,
    evict(connectionId) {
      entries.delete(connectionId);
    },
    size: () => entries.size,
  };
}
