/**
 * Connectors and connections as the REST API returns them (src/server/modules/connections/connections.http.ts).
 * A connection never carries its credentials; `configSchema` and `credentialsSchema` are JSON Schemas (draft 2020-12)
 * that drive the "add connection" form.
 */
import { z } from 'zod';

export const CONNECTION_STATUSES = ['active', 'needs_reauth', 'paused', 'disabled'] as const;

const jsonSchema = z.record(z.string(), z.unknown());

export const connectorSchema = z.object({
  id: z.string(),
  displayName: z.string(),
  authKind: z.string(),
  capabilities: z.array(z.string()),
  defaultBaseUrl: z.string(),
  rateLimit: z.record(z.string(), z.unknown()),
  oauth: z.object({ scopes: z.array(z.string()) }).nullable(),
  configSchema: jsonSchema,
  credentialsSchema: jsonSchema,
  docs: z.array(z.object({ label: z.string(), url: z.string() })),
});
export type Connector = z.infer<typeof connectorSchema>;

const errorJson = z.record(z.string(), z.unknown()).nullable();

export const connectionHealthSummarySchema = z.object({
  breakerState: z.string(),
  lastSuccessAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastError: errorJson,
  tokenExpiresAt: z.string().nullable(),
  pausedUntil: z.string().nullable(),
});

export const connectionSchema = z.object({
  id: z.string(),
  vendor: z.string(),
  name: z.string(),
  baseUrl: z.string(),
  config: z.record(z.string(), z.unknown()),
  hasCredentials: z.boolean(),
  authorized: z.boolean(),
  status: z.string(),
  statusReason: z.string().nullable(),
  /** Points at a local emulator: nothing reaches the real vendor. */
  sandbox: z.boolean(),
  label: z.string(),
  envDefault: z.boolean(),
  rateLimit: z.record(z.string(), z.unknown()).nullable(),
  health: connectionHealthSummarySchema,
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  manifest: connectorSchema.optional(),
});
export type Connection = z.infer<typeof connectionSchema>;

export const connectionHealthSchema = z.object({
  connectionId: z.string(),
  status: z.string(),
  statusReason: z.string().nullable(),
  /** closed | half_open | open */
  breakerState: z.string(),
  lastSuccessAt: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  lastError: errorJson,
  tokenExpiresAt: z.string().nullable(),
  pausedUntil: z.string().nullable(),
  /** What is left of the request budget (connector-specific keys), when tracked. */
  rateBudget: z.record(z.string(), z.unknown()).nullable(),
  /** Breaker and budget come from a runtime in the answering process. */
  live: z.boolean(),
});
export type ConnectionHealth = z.infer<typeof connectionHealthSchema>;

export const connectionTestResultSchema = z.object({
  ok: z.boolean(),
  account: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  error: z.record(z.string(), z.unknown()).optional(),
  durationMs: z.number(),
});
export type ConnectionTestResult = z.infer<typeof connectionTestResultSchema>;
