/**
 * The token store of one connection (`TokenStore`). Invariants:
 * - single flight: however many callers need a token at once, at most one `fetchToken` runs; the others await it;
 * - tokens are refreshed `refreshSkewMs` (default 60 s) BEFORE they expire, on the injected clock;
 * - every new token is persisted through `persistence.save` (the connections module encrypts it);
 * - a refresh the vendor refuses (bad client secret, revoked refresh token) marks the connection `needs_reauth` and
 *   throws `auth_expired`; a transient failure (network, 5xx, rate limit) does not: it is rethrown as is, and a token
 *   that has not actually expired yet keeps being used.
 * `api_key` connections have nothing to refresh: the key is `credentials.accessToken`; once the vendor rejects it
 * (`invalidate`), the connection needs re-authorisation. An `api_key` connector with a `fetchToken` (HubSpot: private
 * apps or OAuth apps) refreshes through it when the credentials hold no key.
 */
import type { Clock } from '../../platform/clock.js';
import { ConnectorError, isConnectorError } from './connector-error.js';
import type { AccessToken, AuthKind, TokenStore } from './connector.js';
import type { StoredToken, TokenPersistence } from './runtime-types.js';

export type FetchTokenFn = (args: {
  refreshToken?: string;
}) => Promise<AccessToken & { refreshToken?: string }>;

export interface TokenStoreOptions {
  authKind: AuthKind;
  credentials: Record<string, unknown>;
  persistence: TokenPersistence;
  clock: Clock;
  /** Obtains a new token (client credentials, or a refresh for OAuth). Absent for `api_key`. */
  fetchToken?: FetchTokenFn;
  /** Refresh this long before expiry (default 60 s). */
  refreshSkewMs?: number;
}

/** Kinds of refresh failure that mean "these credentials no longer work" rather than "try later". */
const REAUTH_KINDS = new Set(['auth_expired', 'invalid_request', 'not_found', 'disconnected']);

export function createTokenStore(opts: TokenStoreOptions): TokenStore {
  const skew = opts.refreshSkewMs ?? 60_000;
  let current: StoredToken | null = null;
  let loaded = false;
  let rejected: string | null = null;
  let inflight: Promise<AccessToken> | null = null;
  let reauthReason: string | null = null;

  function usable(t: StoredToken | null, marginMs: number): t is StoredToken {
    if (!t || t.accessToken === rejected) return false;
    return t.expiresAt === null || t.expiresAt.getTime() - opts.clock.nowMs() > marginMs;
  }

  async function failReauth(reason: string): Promise<never> {
    reauthReason = reason;
    await opts.persistence.markNeedsReauth(reason);
    throw new ConnectorError({ kind: 'auth_expired', message: `re-authorisation needed: ${reason}` });
  }

  async function refresh(): Promise<AccessToken> {
    if (!loaded) {
      current = await opts.persistence.load();
      loaded = true;
      if (usable(current, skew)) return current;
    }
    // An `api_key` connector that also takes OAuth apps (HubSpot) has a `fetchToken`: without a key in the
    // credentials, the connection is an OAuth app and refreshes through it.
    const key = opts.credentials.accessToken;
    const hasKey = typeof key === 'string' && key.length > 0;
    if (!opts.fetchToken || (opts.authKind === 'api_key' && hasKey)) {
      if (!hasKey) return failReauth('no access token in the credentials');
      if (key === rejected) return failReauth('the vendor rejected the access token');
      return { accessToken: key, expiresAt: null };
    }
    const refreshToken =
      current?.refreshToken ??
      (typeof opts.credentials.refreshToken === 'string' ? opts.credentials.refreshToken : undefined);
    if (opts.authKind === 'oauth2_pkce' && refreshToken === undefined) {
      return failReauth('no refresh token; authorise the connection again');
    }
    let fresh: AccessToken & { refreshToken?: string };
    try {
      fresh = await opts.fetchToken(refreshToken !== undefined ? { refreshToken } : {});
    } catch (e) {
      if (isConnectorError(e) && !REAUTH_KINDS.has(e.kind)) {
        // Transient: keep using a token that is inside the refresh margin but not expired yet.
        if (usable(current, 0)) return current;
        throw e;
      }
      return failReauth(`token refresh failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const next: StoredToken = {
      accessToken: fresh.accessToken,
      expiresAt: fresh.expiresAt,
      ...(fresh.refreshToken !== undefined
        ? { refreshToken: fresh.refreshToken }
        : refreshToken !== undefined
          ? { refreshToken }
          : {}),
    };
    current = next;
    rejected = null;
    await opts.persistence.save(next);
    return { accessToken: next.accessToken, expiresAt: next.expiresAt };
  }

  return {
    async getAccessToken() {
      if (reauthReason !== null) {
        throw new ConnectorError({
          kind: 'auth_expired',
          message: `re-authorisation needed: ${reauthReason}`,
        });
      }
      if (loaded && usable(current, skew))
        return { accessToken: current.accessToken, expiresAt: current.expiresAt };
      if (loaded && opts.authKind === 'api_key' && current === null && rejected === null) {
        const key = opts.credentials.accessToken;
        if (typeof key === 'string' && key.length > 0) return { accessToken: key, expiresAt: null };
      }
      inflight ??= refresh().finally(() => {
        inflight = null;
      });
      return inflight;
    },
    invalidate(token) {
      rejected = token;
    },
    credentials() {
      return opts.credentials;
    },
  };
}
