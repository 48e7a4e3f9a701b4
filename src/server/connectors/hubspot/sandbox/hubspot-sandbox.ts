/**
 * The HubSpot sandbox: a stateful emulator of the HubSpot APIs Switchboard uses (CMS blog posts and tags, marketing
 * emails, files, lists and contacts, account info, OAuth), on the shared sandbox kit.
 *
 * It enforces what HubSpot enforces: Bearer tokens (private-app tokens that never expire; OAuth access tokens that do,
 * with a refresh grant), scopes, 100 requests per rolling 10 s per private-app token (per app for OAuth) plus a daily
 * quota for private apps, reported in `X-HubSpot-RateLimit-*` headers, and HubSpot's error bodies
 * (`status`, `message`, `correlationId`, `category`; 429s with `policyName`). Requests beyond the limit are answered
 * with 429 and counted as violations.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxServer, SandboxVendor, StartSandboxOptions } from '../../sandbox-kit/index.js';
import { RateWindowTracker, startSandboxServer } from '../../sandbox-kit/index.js';
import { systemClock } from '../../../platform/clock.js';
import { registerCmsRoutes } from './cms.routes.js';
import { registerFileRoutes } from './files.routes.js';
import type { HubSpotSeed, SandboxToken } from './hubspot-store.js';
import { ALL_SCOPES, HubSpotStore } from './hubspot-store.js';
import { sendHubSpotError, sendRateLimited } from './hubspot-errors.js';
import { registerListRoutes } from './lists.routes.js';
import { registerMarketingEmailRoutes } from './marketing-email.routes.js';
import type { OAuthApp } from './oauth.routes.js';
import { registerOAuthRoutes } from './oauth.routes.js';

export interface HubSpotSandboxOptions extends StartSandboxOptions {
  portalId?: number;
  /** Default: 100 requests per 10 s, 250,000 a day (private apps on Professional). */
  rateLimit?: { requests?: number; windowMs?: number; daily?: number };
  oauth?: { clientId?: string; clientSecret?: string; accessTokenTtlMs?: number };
  /** Data to start with; default: one blog, 120 contacts and three lists. `false`: only the blog. */
  seed?: HubSpotSeed | false;
}

export interface HubSpotSandbox extends SandboxServer {
  store: HubSpotStore;
  /** A private-app token with every scope, issued at start. */
  privateAppToken: string;
  /** The seeded blog's id (the `contentGroupId` posts go to). */
  blogId: string;
  oauthApp: OAuthApp;
  rateWindow: RateWindowTracker;
  issuePrivateAppToken(scopes?: readonly string[]): string;
  /** Runs the OAuth authorization-code grant in-process: a refresh token and a first access token. */
  issueOAuthTokens(scopes?: readonly string[]): {
    accessToken: string;
    refreshToken: string;
    expiresAt: Date;
  };
  seed(seed: HubSpotSeed): void;
}

export const DEFAULT_HUBSPOT_SEED: HubSpotSeed = {
  contacts: 120,
  lists: [
    { name: 'Newsletter subscribers', size: 105, processingType: 'DYNAMIC' },
    { name: 'Customers', size: 30 },
    { name: 'Webinar attendees (empty)', contactIds: [] },
  ],
};

/** The scope each operation family needs (operations not listed need only a valid token). */
const SCOPE_BY_PREFIX: readonly (readonly [string, string])[] = [
  ['cms.', 'content'],
  ['marketing.', 'content'],
  ['files.', 'files'],
  ['crm.lists.', 'crm.lists.read'],
  ['crm.contacts.', 'crm.objects.contacts.read'],
];
const PUBLIC_OPERATIONS = new Set([
  'oauth.authorize',
  'oauth.token',
  'oauth.tokenInfo',
  'oauth.refreshToken.delete',
  'files.serve',
]);

export async function startHubSpotSandbox(opts: HubSpotSandboxOptions = {}): Promise<HubSpotSandbox> {
  const clock = opts.clock ?? systemClock;
  const store = new HubSpotStore(clock, opts.portalId ?? 24_680_135);
  const limit = opts.rateLimit?.requests ?? 100;
  const windowMs = opts.rateLimit?.windowMs ?? 10_000;
  const dailyLimit = opts.rateLimit?.daily ?? 250_000;
  const rateWindow = new RateWindowTracker({ limit, windowMs, clock });
  const daily = new Map<string, { day: string; used: number }>();
  let dailyViolations = 0;
  const oauthApp: OAuthApp = {
    clientId: opts.oauth?.clientId ?? 'sandbox-client-id',
    clientSecret: opts.oauth?.clientSecret ?? 'sandbox-client-secret',
    accessTokenTtlMs: opts.oauth?.accessTokenTtlMs ?? 30 * 60 * 1000,
  };
  const dayOf = (): string => clock.now().toISOString().slice(0, 10);
  const usageOf = (key: string): { day: string; used: number } => {
    const today = dayOf();
    let usage = daily.get(key);
    if (!usage || usage.day !== today) {
      usage = { day: today, used: 0 };
      daily.set(key, usage);
    }
    return usage;
  };
  const nextMidnightMs = (): number => new Date(`${dayOf()}T00:00:00.000Z`).getTime() + 86_400_000;
  const privateAppToken = store.issuePrivateAppToken();
  const blog = store.addBlog('Sandbox Blog', 'blog');
  if (opts.seed !== false) store.seed(opts.seed ?? DEFAULT_HUBSPOT_SEED);

  const vendor: SandboxVendor = {
    name: 'hubspot',
    register(app, kit) {
      app.setNotFoundHandler((request, reply) =>
        sendHubSpotError(
          reply,
          404,
          'OBJECT_NOT_FOUND',
          `No route for ${request.method} ${request.url.split('?')[0]}`,
        ),
      );
      app.setErrorHandler((error: { statusCode?: number; message: string }, _request, reply) => {
        const status = error.statusCode ?? 500;
        if (status >= 400 && status < 500)
          return sendHubSpotError(reply, status, 'VALIDATION_ERROR', error.message);
        return sendHubSpotError(reply, 500, 'INTERNAL_ERROR', 'internal error');
      });
      app.addHook('preHandler', async (request, reply) => {
        const operation = request.routeOptions.config?.operation;
        if (operation === undefined || PUBLIC_OPERATIONS.has(operation)) return;
        const token = bearerOf(request);
        const info = token !== undefined ? store.tokens.get(token) : undefined;
        if (token === undefined || info === undefined) {
          return sendHubSpotError(
            reply,
            401,
            'INVALID_AUTHENTICATION',
            'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
          );
        }
        const entry = kit.entryOf(request);
        if (entry) entry.caller = info.rateKey;
        if (store.revoked.has(token)) {
          return sendHubSpotError(
            reply,
            401,
            'INVALID_AUTHENTICATION',
            'The private app access token is not valid.',
          );
        }
        if (info.expiresAtMs !== null && info.expiresAtMs <= clock.nowMs()) {
          return sendHubSpotError(
            reply,
            401,
            'EXPIRED_AUTHENTICATION',
            'The OAuth token used to make this call expired. Please refresh the token.',
          );
        }
        const limited = applyRateLimit(info, reply);
        if (limited) return limited;
        const scope = SCOPE_BY_PREFIX.find(([prefix]) => operation.startsWith(prefix))?.[1];
        if (scope !== undefined && !info.scopes.includes(scope)) {
          return sendHubSpotError(
            reply,
            403,
            'MISSING_SCOPES',
            "This app hasn't been granted all required scopes to make this call.",
            { errors: [{ message: `One or more of the following scopes are required: ${scope}` }] },
          );
        }
        return undefined;
      });
      registerOAuthRoutes(app, store, oauthApp, {
        limit: dailyLimit,
        used: () => usageOf(`private:${privateAppToken.slice(-12)}`).used,
        resetsAt: () => new Date(nextMidnightMs()).toISOString(),
      });
      registerCmsRoutes(app, store);
      registerMarketingEmailRoutes(app, store);
      registerFileRoutes(app, store, kit.baseUrl);
      registerListRoutes(app, store);
    },
    sendFault(kind, fault, _request, reply) {
      if (kind === 'server_error') {
        return sendHubSpotError(reply, fault.spec.status ?? 500, 'INTERNAL_ERROR', 'internal error');
      }
      const policy = fault.spec.policyName ?? 'TEN_SECONDLY_ROLLING';
      if (fault.spec.retryAfterSeconds !== undefined)
        void reply.header('retry-after', String(fault.spec.retryAfterSeconds));
      if (policy === 'DAILY') {
        void reply
          .header('x-hubspot-ratelimit-daily', String(dailyLimit))
          .header('x-hubspot-ratelimit-daily-remaining', '0');
      } else {
        void reply
          .header('x-hubspot-ratelimit-max', String(limit))
          .header('x-hubspot-ratelimit-remaining', '0')
          .header('x-hubspot-ratelimit-interval-milliseconds', String(windowMs));
      }
      return sendRateLimited(reply, policy);
    },
    expireTokens: () => store.expireAllTokens(),
    restoreTokens: () => store.restoreTokens(),
    violations: () => rateWindow.violations() + dailyViolations,
    describeState: () => ({
      portalId: store.portalId,
      posts: store.posts.size,
      publishedPosts: [...store.posts.values()].filter((p) => p.currentlyPublished).length,
      tags: store.tags.size,
      emails: store.emails.size,
      files: store.files.size,
      contacts: store.contacts.size,
      lists: store.lists.size,
      rateLimit: {
        requests: limit,
        windowMs,
        daily: dailyLimit,
        violations: rateWindow.violations() + dailyViolations,
      },
    }),
  };

  /** Daily quota (private apps) then the rolling window; sets the rate headers on every authenticated answer. */
  function applyRateLimit(info: SandboxToken, reply: FastifyReply): FastifyReply | undefined {
    if (info.kind === 'private_app') {
      const usage = usageOf(info.rateKey);
      if (usage.used >= dailyLimit) {
        dailyViolations += 1;
        void reply
          .header('x-hubspot-ratelimit-daily', String(dailyLimit))
          .header('x-hubspot-ratelimit-daily-remaining', '0');
        return sendRateLimited(reply, 'DAILY');
      }
    }
    const decision = rateWindow.hit(info.rateKey);
    void reply
      .header('x-hubspot-ratelimit-max', String(limit))
      .header('x-hubspot-ratelimit-remaining', String(decision.remaining))
      .header('x-hubspot-ratelimit-interval-milliseconds', String(windowMs));
    if (!decision.allowed) return sendRateLimited(reply, 'TEN_SECONDLY_ROLLING');
    if (info.kind === 'private_app') {
      const usage = usageOf(info.rateKey);
      usage.used += 1;
      void reply
        .header('x-hubspot-ratelimit-daily', String(dailyLimit))
        .header('x-hubspot-ratelimit-daily-remaining', String(Math.max(0, dailyLimit - usage.used)));
    }
    return undefined;
  }

  const server = await startSandboxServer(vendor, opts);
  return {
    ...server,
    store,
    privateAppToken,
    blogId: blog.id,
    oauthApp,
    rateWindow,
    issuePrivateAppToken: (scopes = ALL_SCOPES) => store.issuePrivateAppToken(scopes),
    issueOAuthTokens(scopes = ALL_SCOPES) {
      const refreshToken = `rt-${randomUUID()}`;
      store.refreshTokens.set(refreshToken, { scopes, clientId: oauthApp.clientId });
      const access = store.issueOAuthAccessToken(oauthApp.clientId, scopes, oauthApp.accessTokenTtlMs);
      return { accessToken: access.token, refreshToken, expiresAt: new Date(access.expiresAtMs) };
    },
    seed: (seed) => store.seed(seed),
  };
}

function bearerOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}
