/**
 * The connector SDK: the contract every connector implements (`connector.ts`, `http-types.ts`, `connector-error.ts`)
 * and the runtime that drives them (HTTP layer, rate limiter, token store, OAuth helpers, metrics, runtime factory).
 *
 * Terminology:
 * - connector: one vendor's folder exporting a `Connector` (manifest + client factory + HTTP policy);
 * - connection: one configured account of a vendor (base URL, config, encrypted credentials) — the connections module;
 * - runtime: a connector's client bound to one connection, with that connection's limiter, breaker and token store;
 * - unknown outcome: a non-idempotent request that may have taken effect without us hearing back (ADR 0006).
 */
export * from './connector.js';
export * from './connector-error.js';
export type * from './http-types.js';
export * from './runtime-types.js';
export { createConnectorHttp, isCircuitOpen } from './connector-http.js';
export type {
  BreakerOptions,
  ConnectorHttpClient,
  ConnectorHttpOptions,
  RetryOptions,
} from './connector-http.js';
export { createRateLimiter } from './rate-limiter.js';
export type { RateLimiter, RateLimiterOptions, RatePermit } from './rate-limiter.js';
export { createSharedRateLimiter } from './shared-rate-limiter.js';
export type {
  SharedAcquireOutcome,
  SharedRateLimiterOptions,
  SharedRateStore,
  SharedSlots,
} from './shared-rate-limiter.js';
export { createTokenStore } from './token-store.js';
export type { FetchTokenFn, TokenStoreOptions } from './token-store.js';
export {
  buildAuthorizeUrl,
  computeCodeChallenge,
  createOAuthState,
  createPkcePair,
  exchangeAuthorizationCode,
  parseTokenResponse,
  refreshAccessToken,
  resolveOAuthUrl,
} from './oauth.js';
export type { OAuthTokens, PkcePair } from './oauth.js';
export { createConnectorMetrics, noopConnectorMetrics } from './connector-metrics.js';
export type { ConnectorMetrics } from './connector-metrics.js';
export { createConnectorRuntime, createRuntimeCache } from './connector-runtime.js';
export type {
  ConnectorRuntime,
  CreateConnectorRuntimeArgs,
  RuntimeCache,
  RuntimeOptions,
} from './connector-runtime.js';
export { classifyByStatus, parseRetryAfter } from './http-errors.js';
export { redactUrl, redactFormBody, redactHeaders, redactJson, isSecretName, REDACTED } from './redaction.js';
