/**
 * Types shared by the SDK runtime (HTTP layer, token store, limiter, runtime factory) and its callers (the connections
 * and deliveries modules). Connectors never see these: they only see `ConnectorContext`.
 *
 * Credentials convention (what `credentials` holds, decrypted, per auth kind):
 * - `api_key`: `{ accessToken: string, ... }` — the key/private-app token IS the bearer token; it never expires and
 *   cannot be refreshed, so a 401 marks the connection `needs_reauth`;
 * - `client_credentials`: whatever the connector's `fetchToken` needs (e.g. `{ clientId, clientSecret }`);
 * - `oauth2_pkce`: `{ clientId, clientSecret? }`; the access/refresh tokens from the callback live in `StoredToken`
 *   (loaded through `TokenPersistence`), not in the credentials. A `refreshToken` in the credentials is used as a
 *   fallback when nothing is stored yet.
 */
import type { ConnectorError } from './connector-error.js';

/** A token as persisted by the connections module (encrypted at rest by it). */
export interface StoredToken {
  accessToken: string;
  refreshToken?: string;
  /** null: does not expire. */
  expiresAt: Date | null;
}

/** Callbacks the token store uses to load/save tokens and to flag the connection; implemented by the connections module. */
export interface TokenPersistence {
  load(): Promise<StoredToken | null>;
  save(token: StoredToken): Promise<void>;
  /** The token cannot be refreshed: the connection needs re-authorisation and its deliveries pause. */
  markNeedsReauth(reason: string): Promise<void>;
}

/** Receives the outcome of every request (after the layer's own retries), to keep the connection's health current. */
export interface HealthSink {
  success(at: Date, durationMs: number): void;
  failure(at: Date, error: ConnectorError): void;
}

/** The circuit breaker's state, as shown in health and the breaker gauge. */
export const BREAKER_STATES = ['closed', 'half_open', 'open'] as const;
export type BreakerState = (typeof BREAKER_STATES)[number];

/** What is left of a connection's request budget right now (health, UI). */
export interface RateBudget {
  /** Requests allowed per window (the manifest's policy). */
  windowLimit: number;
  windowMs: number;
  /** Requests the limiter would still start in the current window without waiting. */
  windowRemaining: number;
  /** Requests in flight, and the concurrency cap when the vendor has one. */
  inFlight: number;
  concurrency?: number;
  /** Daily quota and what is left of it today, when the vendor has one. */
  dailyLimit?: number;
  dailyRemaining?: number;
  /** The vendor's own last reported remaining budget (rate-limit headers), when it reports one. */
  vendorRemaining?: number;
  /** Requests are held until then (Retry-After, vendor reset, daily reset). */
  pausedUntil?: Date;
  /** Total milliseconds requests spent waiting for the limiter. */
  waitedMs: number;
}
