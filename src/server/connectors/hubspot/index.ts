/**
 * HubSpot connector (DESIGN §5): private-app token (or OAuth app) as Bearer; CMS blog posts v3 created and published,
 * marketing emails v3 created, files v3 uploaded, lists v3 read. Errors are classified by status and HubSpot's
 * documented `category` / 429 `policyName` (`http-policy.ts`); markers for reconciliation are described in
 * `mapping.ts`. The sandbox (`./sandbox/`) emulates the same API.
 */
import { ConnectorError } from '../sdk/connector-error.js';
import type { Connector, ConnectorSandbox, RateLimitPolicy } from '../sdk/connector.js';
import { createHubSpotClient } from './client.js';
import { createHubSpotHttpPolicy } from './http-policy.js';
import type { hubspotConfigSchema } from './manifest.js';
import { createHubSpotManifest, HUBSPOT_RATE_LIMIT, hubspotCredentialsSchema } from './manifest.js';

export type HubSpotConnector = Connector<typeof hubspotConfigSchema, typeof hubspotCredentialsSchema>;

/** OAuth apps refresh here (`https://api.hubapi.com/oauth/v1/token` in production; the base URL's in a sandbox). */
export const HUBSPOT_TOKEN_PATH = '/oauth/v1/token';

export function createHubSpotConnector(
  opts: { rateLimit?: Partial<RateLimitPolicy> } = {},
): HubSpotConnector {
  const rateLimit = { ...HUBSPOT_RATE_LIMIT, ...opts.rateLimit };
  return {
    manifest: createHubSpotManifest(rateLimit),
    httpPolicy: createHubSpotHttpPolicy(),
    createClient: createHubSpotClient,
    sandbox: hubspotSandbox,
    /**
     * Private-app tokens are the credential itself (they do not expire). OAuth apps exchange their refresh token for a
     * 30-minute access token; HubSpot keeps the refresh token the same.
     */
    async fetchToken({ http, credentials, refreshToken }) {
      const parsed = hubspotCredentialsSchema.safeParse(credentials);
      if (!parsed.success) {
        throw new ConnectorError({ kind: 'auth_expired', message: 'HubSpot credentials are incomplete' });
      }
      const c = parsed.data;
      if (
        c.clientId === undefined ||
        c.clientSecret === undefined ||
        (refreshToken ?? c.refreshToken) === undefined
      ) {
        if (c.accessToken !== undefined) return { accessToken: c.accessToken, expiresAt: null };
        throw new ConnectorError({
          kind: 'auth_expired',
          message: 'HubSpot OAuth credentials need a refresh token',
        });
      }
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: c.clientId,
        client_secret: c.clientSecret,
        refresh_token: refreshToken ?? c.refreshToken ?? '',
      });
      const res = await http.request<{
        access_token?: unknown;
        refresh_token?: unknown;
        expires_in?: unknown;
      }>({
        method: 'POST',
        path: HUBSPOT_TOKEN_PATH,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
        auth: false,
        idempotent: true,
        operation: 'oauth.token',
      });
      const { access_token: accessToken, refresh_token: nextRefresh, expires_in: expiresIn } = res.body;
      if (typeof accessToken !== 'string' || typeof expiresIn !== 'number') {
        throw new ConnectorError({
          kind: 'retryable',
          message: 'HubSpot token endpoint answered without a token',
        });
      }
      return {
        accessToken,
        expiresAt: new Date(Date.now() + expiresIn * 1000),
        ...(typeof nextRefresh === 'string' ? { refreshToken: nextRefresh } : {}),
      };
    },
  };
}

/** The sandbox a connection reaches with the private-app token it issues at start, posting to its seeded blog. */
const hubspotSandbox: ConnectorSandbox = {
  async start(opts = {}) {
    const { startHubSpotSandbox } = await import('./sandbox/index.js');
    const s = await startHubSpotSandbox(opts);
    return {
      url: s.url,
      credentials: { accessToken: s.privateAppToken },
      config: { blogId: s.blogId },
      violations: () => s.violations(),
      close: () => s.close(),
    };
  },
};

export const hubspotConnector: HubSpotConnector = createHubSpotConnector();

export { hubspotConfigSchema, hubspotCredentialsSchema, HUBSPOT_RATE_LIMIT } from './manifest.js';
export type { HubSpotConfig, HubSpotCredentials } from './manifest.js';
export { createHubSpotHttpPolicy, msUntilUtcMidnight } from './http-policy.js';
export { validateHubSpotAsset, HUBSPOT_ASSET_LIMITS } from './assets.js';
