/**
 * OAuth and account emulation: `GET /oauth/authorize` (auto-approves and redirects back with a `code`; verifies a PKCE
 * S256 challenge when one was sent), `POST /oauth/v1/token` (form-encoded `authorization_code` and `refresh_token`
 * grants; the PKCE `code_verifier` must match the challenge), `DELETE /oauth/v1/refresh-tokens/{token}` (revoke),
 * `GET /oauth/v1/access-tokens/{token}`, `GET /account-info/v3/details` and
 * `GET /account-info/v3/api-usage/daily/private-apps`.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HubSpotStore } from './hubspot-store.js';
import { ALL_SCOPES } from './hubspot-store.js';
import { asRecord } from './query-filters.js';

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  accessTokenTtlMs: number;
}

export interface DailyUsage {
  limit: number;
  used(): number;
  resetsAt(): string;
}

export function registerOAuthRoutes(
  app: FastifyInstance,
  store: HubSpotStore,
  oauth: OAuthApp,
  daily: DailyUsage,
): void {
  app.get('/oauth/authorize', { config: { operation: 'oauth.authorize' } }, async (request, reply) => {
    const q = (request.query ?? {}) as Record<string, string>;
    const redirectUri = q['redirect_uri'];
    if (q['client_id'] !== oauth.clientId || !redirectUri) {
      return reply
        .code(400)
        .send({ status: 'BAD_CLIENT_ID', message: 'Unknown client_id or missing redirect_uri' });
    }
    if (q['code_challenge'] !== undefined && q['code_challenge_method'] !== 'S256') {
      return reply.code(400).send({ status: 'BAD_REQUEST', message: 'code_challenge_method must be S256' });
    }
    const code = randomUUID();
    store.authCodes.set(code, {
      scopes: (q['scope'] ?? ALL_SCOPES.join(' ')).split(/[ +]/).filter(Boolean),
      redirectUri,
      clientId: oauth.clientId,
      ...(q['code_challenge'] !== undefined ? { codeChallenge: q['code_challenge'] } : {}),
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (q['state'] !== undefined) target.searchParams.set('state', q['state']);
    return reply.redirect(target.toString(), 302);
  });

  app.post('/oauth/v1/token', { config: { operation: 'oauth.token' } }, async (request, reply) => {
    const body = asRecord(request.body) ?? {};
    const form = Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)]));
    if (form['client_id'] !== oauth.clientId)
      return tokenError(reply, 'BAD_CLIENT_ID', 'missing or unknown client id');
    if (form['client_secret'] !== oauth.clientSecret) {
      return tokenError(reply, 'BAD_CLIENT_SECRET', 'missing or invalid client secret');
    }
    let scopes: readonly string[];
    let refreshToken: string;
    if (form['grant_type'] === 'refresh_token') {
      const known = store.refreshTokens.get(form['refresh_token'] ?? '');
      if (!known) return tokenError(reply, 'BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
      scopes = known.scopes;
      refreshToken = form['refresh_token'] ?? '';
    } else if (form['grant_type'] === 'authorization_code') {
      const grant = store.authCodes.get(form['code'] ?? '');
      if (!grant) return tokenError(reply, 'BAD_AUTH_CODE', 'missing or unknown auth code');
      if (grant.redirectUri !== form['redirect_uri'])
        return tokenError(reply, 'BAD_REDIRECT_URI', 'redirect_uri mismatch');
      if (grant.codeChallenge !== undefined) {
        const verifier = form['code_verifier'] ?? '';
        const computed = createHash('sha256').update(verifier).digest('base64url');
        if (computed !== grant.codeChallenge)
          return tokenError(reply, 'BAD_AUTH_CODE', 'code_verifier does not match');
      }
      store.authCodes.delete(form['code'] ?? '');
      scopes = grant.scopes;
      refreshToken = randomBytes(24).toString('hex');
      store.refreshTokens.set(refreshToken, { scopes, clientId: oauth.clientId });
    } else {
      return tokenError(reply, 'BAD_GRANT_TYPE', 'grant_type must be authorization_code or refresh_token');
    }
    const access = store.issueOAuthAccessToken(oauth.clientId, scopes, oauth.accessTokenTtlMs);
    return {
      token_type: 'bearer',
      refresh_token: refreshToken,
      access_token: access.token,
      expires_in: Math.floor(oauth.accessTokenTtlMs / 1000),
    };
  });

  // Revoking a refresh token (an app uninstalled, an admin cutting access): later refresh grants with it fail.
  app.delete(
    '/oauth/v1/refresh-tokens/:token',
    { config: { operation: 'oauth.refreshToken.delete' } },
    async (request, reply) => {
      const { token } = request.params as { token: string };
      if (!store.refreshTokens.delete(token)) {
        return reply
          .code(404)
          .send({ status: 'error', message: 'Refresh token not found', correlationId: randomUUID() });
      }
      return reply.code(204).send();
    },
  );

  app.get(
    '/oauth/v1/access-tokens/:token',
    { config: { operation: 'oauth.tokenInfo' } },
    async (request, reply) => {
      const { token } = request.params as { token: string };
      const info = store.tokens.get(token);
      if (!info || info.kind !== 'oauth' || (info.expiresAtMs ?? 0) <= store.clock.nowMs()) {
        return reply
          .code(404)
          .send({ status: 'error', message: 'Token not found or expired', correlationId: randomUUID() });
      }
      return {
        token,
        hub_id: store.portalId,
        hub_domain: `sandbox-${store.portalId}.hubspot.test`,
        app_id: 1,
        scopes: info.scopes,
        token_type: 'access',
        expires_in: Math.floor(((info.expiresAtMs ?? 0) - store.clock.nowMs()) / 1000),
      };
    },
  );

  app.get('/account-info/v3/details', { config: { operation: 'account.details' } }, async () => ({
    portalId: store.portalId,
    accountType: 'STANDARD',
    timeZone: 'Etc/UTC',
    companyCurrency: 'USD',
    additionalCurrencies: [],
    utcOffset: '+00:00',
    utcOffsetMilliseconds: 0,
    uiDomain: 'app.hubspot.com',
    dataHostingLocation: 'na1',
  }));

  app.get(
    '/account-info/v3/api-usage/daily/private-apps',
    { config: { operation: 'account.usage' } },
    async () => ({
      results: [
        {
          name: 'private-apps-api-calls-daily',
          usageLimit: daily.limit,
          currentUsage: daily.used(),
          collectedAt: store.nowIso(),
          fetchStatus: 'SUCCESS',
          resetsAt: daily.resetsAt(),
        },
      ],
    }),
  );
}

function tokenError(reply: FastifyReply, status: string, message: string): FastifyReply {
  return reply.code(400).send({ status, message, correlationId: randomUUID() });
}
