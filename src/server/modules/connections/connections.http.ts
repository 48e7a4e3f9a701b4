/** Response shapes of the connections API: a connection never carries its credentials or tokens. */
import { z } from 'zod';
import type { Connector } from '../../connectors/sdk/connector.js';
import { CAPABILITIES, AUTH_KINDS } from '../../connectors/sdk/connector.js';
import { ValidationError } from '../../platform/errors/index.js';
import type { FastifyRequest } from 'fastify';
import { CONNECTION_STATUSES, type Connection } from './connections.repo.js';
import type { ConnectionHealth, TestResult } from './connections.service.js';

export const rateLimitSchema = z
  .object({
    requests: z.number().int().min(1).max(1_000_000),
    windowMs: z.number().int().min(1).max(86_400_000),
    concurrency: z.number().int().min(1).max(10_000).optional(),
    daily: z.number().int().min(1).optional(),
  })
  .strict()
  .describe("Override of the vendor's documented request budget (e.g. a higher-tier account)");

const jsonSchema = z.record(z.string(), z.unknown()).describe('JSON Schema (draft 2020-12)');

export const connectorSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  authKind: z.enum(AUTH_KINDS),
  capabilities: z.array(z.enum(CAPABILITIES)),
  defaultBaseUrl: z.string(),
  rateLimit: z.record(z.string(), z.unknown()),
  oauth: z.object({ scopes: z.array(z.string()) }).nullable(),
  configSchema: jsonSchema.describe('Drives the connection form: non-secret settings'),
  credentialsSchema: jsonSchema.describe('Drives the connection form: secret settings (write-only)'),
  docs: z.array(z.object({ label: z.string(), url: z.string() })),
});

/** JSON Schema of a zod schema for forms; falls back to an open object for constructs JSON Schema cannot express. */
export function toFormSchema(schema: z.ZodType): Record<string, unknown> {
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  } catch {
    return { type: 'object' };
  }
}

export function toConnectorBody(c: Connector): z.infer<typeof connectorSchema> {
  const m = c.manifest;
  return {
    id: m.id,
    displayName: m.displayName,
    authKind: m.authKind,
    capabilities: [...m.capabilities],
    defaultBaseUrl: m.defaultBaseUrl,
    rateLimit: { ...m.rateLimit },
    oauth: m.oauth ? { scopes: [...m.oauth.scopes] } : null,
    configSchema: toFormSchema(m.configSchema),
    credentialsSchema: toFormSchema(m.credentialsSchema),
    docs: m.docs.map((d) => ({ ...d })),
  };
}

const errorJson = z.record(z.string(), z.unknown()).nullable();

export const connectionSchema = z
  .object({
    id: z.string(),
    vendor: z.string(),
    name: z.string(),
    baseUrl: z.string(),
    config: z.record(z.string(), z.unknown()),
    hasCredentials: z.boolean().describe('Credentials are write-only: only whether they are set is shown'),
    authorized: z.boolean().describe('A token obtained by OAuth or client credentials is stored'),
    status: z.enum(CONNECTION_STATUSES),
    statusReason: z.string().nullable(),
    sandbox: z.boolean().describe('Points at a local emulator: nothing reaches the real vendor'),
    label: z.string().describe('Display name, marked "[sandbox]" for sandbox connections'),
    envDefault: z.boolean().describe('Created from MARKETING_PLATFORM at start-up'),
    rateLimit: rateLimitSchema.nullable(),
    health: z.object({
      breakerState: z.string(),
      lastSuccessAt: z.string().nullable(),
      lastErrorAt: z.string().nullable(),
      lastError: errorJson,
      tokenExpiresAt: z.string().nullable(),
      pausedUntil: z.string().nullable(),
    }),
    version: z.number().int().describe('Send it back as If-Match to change the connection'),
    createdAt: z.string(),
    updatedAt: z.string(),
    manifest: connectorSchema.optional().describe('The connector (with its form schemas), on single reads'),
  })
  .describe('A connection to an external platform (never includes credentials)');

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function toConnectionBody(c: Connection, connector?: Connector): z.infer<typeof connectionSchema> {
  return {
    id: c.id,
    vendor: c.vendor,
    name: c.name,
    baseUrl: c.baseUrl,
    config: c.config,
    hasCredentials: c.hasCredentials,
    authorized: c.authorized,
    status: c.status,
    statusReason: c.statusReason,
    sandbox: c.sandbox,
    label: c.sandbox ? `${c.name} [sandbox]` : c.name,
    envDefault: c.envDefault,
    rateLimit: c.rateLimit ? rateLimitSchema.parse(c.rateLimit) : null,
    health: {
      breakerState: c.breakerState,
      lastSuccessAt: iso(c.lastSuccessAt),
      lastErrorAt: iso(c.lastErrorAt),
      lastError: c.lastError,
      tokenExpiresAt: iso(c.tokenExpiresAt),
      pausedUntil: iso(c.pausedUntil),
    },
    version: c.version,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
    ...(connector ? { manifest: toConnectorBody(connector) } : {}),
  };
}

export const healthSchema = z.object({
  connectionId: z.string(),
  status: z.enum(CONNECTION_STATUSES),
  statusReason: z.string().nullable(),
  breakerState: z.string().describe('closed | half_open | open'),
  lastSuccessAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastError: errorJson.describe('The classified error of the last failure (kind, message, vendorCode …)'),
  tokenExpiresAt: z.string().nullable(),
  pausedUntil: z.string().nullable(),
  rateBudget: z.record(z.string(), z.unknown()).nullable().describe('What is left of the request budget'),
  live: z.boolean().describe('Breaker and budget come from a runtime in the answering process'),
});

export function toHealthBody(h: ConnectionHealth): z.infer<typeof healthSchema> {
  return {
    connectionId: h.connectionId,
    status: h.status,
    statusReason: h.statusReason,
    breakerState: h.breakerState,
    lastSuccessAt: iso(h.lastSuccessAt),
    lastErrorAt: iso(h.lastErrorAt),
    lastError: h.lastError,
    tokenExpiresAt: iso(h.tokenExpiresAt),
    pausedUntil: iso(h.pausedUntil),
    rateBudget: h.rateBudget,
    live: h.live,
  };
}

export const testResultSchema = z.object({
  ok: z.boolean(),
  account: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  error: z
    .record(z.string(), z.unknown())
    .optional()
    .describe('The classified ConnectorError when ok is false'),
  durationMs: z.number(),
});

export function toTestBody(r: TestResult): z.infer<typeof testResultSchema> {
  return {
    ok: r.ok,
    ...(r.account !== undefined ? { account: r.account } : {}),
    ...(r.details !== undefined ? { details: r.details } : {}),
    ...(r.error !== undefined ? { error: r.error } : {}),
    durationMs: r.durationMs,
  };
}

/** Optional `If-Match: "<version>"`: when sent, a stale version is refused with 409. */
export function readOptionalIfMatch(request: FastifyRequest): number | undefined {
  const raw = request.headers['if-match'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value) return undefined;
  const m = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  if (!m) {
    throw new ValidationError('If-Match must be the version you last read, e.g. If-Match: "3"', {
      fields: [{ location: 'headers', path: 'if-match', message: 'is not a version' }],
    });
  }
  return Number(m[1]);
}
