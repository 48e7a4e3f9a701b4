/**
 * The HubSpot connector's manifest. Auth: a private-app access token (`authKind: 'api_key'`, sent as Bearer; it does
 * not expire). OAuth apps are supported too (`manifest.oauth`): create the connection with the app's client id and
 * secret, then authorise it (authorization code + PKCE); the token store refreshes through `fetchToken` (access
 * tokens last 30 minutes). A refresh token given in the credentials is used while no token is stored yet.
 * Budget: 100 requests per rolling 10 s per private app (Professional; Enterprise has 190), plus a daily quota.
 */
import { z } from 'zod';
import type { ConnectorManifest, RateLimitPolicy } from '../sdk/connector.js';

export const hubspotConfigSchema = z.object({
  blogId: z
    .string()
    .regex(/^\d+$/)
    .optional()
    .describe('Blog (content group id) posts are published to (default: the first blog of the account)'),
  publishImmediately: z
    .boolean()
    .default(true)
    .describe(
      'Publish blog posts right away (otherwise they stay drafts, or are scheduled when the content has a publishAt)',
    ),
  createTags: z.boolean().default(true).describe('Create missing blog tags on demand'),
  tagIds: z
    .record(z.string(), z.string().regex(/^\d+$/))
    .default({})
    .describe('Existing HubSpot tag id per Switchboard tag (wins over creating tags)'),
  fileFolderPath: z
    .string()
    .min(1)
    .default('/switchboard')
    .describe('File manager folder uploaded assets go to'),
  fileAccess: z
    .enum(['PUBLIC_INDEXABLE', 'PUBLIC_NOT_INDEXABLE'])
    .default('PUBLIC_NOT_INDEXABLE')
    .describe('Access level of uploaded assets (they are embedded in public content)'),
  emailTemplatePath: z
    .string()
    .min(1)
    .optional()
    .describe('Email template new marketing emails use (e.g. @hubspot/email/dnd/welcome.html)'),
  emailBodyWidget: z
    .string()
    .min(1)
    .default('primary_rich_text_module')
    .describe('Rich-text module of the template that receives the email body'),
});
export type HubSpotConfig = z.infer<typeof hubspotConfigSchema>;

export const hubspotCredentialsSchema = z
  .object({
    accessToken: z.string().min(1).optional().describe('Private app access token (pat-…)'),
    clientId: z.string().min(1).optional().describe('OAuth app client id (OAuth connections only)'),
    clientSecret: z.string().min(1).optional().describe('OAuth app client secret (OAuth connections only)'),
    refreshToken: z.string().min(1).optional().describe('OAuth refresh token (OAuth connections only)'),
    webhookSecret: z
      .string()
      .min(1)
      .optional()
      .describe(
        "The app's client secret HubSpot signs webhooks with (v3); needed for private-app connections",
      ),
  })
  // An OAuth app's connection is created with its client id and secret only; its tokens arrive with the OAuth
  // callback (stored sealed with the connection's tokens, not in the credentials).
  .refine((c) => c.accessToken !== undefined || (c.clientId && c.clientSecret), {
    message:
      'Give a private app accessToken, or clientId and clientSecret for an OAuth app (then authorise it with OAuth)',
  });
export type HubSpotCredentials = z.infer<typeof hubspotCredentialsSchema>;

/** HubSpot's documented private-app budget (Professional): 100 per rolling 10 s, 250,000 a day. */
export const HUBSPOT_RATE_LIMIT: RateLimitPolicy = { requests: 100, windowMs: 10_000, daily: 250_000 };

export const HUBSPOT_OAUTH_SCOPES = [
  'content',
  'files',
  'crm.lists.read',
  'crm.objects.contacts.read',
  'oauth',
] as const;

export function createHubSpotManifest(
  rateLimit: RateLimitPolicy = HUBSPOT_RATE_LIMIT,
): ConnectorManifest<typeof hubspotConfigSchema, typeof hubspotCredentialsSchema> {
  return {
    id: 'hubspot',
    displayName: 'HubSpot',
    authKind: 'api_key',
    capabilities: [
      'testConnection',
      'publishContent',
      'unpublishContent',
      'uploadAsset',
      'listContacts',
      'findByIdempotencyMarker',
    ],
    configSchema: hubspotConfigSchema,
    credentialsSchema: hubspotCredentialsSchema,
    defaultBaseUrl: 'https://api.hubapi.com',
    rateLimit,
    oauth: {
      authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
      tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
      scopes: HUBSPOT_OAUTH_SCOPES,
    },
    env: [
      {
        name: 'HUBSPOT_ACCESS_TOKEN',
        into: { credential: 'accessToken' },
        required: true,
        secret: true,
        doc: 'HubSpot private-app token of the default connection (MARKETING_PLATFORM=hubspot)',
      },
    ],
    docs: [
      { label: 'Private apps', url: 'https://developers.hubspot.com/docs/api/private-apps' },
      { label: 'OAuth', url: 'https://developers.hubspot.com/docs/api/working-with-oauth' },
      { label: 'Rate limits', url: 'https://developers.hubspot.com/docs/api/usage-details' },
      { label: 'Error handling', url: 'https://developers.hubspot.com/docs/api/error-handling' },
      { label: 'Blog posts', url: 'https://developers.hubspot.com/docs/api/cms/blog-post' },
      {
        label: 'Marketing emails',
        url: 'https://developers.hubspot.com/docs/api/marketing/emails/marketing-emails',
      },
      { label: 'Files', url: 'https://developers.hubspot.com/docs/api/files/files' },
      { label: 'Lists', url: 'https://developers.hubspot.com/docs/api/crm/lists' },
    ],
  };
}
