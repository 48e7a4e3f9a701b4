/**
 * OAuth2 authorization code + PKCE (RFC 6749, RFC 7636) helpers. The connections module owns the HTTP endpoints
 * (start, callback) and the `state` storage; these functions only build the authorize URL and talk to the token
 * endpoint (form-encoded POST, through the shared HTTP layer so it gets timeouts, limits and redaction).
 */
import { createHash, randomBytes } from 'node:crypto';
import { silentLogger } from '../../platform/logger.js';
import { systemClock } from '../../platform/clock.js';
import { ConnectorError } from './connector-error.js';
import type { AccessToken, ConnectorManifest } from './connector.js';
import { createConnectorHttp } from './connector-http.js';
import type { ConnectorHttp } from './http-types.js';

export interface PkcePair {
  /** Kept server-side (with the `state`) until the callback. 43–128 chars of the unreserved set. */
  codeVerifier: string;
  /** Sent in the authorize URL: base64url(SHA-256(verifier)). */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

export function createPkcePair(): PkcePair {
  const codeVerifier = randomBytes(48).toString('base64url');
  return { codeVerifier, codeChallenge: computeCodeChallenge(codeVerifier), codeChallengeMethod: 'S256' };
}

export function computeCodeChallenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier).digest('base64url');
}

/** A random, URL-safe `state` value (the caller stores it and checks it on the callback). */
export function createOAuthState(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Rebases a manifest OAuth URL onto a connection's base URL when the connection overrides the vendor's default host
 * (sandboxes, regional hosts): `https://api.hubapi.com/oauth/v1/token` → `http://127.0.0.1:5123/oauth/v1/token`.
 * URLs on another host than the default base URL (e.g. an `app.hubspot.com` authorize page) are rebased too when
 * `rebaseForeignHosts` is set, which sandboxes need.
 */
export function resolveOAuthUrl(
  manifest: Pick<ConnectorManifest, 'defaultBaseUrl'>,
  baseUrl: string,
  url: string,
  rebaseForeignHosts = false,
): string {
  const target = new URL(url);
  const def = new URL(manifest.defaultBaseUrl);
  const base = new URL(baseUrl);
  if (base.origin === def.origin) return url;
  if (target.origin !== def.origin && !rebaseForeignHosts) return url;
  return new URL(`${target.pathname}${target.search}`, base.origin).toString();
}

export function buildAuthorizeUrl(
  manifest: Pick<ConnectorManifest, 'id' | 'oauth'>,
  args: {
    clientId: string;
    redirectUri: string;
    state: string;
    codeChallenge: string;
    /** Defaults to the manifest's scopes. */
    scopes?: readonly string[];
    /** Overrides `manifest.oauth.authorizeUrl` (sandbox, regional host). */
    authorizeUrl?: string;
  },
): string {
  if (!manifest.oauth) {
    throw new ConnectorError({ kind: 'invalid_request', message: `${manifest.id} does not support OAuth` });
  }
  const url = new URL(args.authorizeUrl ?? manifest.oauth.authorizeUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', args.clientId);
  url.searchParams.set('redirect_uri', args.redirectUri);
  url.searchParams.set('state', args.state);
  url.searchParams.set('code_challenge', args.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  const scopes = args.scopes ?? manifest.oauth.scopes;
  if (scopes.length > 0) url.searchParams.set('scope', scopes.join(' '));
  return url.toString();
}

export type OAuthTokens = AccessToken & { refreshToken?: string; scope?: string };

interface TokenEndpointArgs {
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  /** The layer to send through (a runtime's `context.http`); a bare one with a 30 s timeout when absent. */
  http?: ConnectorHttp;
  /** For `expiresAt` (default: system clock). */
  nowMs?: () => number;
}

/** Exchanges the callback's `code` for tokens. */
export function exchangeAuthorizationCode(
  args: TokenEndpointArgs & { code: string; redirectUri: string; codeVerifier: string },
): Promise<OAuthTokens> {
  return postTokenEndpoint(args, 'oauth.token.exchange', {
    grant_type: 'authorization_code',
    code: args.code,
    redirect_uri: args.redirectUri,
    code_verifier: args.codeVerifier,
  });
}

/** Uses a refresh token to get a new access token (and possibly a rotated refresh token). */
export function refreshAccessToken(args: TokenEndpointArgs & { refreshToken: string }): Promise<OAuthTokens> {
  return postTokenEndpoint(args, 'oauth.token.refresh', {
    grant_type: 'refresh_token',
    refresh_token: args.refreshToken,
  });
}

async function postTokenEndpoint(
  args: TokenEndpointArgs,
  operation: string,
  params: Record<string, string>,
): Promise<OAuthTokens> {
  const http =
    args.http ??
    createConnectorHttp({
      baseUrl: args.tokenUrl,
      vendor: 'oauth',
      clock: systemClock,
      logger: silentLogger(),
    });
  const form = new URLSearchParams({ ...params, client_id: args.clientId });
  if (args.clientSecret !== undefined) form.set('client_secret', args.clientSecret);
  const res = await http.request<Record<string, unknown>>({
    method: 'POST',
    path: args.tokenUrl,
    body: form.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    auth: false,
    // A code can be redeemed once; a refresh token may rotate: never resend blindly.
    idempotent: false,
    operation,
  });
  return parseTokenResponse(res.body, args.nowMs ?? Date.now, operation);
}

/** Reads a standard token response (`access_token`, `expires_in`, `refresh_token`, `scope`). */
export function parseTokenResponse(
  body: unknown,
  nowMs: () => number,
  operation = 'oauth.token',
): OAuthTokens {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const accessToken = b.access_token;
  if (typeof accessToken !== 'string' || accessToken.length === 0) {
    throw new ConnectorError({
      kind: 'retryable',
      message: `${operation}: token endpoint answered without access_token`,
    });
  }
  const expiresIn = typeof b.expires_in === 'number' ? b.expires_in : Number(b.expires_in);
  return {
    accessToken,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(nowMs() + expiresIn * 1000) : null,
    ...(typeof b.refresh_token === 'string' ? { refreshToken: b.refresh_token } : {}),
    ...(typeof b.scope === 'string' ? { scope: b.scope } : {}),
  };
}
