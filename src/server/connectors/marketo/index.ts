/**
 * Marketo Engage connector (DESIGN §5): client credentials against `/identity/oauth/token`, Bearer header on REST,
 * programs with channel and cost mapping, emails from templates with approved drafts, Design Studio files, static
 * lists. Errors arrive as HTTP 200 with `success: false` and are classified by documented code (`http-policy.ts`).
 * The sandbox (`./sandbox/`) emulates the same API and validates every request against `../shared/specs/marketo`.
 */
import { ConnectorError } from '../sdk/connector-error.js';
import type { Connector, ConnectorSandbox, RateLimitPolicy } from '../sdk/connector.js';
import { createMarketoClient } from './client.js';
import { createMarketoHttpPolicy } from './http-policy.js';
import { createMarketoManifest, MARKETO_RATE_LIMIT, marketoCredentialsSchema } from './manifest.js';
import type { marketoConfigSchema } from './manifest.js';

export type MarketoConnector = Connector<typeof marketoConfigSchema, typeof marketoCredentialsSchema>;

/**
 * Builds the connector. The default uses Marketo's documented budget; a different `rateLimit` (a sandbox with a
 * short window, a subscription with a bigger quota) changes both the limiter and how long a 606 waits.
 */
export function createMarketoConnector(
  opts: { rateLimit?: Partial<RateLimitPolicy> } = {},
): MarketoConnector {
  const rateLimit = { ...MARKETO_RATE_LIMIT, ...opts.rateLimit };
  return {
    manifest: createMarketoManifest(rateLimit),
    httpPolicy: createMarketoHttpPolicy({ rateWindowMs: rateLimit.windowMs }),
    createClient: createMarketoClient,
    sandbox: marketoSandbox,
    async fetchToken({ http, credentials }) {
      const parsed = marketoCredentialsSchema.safeParse(credentials);
      if (!parsed.success) {
        throw new ConnectorError({
          kind: 'auth_expired',
          message: 'Marketo credentials need clientId and clientSecret',
        });
      }
      const res = await http.request<{ access_token?: unknown; expires_in?: unknown }>({
        method: 'GET',
        path: '/identity/oauth/token',
        query: {
          grant_type: 'client_credentials',
          client_id: parsed.data.clientId,
          client_secret: parsed.data.clientSecret,
        },
        auth: false,
        idempotent: true,
        operation: 'identity.token',
      });
      const { access_token: accessToken, expires_in: expiresIn } = res.body;
      if (typeof accessToken !== 'string' || typeof expiresIn !== 'number') {
        throw new ConnectorError({ kind: 'retryable', message: 'Marketo identity answered without a token' });
      }
      // Marketo counts expires_in from issue; the token store refreshes ahead of it.
      return { accessToken, expiresAt: new Date(Date.now() + expiresIn * 1000) };
    },
  };
}

/** The sandbox and a config that fits its seeded data. */
const marketoSandbox: ConnectorSandbox = {
  async start(opts = {}) {
    const { startMarketoSandbox } = await import('./sandbox/index.js');
    const s = await startMarketoSandbox(opts);
    return {
      url: s.url,
      credentials: { ...s.credentials },
      // The seeded "Switchboard" program folder, "Images and Files" folder and "Switchboard Basic" template.
      config: { programFolderId: 33, fileFolderId: 40, emailTemplateId: 1, defaultChannel: 'Content' },
      violations: () => s.violations(),
      close: () => s.close(),
    };
  },
};

export const marketoConnector: MarketoConnector = createMarketoConnector();

export { marketoConfigSchema, marketoCredentialsSchema, MARKETO_RATE_LIMIT } from './manifest.js';
export type { MarketoConfig, MarketoCredentials } from './manifest.js';
export { createMarketoHttpPolicy, kindOfMarketoCode, msUntilDailyReset } from './http-policy.js';
