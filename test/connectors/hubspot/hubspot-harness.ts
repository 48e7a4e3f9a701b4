/**
 * Wires the HubSpot connector to a running HubSpot sandbox with the real SDK pieces (HTTP layer, token store, rate
 * limiter), the way the connector runtime does. Replace with `createConnectorRuntime` once it exists.
 */
import type { ConnectorClient } from '../../../src/server/connectors/sdk/connector.js';
import { createConnectorHttp } from '../../../src/server/connectors/sdk/connector-http.js';
import type { ConnectorHttpClient } from '../../../src/server/connectors/sdk/connector-http.js';
import { createRateLimiter } from '../../../src/server/connectors/sdk/rate-limiter.js';
import type { RateLimiter } from '../../../src/server/connectors/sdk/rate-limiter.js';
import { createTokenStore } from '../../../src/server/connectors/sdk/token-store.js';
import type { StoredToken } from '../../../src/server/connectors/sdk/runtime-types.js';
import { createHubSpotConnector } from '../../../src/server/connectors/hubspot/index.js';
import type { HubSpotSandbox } from '../../../src/server/connectors/hubspot/sandbox/index.js';
import { systemClock } from '../../../src/server/platform/clock.js';
import { silentLogger } from '../../../src/server/platform/logger.js';

export interface HubSpotHarness {
  client: ConnectorClient;
  http: ConnectorHttpClient;
  limiter: RateLimiter;
  reauthReasons: string[];
}

export function connectHubSpot(
  sb: HubSpotSandbox,
  opts: {
    accessToken?: string;
    config?: Record<string, unknown>;
    rateLimit?: { requests: number; windowMs: number };
    timeoutMs?: number;
  } = {},
): HubSpotHarness {
  const connector = createHubSpotConnector(opts.rateLimit ? { rateLimit: opts.rateLimit } : {});
  const limiter = createRateLimiter({
    policy: connector.manifest.rateLimit,
    clock: systemClock,
    maxWaitMs: 15_000,
  });
  const reauthReasons: string[] = [];
  let stored: StoredToken | null = null;
  const tokens = createTokenStore({
    authKind: connector.manifest.authKind,
    credentials: { accessToken: opts.accessToken ?? sb.privateAppToken },
    clock: systemClock,
    persistence: {
      load: async () => stored,
      save: async (t) => {
        stored = t;
      },
      markNeedsReauth: async (reason) => {
        reauthReasons.push(reason);
      },
    },
  });
  const http = createConnectorHttp({
    baseUrl: sb.url,
    vendor: 'hubspot',
    connectionId: 'conn-hubspot-test',
    policy: connector.httpPolicy,
    tokens: () => tokens,
    limiter,
    clock: systemClock,
    logger: silentLogger(),
    timeoutMs: opts.timeoutMs ?? 5_000,
    retry: { maxAttempts: 3, initialDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 2_000 },
    breaker: { consecutiveFailures: 50, halfOpenAfterMs: 1_000 },
  });
  const client = connector.createClient({
    connection: {
      id: 'conn-hubspot-test',
      workspaceId: 'ws-test',
      baseUrl: sb.url,
      config: opts.config ?? {},
      sandbox: true,
    },
    http,
    tokens,
    clock: systemClock,
    logger: silentLogger(),
  });
  return { client, http, limiter, reauthReasons };
}
