/**
 * The connector contract (DESIGN §5). A connector is one folder under `src/server/connectors/<vendor>/` exporting a
 * `Connector`: a manifest plus a factory that receives an injected `ConnectorContext` and returns a client with the
 * capabilities the manifest lists. Connectors never import the database or a module; everything they need arrives in
 * the context, so the ledger (deliveries), the CLI and the contract tests drive them the same way.
 */
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.js';
import type { Logger } from '../../platform/logger.js';
import type { ConnectorHttp, VendorHttpPolicy } from './http-types.js';

/** How a connection authenticates with the vendor. */
export const AUTH_KINDS = ['oauth2_pkce', 'client_credentials', 'api_key'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** Every capability a connector may offer; the manifest lists the ones it implements. */
export const CAPABILITIES = [
  'testConnection',
  'publishContent',
  'unpublishContent',
  'createCampaign',
  'uploadAsset',
  'listContacts',
  'upsertContact',
  'pushActivity',
  'fetchMetrics',
  'postSocial',
  'findByIdempotencyMarker',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** A vendor's documented request budget, used to configure the per-connection limiter. */
export interface RateLimitPolicy {
  /** Requests allowed per window. */
  requests: number;
  windowMs: number;
  /** Concurrent in-flight requests allowed (Marketo: 10). */
  concurrency?: number;
  /** Daily quota (Marketo: 50,000 by default); exhausting it pauses the connection until `dailyResetUtcHour`. */
  daily?: number;
  /** UTC hour at which the daily quota resets (default 0, midnight UTC). */
  dailyResetUtcHour?: number;
}

export interface ConnectorManifest<
  TConfig extends z.ZodType = z.ZodType,
  TCredentials extends z.ZodType = z.ZodType,
> {
  id: string;
  displayName: string;
  authKind: AuthKind;
  capabilities: readonly Capability[];
  /** Non-secret settings (e.g. Marketo email template id); drives the UI form. */
  configSchema: TConfig;
  /** Secret settings (tokens, client secrets): write-only, encrypted at rest, never returned. Drives the UI form. */
  credentialsSchema: TCredentials;
  /** Production API base URL; every connection may override it (sandboxes, regional hosts). */
  defaultBaseUrl: string;
  rateLimit: RateLimitPolicy;
  /**
   * OAuth2 endpoints and scopes, for `authKind: 'oauth2_pkce'` — or for a connector that also accepts OAuth apps next
   * to its main auth kind (HubSpot: private-app tokens or OAuth).
   */
  oauth?: { authorizeUrl: string; tokenUrl: string; scopes: readonly string[] };
  /**
   * The environment variables that configure the default connection when `MARKETING_PLATFORM=<id>`. Every name starts
   * with the id upper-cased (`HUBSPOT_`; `platformEnvPrefix` in `config.ts`), which is how `config.ts` — the only
   * reader of the environment — collects them without knowing any vendor. Absent: not configurable from the env.
   */
  env?: readonly EnvVariable[];
  docs: readonly { label: string; url: string }[];
}

/** One environment variable of a connector's env configuration, and where its value goes. */
export interface EnvVariable {
  /** `HUBSPOT_ACCESS_TOKEN`; starts with the connector's prefix (`HUBSPOT_`). */
  name: string;
  /** The connection's base URL, or the credentials field (validated by `credentialsSchema` like any other). */
  into: 'baseUrl' | { credential: string };
  /** Start-up fails naming the variable when it is missing. */
  required: boolean;
  /** Never printed (`switchboard config` redacts every vendor variable anyway). */
  secret: boolean;
  doc: string;
}

/**
 * A local, stateful emulator of the vendor's API that a connector may ship (`<vendor>/sandbox/`): used by tests, by
 * `switchboard sandbox start` and by `MARKETING_PLATFORM=sandbox`. `start` loads the emulator lazily, so production
 * code paths never import it.
 */
export interface ConnectorSandbox {
  start(opts?: { host?: string; port?: number }): Promise<StartedSandbox>;
}

/** A running sandbox and the connection settings that reach it. */
export interface StartedSandbox {
  /** The base URL a connection uses (`http://127.0.0.1:<port>`). */
  url: string;
  /** Credentials the emulator accepts (they change on every start). */
  credentials: Record<string, unknown>;
  /** A connector config that works against the seeded data. */
  config: Record<string, unknown>;
  /** Requests beyond the emulated vendor limits so far (a well-behaved client causes none). */
  violations(): number;
  close(): Promise<void>;
}

/** The connection a client works for (no secrets: those are reached through `tokens`). */
export interface ConnectionInfo {
  id: string;
  workspaceId: string;
  baseUrl: string;
  config: Record<string, unknown>;
  /** True for sandbox connections, which are labelled everywhere. */
  sandbox: boolean;
}

/** An access token and when it expires (null: does not expire, e.g. a HubSpot private-app token). */
export interface AccessToken {
  accessToken: string;
  expiresAt: Date | null;
}

/**
 * Token access for one connection. `getAccessToken` returns a valid token, refreshing it when expired — single-flight:
 * concurrent callers share one refresh. `invalidate` is called after a vendor says the token is expired/invalid
 * (HTTP 401, Marketo 601/602) so the next `getAccessToken` refreshes. A refresh failure throws a ConnectorError of
 * kind `auth_expired` and marks the connection `needs_reauth`.
 */
export interface TokenStore {
  getAccessToken(): Promise<AccessToken>;
  invalidate(rejected: string): void;
  /** The decrypted credentials, for connectors whose token request needs them (client credentials). */
  credentials(): Record<string, unknown>;
}

export interface ConnectorContext {
  connection: ConnectionInfo;
  /** The shared HTTP layer, already bound to this connection's limiter, breaker and timeouts. */
  http: ConnectorHttp;
  tokens: TokenStore;
  clock: Clock;
  logger: Logger;
}

/** Our content as connectors receive it (one immutable version). */
export interface ContentPayload {
  contentId: string;
  versionId: string;
  version: number;
  type: 'blog_post' | 'email' | 'social_post' | 'landing_page' | 'asset';
  title: string;
  slug: string;
  /** Body in `bodyFormat`; mappers convert it to the vendor's format. */
  body: string;
  bodyFormat: 'markdown' | 'html' | 'json';
  fields: Record<string, unknown>;
  tags: readonly string[];
  locale: string;
  /** Images referenced by the body, fetched by the ledger; uploaded first and their URLs rewritten. */
  assets: readonly AssetPayload[];
}

export interface AssetPayload {
  /** The reference used in the body (URL or path) that must be rewritten to the vendor URL after upload. */
  ref: string;
  fileName: string;
  altText: string;
  bytes: Uint8Array;
}

/**
 * Every effect carries an idempotency marker (the delivery's key). Connectors embed it in the created object where the
 * API allows (a program description, a post's meta, a file name) so `findByIdempotencyMarker` can reconcile `unknown`
 * outcomes.
 */
export interface EffectRequest {
  idempotencyMarker: string;
}

export interface ExternalRef {
  externalId: string;
  url?: string;
  /** A short, secret-free summary of the vendor response for the ledger. */
  summary?: Record<string, unknown>;
}

export interface PublishContentInput extends EffectRequest {
  content: ContentPayload;
}
export interface UnpublishContentInput extends EffectRequest {
  externalId: string;
  content: ContentPayload;
}
export interface CreateCampaignInput extends EffectRequest {
  name: string;
  description?: string;
  content: ContentPayload;
}
export interface UploadAssetInput extends EffectRequest {
  asset: AssetPayload;
}
export interface ListContactsInput {
  listId?: string;
  cursor?: string;
  limit?: number;
}
export interface ContactPage {
  contacts: { externalId: string; email?: string; fields: Record<string, unknown> }[];
  nextCursor?: string;
  lists?: { externalId: string; name: string; size?: number }[];
}
export interface TestConnectionResult {
  ok: boolean;
  /** e.g. the portal id / instance name the credentials belong to. */
  account?: string;
  details?: Record<string, unknown>;
}
export type EffectAction = 'publishContent' | 'unpublishContent' | 'createCampaign' | 'uploadAsset';

/** The client a connector builds for one connection; optional members are the capabilities it may not have. */
export interface ConnectorClient {
  testConnection(): Promise<TestConnectionResult>;
  publishContent?(input: PublishContentInput): Promise<ExternalRef>;
  unpublishContent?(input: UnpublishContentInput): Promise<ExternalRef>;
  createCampaign?(input: CreateCampaignInput): Promise<ExternalRef>;
  uploadAsset?(input: UploadAssetInput): Promise<ExternalRef>;
  listContacts?(input: ListContactsInput): Promise<ContactPage>;
  /** Asks the vendor whether an effect with this marker exists (reconciliation of `unknown` outcomes). */
  findByIdempotencyMarker?(input: {
    action: EffectAction;
    marker: string;
    content?: ContentPayload;
  }): Promise<ExternalRef | null>;
}

export interface Connector<
  TConfig extends z.ZodType = z.ZodType,
  TCredentials extends z.ZodType = z.ZodType,
> {
  manifest: ConnectorManifest<TConfig, TCredentials>;
  /** How the shared HTTP layer classifies this vendor's responses and reads its rate-limit headers. */
  httpPolicy: VendorHttpPolicy;
  createClient(ctx: ConnectorContext): ConnectorClient;
  /** The connector's sandbox, if it ships one. */
  sandbox?: ConnectorSandbox;
  /**
   * Obtains a token from credentials, for `client_credentials` (and refresh for `oauth2_pkce`). The token store calls it
   * single-flight. Absent for `api_key` connectors, whose credential is the token.
   */
  fetchToken?(args: {
    http: ConnectorHttp;
    baseUrl: string;
    credentials: Record<string, unknown>;
    refreshToken?: string;
  }): Promise<AccessToken & { refreshToken?: string }>;
}
