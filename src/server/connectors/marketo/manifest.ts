/**
 * The Marketo connector's manifest: client-credentials auth against `/identity/oauth/token`, the documented budget
 * (100 calls per 20 s, 10 concurrent, 50,000 per day resetting at 00:00 US Central) and the config that drives the UI
 * form and the content mapping.
 */
import { z } from 'zod';
import type { ConnectorManifest, RateLimitPolicy } from '../sdk/connector.js';

/** Program types the Asset API accepts on create. */
export const MARKETO_PROGRAM_TYPES = [
  'Default',
  'Event',
  'Event with Webinar',
  'Engagement',
  'Email',
] as const;
export type MarketoProgramType = (typeof MARKETO_PROGRAM_TYPES)[number];

export const marketoConfigSchema = z.object({
  programFolderId: z.number().int().positive().describe('Marketing folder new programs are created in'),
  fileFolderId: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Design Studio folder uploaded files go to (default: the program folder)'),
  emailTemplateId: z.number().int().positive().describe('Email template new emails are created from'),
  emailSectionId: z
    .string()
    .min(1)
    .optional()
    .describe('Editable section (htmlId) that receives the body (default: the first text section)'),
  channelMap: z
    .record(z.string(), z.string().min(1))
    .default({})
    .describe('Program channel per content tag or content type (tags are tried first, in order)'),
  defaultChannel: z.string().min(1).optional().describe('Channel when no tag or type matches'),
  defaultProgramType: z.enum(MARKETO_PROGRAM_TYPES).default('Default').describe('Type of new programs'),
  fromName: z.string().min(1).default('Marketing').describe('Default from-name of new emails'),
  fromEmail: z.email().default('marketing@example.com').describe('Default from-address of new emails'),
  replyEmail: z.email().optional().describe('Default reply-to address (default: the from-address)'),
});
export type MarketoConfig = z.infer<typeof marketoConfigSchema>;

export const marketoCredentialsSchema = z.object({
  clientId: z.string().min(1).describe('Client Id of the LaunchPoint custom service'),
  clientSecret: z.string().min(1).describe('Client Secret of the LaunchPoint custom service'),
});
export type MarketoCredentials = z.infer<typeof marketoCredentialsSchema>;

/** Marketo's documented REST budget per instance. */
export const MARKETO_RATE_LIMIT: RateLimitPolicy = {
  requests: 100,
  windowMs: 20_000,
  concurrency: 10,
  daily: 50_000,
};

/** The IANA zone of Marketo's daily quota reset (00:00 US Central). */
export const MARKETO_QUOTA_ZONE = 'America/Chicago';

export function createMarketoManifest(
  rateLimit: RateLimitPolicy = MARKETO_RATE_LIMIT,
): ConnectorManifest<typeof marketoConfigSchema, typeof marketoCredentialsSchema> {
  return {
    id: 'marketo',
    displayName: 'Marketo Engage',
    authKind: 'client_credentials',
    capabilities: [
      'testConnection',
      'createCampaign',
      'publishContent',
      'unpublishContent',
      'uploadAsset',
      'listContacts',
      'findByIdempotencyMarker',
    ],
    configSchema: marketoConfigSchema,
    credentialsSchema: marketoCredentialsSchema,
    // Every instance has its own host (`<munchkin-id>.mktorest.com`); connections must set their base URL.
    defaultBaseUrl: 'https://000-AAA-000.mktorest.com',
    rateLimit,
    env: [
      {
        name: 'MARKETO_CLIENT_ID',
        into: { credential: 'clientId' },
        required: true,
        secret: false,
        doc: 'Marketo LaunchPoint client id of the default connection (MARKETING_PLATFORM=marketo)',
      },
      {
        name: 'MARKETO_CLIENT_SECRET',
        into: { credential: 'clientSecret' },
        required: true,
        secret: true,
        doc: 'Marketo LaunchPoint client secret of the default connection',
      },
      {
        name: 'MARKETO_BASE_URL',
        into: 'baseUrl',
        required: true,
        secret: false,
        doc: 'Marketo REST base URL of the default connection, https://<munchkin-id>.mktorest.com',
      },
    ],
    docs: [
      {
        label: 'REST API',
        url: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/rest-api',
      },
      {
        label: 'Authentication',
        url: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication',
      },
      {
        label: 'Error codes',
        url: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes',
      },
      {
        label: 'Programs',
        url: 'https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/assets/programs',
      },
    ],
  };
}
