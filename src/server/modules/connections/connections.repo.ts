/**
 * SQL for `connections` (migrations/0009_connections.sql). Ciphertext columns are read only by `findSecrets`, so a
 * listing can never leak them by accident. Mutations run on the caller's executor (often its transaction).
 */
import { sql } from 'kysely';
import type { Executor } from '../../platform/db/index.js';
import type { RateLimitPolicy } from '../../connectors/sdk/connector.js';

export const CONNECTION_STATUSES = ['active', 'needs_reauth', 'paused', 'disabled'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

export const BREAKER_STATES = ['closed', 'open', 'half_open', 'isolated'] as const;
export type BreakerStateName = (typeof BREAKER_STATES)[number];

/** A connection without its secrets. */
export interface Connection {
  id: string;
  workspaceId: string;
  vendor: string;
  name: string;
  baseUrl: string;
  config: Record<string, unknown>;
  hasCredentials: boolean;
  credentialsVersion: number;
  authorized: boolean;
  tokenExpiresAt: Date | null;
  status: ConnectionStatus;
  statusReason: string | null;
  sandbox: boolean;
  envDefault: boolean;
  rateLimit: RateLimitPolicy | null;
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: Record<string, unknown> | null;
  breakerState: BreakerStateName;
  rateBudget: Record<string, unknown> | null;
  pausedUntil: Date | null;
  createdBy: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface ConnectionSecrets {
  credentialsCipher: string | null;
  tokensCipher: string | null;
}

interface Row {
  id: string;
  workspace_id: string;
  vendor: string;
  name: string;
  base_url: string;
  config: Record<string, unknown>;
  has_credentials: boolean;
  credentials_version: number;
  authorized: boolean;
  token_expires_at: Date | string | null;
  status: ConnectionStatus;
  status_reason: string | null;
  sandbox: boolean;
  env_default: boolean;
  rate_limit: RateLimitPolicy | null;
  last_success_at: Date | string | null;
  last_error_at: Date | string | null;
  last_error: Record<string, unknown> | null;
  breaker_state: BreakerStateName;
  rate_budget: Record<string, unknown> | null;
  paused_until: Date | string | null;
  created_by: string | null;
  version: number;
  created_at: Date | string;
  updated_at: Date | string;
}

const COLUMNS = sql.raw(`id, workspace_id, vendor, name, base_url, config,
  credentials_cipher IS NOT NULL AS has_credentials, credentials_version, tokens_cipher IS NOT NULL AS authorized,
  token_expires_at, status, status_reason, sandbox, env_default, rate_limit, last_success_at, last_error_at,
  last_error, breaker_state, rate_budget, paused_until, created_by, version, created_at, updated_at`);

const toDate = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));
const toDateOrNull = (v: Date | string | null): Date | null => (v === null ? null : toDate(v));

function toConnection(r: Row): Connection {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    vendor: r.vendor,
    name: r.name,
    baseUrl: r.base_url,
    config: r.config,
    hasCredentials: r.has_credentials,
    credentialsVersion: Number(r.credentials_version),
    authorized: r.authorized,
    tokenExpiresAt: toDateOrNull(r.token_expires_at),
    status: r.status,
    statusReason: r.status_reason,
    sandbox: r.sandbox,
    envDefault: r.env_default,
    rateLimit: r.rate_limit,
    lastSuccessAt: toDateOrNull(r.last_success_at),
    lastErrorAt: toDateOrNull(r.last_error_at),
    lastError: r.last_error,
    breakerState: r.breaker_state,
    rateBudget: r.rate_budget,
    pausedUntil: toDateOrNull(r.paused_until),
    createdBy: r.created_by,
    version: Number(r.version),
    createdAt: toDate(r.created_at),
    updatedAt: toDate(r.updated_at),
  };
}

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

export interface ConnectionWrite {
  vendor: string;
  name: string;
  baseUrl: string;
  config: Record<string, unknown>;
  credentialsCipher: string | null;
  sandbox: boolean;
  envDefault: boolean;
  rateLimit: RateLimitPolicy | null;
  createdBy: string | null;
}

/** Inserts a connection; null when the workspace already has one with this name. */
export async function insertConnection(
  tx: Executor,
  workspaceId: string,
  w: ConnectionWrite,
  now: Date,
): Promise<Connection | null> {
  const r = await sql<Row>`
    INSERT INTO connections (workspace_id, vendor, name, base_url, config, credentials_cipher, credentials_version,
      sandbox, env_default, rate_limit, created_by, created_at, updated_at)
    VALUES (${workspaceId}, ${w.vendor}, ${w.name}, ${w.baseUrl}, ${json(w.config)}::jsonb, ${w.credentialsCipher},
      ${w.credentialsCipher === null ? 0 : 1}, ${w.sandbox}, ${w.envDefault}, ${json(w.rateLimit)}::jsonb,
      ${w.createdBy}, ${now}, ${now})
    ON CONFLICT (workspace_id, name) DO NOTHING
    RETURNING ${COLUMNS}`.execute(tx);
  return r.rows[0] ? toConnection(r.rows[0]) : null;
}

export async function findConnection(
  db: Executor,
  workspaceId: string,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<Connection | null> {
  const r = await sql<Row>`
    SELECT ${COLUMNS} FROM connections WHERE workspace_id = ${workspaceId} AND id = ${id}
    ${opts.forUpdate ? sql`FOR UPDATE` : sql``}`.execute(db);
  return r.rows[0] ? toConnection(r.rows[0]) : null;
}

/** By id alone: jobs and the OAuth callback know the id, and take the workspace from the row. */
export async function findConnectionById(db: Executor, id: string): Promise<Connection | null> {
  const r = await sql<Row>`SELECT ${COLUMNS} FROM connections WHERE id = ${id}`.execute(db);
  return r.rows[0] ? toConnection(r.rows[0]) : null;
}

export async function findEnvDefaultConnection(
  db: Executor,
  workspaceId: string,
  vendor: string,
): Promise<Connection | null> {
  const r = await sql<Row>`
    SELECT ${COLUMNS} FROM connections
    WHERE workspace_id = ${workspaceId} AND vendor = ${vendor} AND env_default FOR UPDATE`.execute(db);
  return r.rows[0] ? toConnection(r.rows[0]) : null;
}

export async function listConnections(
  db: Executor,
  workspaceId: string,
  q: { vendor?: string | undefined } = {},
): Promise<Connection[]> {
  const r = await sql<Row>`
    SELECT ${COLUMNS} FROM connections WHERE workspace_id = ${workspaceId}
    ${q.vendor ? sql`AND vendor = ${q.vendor}` : sql``}
    ORDER BY created_at, id`.execute(db);
  return r.rows.map(toConnection);
}

export async function findSecrets(db: Executor, id: string): Promise<ConnectionSecrets | null> {
  const r = await sql<{ credentials_cipher: string | null; tokens_cipher: string | null }>`
    SELECT credentials_cipher, tokens_cipher FROM connections WHERE id = ${id}`.execute(db);
  const row = r.rows[0];
  return row ? { credentialsCipher: row.credentials_cipher, tokensCipher: row.tokens_cipher } : null;
}

export interface ConnectionPatch {
  name?: string;
  baseUrl?: string;
  config?: Record<string, unknown>;
  /** New credentials: bumps credentials_version and forgets stored tokens (they belonged to the old ones). */
  credentialsCipher?: string | null;
  status?: ConnectionStatus;
  statusReason?: string | null;
  rateLimit?: RateLimitPolicy | null;
  sandbox?: boolean;
}

/** Applies a user edit and bumps the version; null when the name is taken. */
export async function updateConnectionRow(
  tx: Executor,
  id: string,
  patch: ConnectionPatch,
  now: Date,
): Promise<Connection | null> {
  const sets = [sql`version = version + 1`, sql`updated_at = ${now}`];
  if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`);
  if (patch.baseUrl !== undefined) sets.push(sql`base_url = ${patch.baseUrl}`);
  if (patch.config !== undefined) sets.push(sql`config = ${json(patch.config)}::jsonb`);
  if (patch.credentialsCipher !== undefined) {
    sets.push(
      sql`credentials_cipher = ${patch.credentialsCipher}`,
      sql`credentials_version = credentials_version + 1`,
      sql`tokens_cipher = NULL`,
      sql`token_expires_at = NULL`,
    );
  }
  if (patch.status !== undefined) sets.push(sql`status = ${patch.status}`);
  if (patch.statusReason !== undefined) sets.push(sql`status_reason = ${patch.statusReason}`);
  if (patch.rateLimit !== undefined) sets.push(sql`rate_limit = ${json(patch.rateLimit)}::jsonb`);
  if (patch.sandbox !== undefined) sets.push(sql`sandbox = ${patch.sandbox}`);
  try {
    const r = await sql<Row>`
      UPDATE connections SET ${sql.join(sets)} WHERE id = ${id} RETURNING ${COLUMNS}`.execute(tx);
    return r.rows[0] ? toConnection(r.rows[0]) : null;
  } catch (e) {
    if ((e as { code?: unknown }).code === '23505') return null;
    throw e;
  }
}

export async function deleteConnectionRow(tx: Executor, id: string): Promise<void> {
  await sql`DELETE FROM connections WHERE id = ${id}`.execute(tx);
}

/** Stores tokens obtained by OAuth, refresh or client credentials; marks the connection active again. */
export async function saveTokens(
  tx: Executor,
  id: string,
  tokensCipher: string,
  expiresAt: Date | null,
  now: Date,
  opts: { reactivate: boolean },
): Promise<void> {
  await sql`
    UPDATE connections SET tokens_cipher = ${tokensCipher}, token_expires_at = ${expiresAt}, updated_at = ${now}
      ${opts.reactivate ? sql`, status = 'active', status_reason = NULL, version = version + 1` : sql``}
    WHERE id = ${id}`.execute(tx);
}

/** The runtime found the credentials unusable: deliveries pause until someone re-authorises. */
export async function markNeedsReauth(tx: Executor, id: string, reason: string, now: Date): Promise<boolean> {
  const r = await sql`
    UPDATE connections SET status = 'needs_reauth', status_reason = ${reason.slice(0, 500)},
      version = version + 1, updated_at = ${now}
    WHERE id = ${id} AND status = 'active'`.execute(tx);
  return Number(r.numAffectedRows ?? 0) > 0;
}

export interface HealthUpdate {
  successAt?: Date;
  errorAt?: Date;
  error?: Record<string, unknown>;
  breakerState?: BreakerStateName;
  rateBudget?: Record<string, unknown> | null;
  pausedUntil?: Date | null;
}

/** Health is observational: it does not bump the version (it is not a competing edit). */
export async function updateHealth(db: Executor, id: string, h: HealthUpdate): Promise<void> {
  const sets = [];
  if (h.successAt) sets.push(sql`last_success_at = greatest(last_success_at, ${h.successAt}::timestamptz)`);
  if (h.errorAt) sets.push(sql`last_error_at = ${h.errorAt}`, sql`last_error = ${json(h.error)}::jsonb`);
  if (h.breakerState) sets.push(sql`breaker_state = ${h.breakerState}`);
  if (h.rateBudget !== undefined) sets.push(sql`rate_budget = ${json(h.rateBudget)}::jsonb`);
  if (h.pausedUntil !== undefined) sets.push(sql`paused_until = ${h.pausedUntil}`);
  if (sets.length === 0) return;
  await sql`UPDATE connections SET ${sql.join(sets)} WHERE id = ${id}`.execute(db);
}
