/**
 * Connection use cases. Each is one transaction: authorize → load → validate against the connector's schemas →
 * persist (credentials sealed) → event + audit. Credentials are write-only: nothing here ever returns them, and
 * events and audit entries only say whether they changed.
 */
import type { z } from 'zod';
import { authorize, type Actor } from '../../platform/auth/index.js';
import { inTransaction, type Executor } from '../../platform/db/index.js';
import { NotFoundError } from '../../platform/errors/index.js';
import type { Connector, RateLimitPolicy, TestConnectionResult } from '../../connectors/sdk/connector.js';
import { isConnectorError } from '../../connectors/sdk/connector-error.js';
import type { BreakerState, RateBudget } from '../../connectors/sdk/runtime-types.js';
import type { ConnectionsContext } from './connections.context.js';
import {
  ConnectionInUseError,
  ConnectionNameTakenError,
  ConnectionNotUsableError,
  ConnectionSettingsInvalidError,
  ConnectionVersionConflictError,
  ConnectorUnknownError,
  isForeignKeyViolation,
  type SchemaIssue,
} from './connections.errors.js';
import {
  deleteConnectionRow,
  findConnection,
  insertConnection,
  listConnections,
  updateConnectionRow,
  type Connection,
  type ConnectionPatch,
  type ConnectionStatus,
} from './connections.repo.js';
import { summarizeBudget, type ConnectionHandle } from './connection-runtime.js';

/** A rate-limit override as parsed from a request (optional members may be explicitly undefined). */
export interface RateLimitInput {
  requests: number;
  windowMs: number;
  concurrency?: number | undefined;
  daily?: number | undefined;
}

function toPolicy(r: RateLimitInput | null): RateLimitPolicy | null {
  if (r === null) return null;
  return {
    requests: r.requests,
    windowMs: r.windowMs,
    ...(r.concurrency !== undefined ? { concurrency: r.concurrency } : {}),
    ...(r.daily !== undefined ? { daily: r.daily } : {}),
  };
}

export interface CreateConnectionInput {
  vendor: string;
  name: string;
  baseUrl?: string | undefined;
  config?: Record<string, unknown> | undefined;
  credentials?: Record<string, unknown> | undefined;
  sandbox?: boolean | undefined;
  rateLimit?: RateLimitInput | null | undefined;
}

export interface UpdateConnectionInput {
  name?: string | undefined;
  baseUrl?: string | undefined;
  config?: Record<string, unknown> | undefined;
  credentials?: Record<string, unknown> | undefined;
  status?: ConnectionStatus | undefined;
  rateLimit?: RateLimitInput | null | undefined;
}

export interface ConnectionHealth {
  connectionId: string;
  status: ConnectionStatus;
  statusReason: string | null;
  breakerState: BreakerState | Connection['breakerState'];
  lastSuccessAt: Date | null;
  lastErrorAt: Date | null;
  lastError: Record<string, unknown> | null;
  tokenExpiresAt: Date | null;
  pausedUntil: Date | null;
  rateBudget: Record<string, unknown> | null;
  /** True when the breaker and budget come from a live runtime in this process (else: last recorded values). */
  live: boolean;
}

export interface TestResult extends TestConnectionResult {
  error?: Record<string, unknown>;
  durationMs: number;
}

const subjectOf = (id: string) => `connection:${id}`;

/** What events and audit entries say about a connection: no secrets, only whether credentials exist. */
export function summarizeConnection(c: Connection) {
  return {
    id: c.id,
    vendor: c.vendor,
    name: c.name,
    baseUrl: c.baseUrl,
    status: c.status,
    sandbox: c.sandbox,
    hasCredentials: c.hasCredentials,
    credentialsVersion: c.credentialsVersion,
    version: c.version,
  };
}

export function lookupConnector(ctx: ConnectionsContext, vendor: string): Connector {
  const connector = ctx.connectors[vendor];
  if (!connector) throw new ConnectorUnknownError(vendor, Object.keys(ctx.connectors));
  return connector;
}

function issuesOf(error: z.ZodError): SchemaIssue[] {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/** Parses with the connector's schema (applying its defaults); 422 naming the fields otherwise. */
export function parseSettings(
  schema: z.ZodType,
  value: unknown,
  which: 'config' | 'credentials',
): Record<string, unknown> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw new ConnectionSettingsInvalidError(which, issuesOf(r.error));
  return r.data as Record<string, unknown>;
}

export async function createConnection(
  ctx: ConnectionsContext,
  actor: Actor,
  input: CreateConnectionInput,
  opts: { envDefault?: boolean } = {},
): Promise<Connection> {
  authorize(actor, 'connections.manage', { workspaceId: actor.workspaceId });
  const connector = lookupConnector(ctx, input.vendor);
  const config = parseSettings(connector.manifest.configSchema, input.config, 'config');
  // OAuth connections may be created before their tokens exist; their client credentials are still required.
  const credentials = parseSettings(connector.manifest.credentialsSchema, input.credentials, 'credentials');
  return inTransaction(ctx.db, async (tx) => {
    const connection = await insertConnection(
      tx,
      actor.workspaceId,
      {
        vendor: input.vendor,
        name: input.name,
        baseUrl: stripSlash(input.baseUrl ?? connector.manifest.defaultBaseUrl),
        config,
        credentialsCipher: ctx.secrets.encrypt(JSON.stringify(credentials)),
        sandbox: input.sandbox ?? false,
        envDefault: opts.envDefault ?? false,
        rateLimit: toPolicy(input.rateLimit ?? null),
        createdBy: actor.userId,
      },
      ctx.clock.now(),
    );
    if (!connection) throw new ConnectionNameTakenError(input.name);
    await recordConnectionChange(ctx, tx, actor, 'connection.created', connection, null);
    return connection;
  });
}

export async function getConnection(ctx: ConnectionsContext, actor: Actor, id: string): Promise<Connection> {
  authorize(actor, 'connections.read', { workspaceId: actor.workspaceId });
  const c = await findConnection(ctx.db, actor.workspaceId, id);
  if (!c) throw new NotFoundError('Connection', id);
  return c;
}

export async function listWorkspaceConnections(
  ctx: ConnectionsContext,
  actor: Actor,
  q: { vendor?: string | undefined } = {},
): Promise<Connection[]> {
  authorize(actor, 'connections.read', { workspaceId: actor.workspaceId });
  return listConnections(ctx.db, actor.workspaceId, q);
}

/**
 * Changes settings, credentials or status. New credentials replace the old ones whole (validated like on create)
 * and forget stored tokens. Leaving `needs_reauth`/`paused`/`disabled` for `active` (or new credentials on a
 * connection that needed them) emits `connection.resumed`, on which paused deliveries are re-queued.
 */
export async function updateConnection(
  ctx: ConnectionsContext,
  actor: Actor,
  id: string,
  input: UpdateConnectionInput,
  expectedVersion?: number,
): Promise<Connection> {
  authorize(actor, 'connections.manage', { workspaceId: actor.workspaceId });
  return inTransaction(ctx.db, async (tx) => {
    const before = await findConnection(tx, actor.workspaceId, id, { forUpdate: true });
    if (!before) throw new NotFoundError('Connection', id);
    if (expectedVersion !== undefined && expectedVersion !== before.version) {
      throw new ConnectionVersionConflictError(before.version);
    }
    const connector = lookupConnector(ctx, before.vendor);
    const patch: ConnectionPatch = {};
    if (input.name !== undefined) patch.name = input.name;
    if (input.baseUrl !== undefined) patch.baseUrl = stripSlash(input.baseUrl);
    if (input.config !== undefined) {
      patch.config = parseSettings(connector.manifest.configSchema, input.config, 'config');
    }
    if (input.credentials !== undefined) {
      const creds = parseSettings(connector.manifest.credentialsSchema, input.credentials, 'credentials');
      patch.credentialsCipher = ctx.secrets.encrypt(JSON.stringify(creds));
    }
    if (input.rateLimit !== undefined) patch.rateLimit = toPolicy(input.rateLimit);
    let status = input.status;
    // New credentials are the fix for "needs re-authorisation".
    if (status === undefined && input.credentials !== undefined && before.status === 'needs_reauth') {
      status = 'active';
    }
    if (status !== undefined) {
      patch.status = status;
      patch.statusReason = status === 'active' ? null : `set by ${actor.kind}`;
    }
    const after = await updateConnectionRow(tx, id, patch, ctx.clock.now());
    if (!after) throw new ConnectionNameTakenError(input.name ?? before.name);
    await recordConnectionChange(ctx, tx, actor, 'connection.updated', after, before, {
      credentialsChanged: input.credentials !== undefined,
    });
    if (after.status === 'active' && (before.status !== 'active' || input.credentials !== undefined)) {
      await ctx.events.append(tx, {
        workspaceId: actor.workspaceId,
        type: 'connection.resumed',
        subject: subjectOf(id),
        actor,
        payload: { connectionId: id, vendor: after.vendor, from: before.status },
      });
    }
    ctx.runtimes.invalidate(id);
    return after;
  });
}

export async function deleteConnection(ctx: ConnectionsContext, actor: Actor, id: string): Promise<void> {
  authorize(actor, 'connections.manage', { workspaceId: actor.workspaceId });
  try {
    await inTransaction(ctx.db, async (tx) => {
      const before = await findConnection(tx, actor.workspaceId, id, { forUpdate: true });
      if (!before) throw new NotFoundError('Connection', id);
      await deleteConnectionRow(tx, id);
      await ctx.events.append(tx, {
        workspaceId: actor.workspaceId,
        type: 'connection.deleted',
        subject: subjectOf(id),
        actor,
        payload: summarizeConnection(before),
      });
      await ctx.audit.record(tx, actor, {
        action: 'connections.delete',
        subject: subjectOf(id),
        before: summarizeConnection(before),
      });
    });
  } catch (e) {
    if (isForeignKeyViolation(e)) throw new ConnectionInUseError();
    throw e;
  }
  ctx.runtimes.forget(id);
}

/** The connection's live client (cached per process). Throws 409 CONNECTION_NOT_USABLE without credentials. */
export async function openConnection(
  ctx: ConnectionsContext,
  connection: Connection,
): Promise<ConnectionHandle> {
  const connector = lookupConnector(ctx, connection.vendor);
  if (!connection.hasCredentials) {
    throw new ConnectionNotUsableError(`Connection ${connection.name} has no credentials`);
  }
  return ctx.runtimes.open(connection, connector);
}

/** Runs the connector's `testConnection`. A vendor failure is a result (`ok: false` with the classified error), not a 5xx. */
export async function testConnection(ctx: ConnectionsContext, actor: Actor, id: string): Promise<TestResult> {
  authorize(actor, 'connections.test', { workspaceId: actor.workspaceId });
  const connection = await findConnection(ctx.db, actor.workspaceId, id);
  if (!connection) throw new NotFoundError('Connection', id);
  const handle = await openConnection(ctx, connection);
  const wall = performance.now();
  try {
    const r = await handle.client.testConnection();
    return { ...r, durationMs: Math.round(performance.now() - wall) };
  } catch (e) {
    if (!isConnectorError(e)) throw e;
    return { ok: false, error: { ...e.toJSON() }, durationMs: Math.round(performance.now() - wall) };
  }
}

export async function getConnectionHealth(
  ctx: ConnectionsContext,
  actor: Actor,
  id: string,
): Promise<ConnectionHealth> {
  const c = await getConnection(ctx, actor, id);
  const live = ctx.runtimes.peek(id);
  let budget: RateBudget | undefined;
  try {
    budget = live?.budget();
  } catch {
    budget = undefined;
  }
  return {
    connectionId: c.id,
    status: c.status,
    statusReason: c.statusReason,
    breakerState: live ? live.breakerState() : c.breakerState,
    lastSuccessAt: c.lastSuccessAt,
    lastErrorAt: c.lastErrorAt,
    lastError: c.lastError,
    tokenExpiresAt: c.tokenExpiresAt,
    pausedUntil: c.pausedUntil,
    rateBudget: budget ? summarizeBudget(budget) : c.rateBudget,
    live: live !== undefined,
  };
}

async function recordConnectionChange(
  ctx: ConnectionsContext,
  tx: Executor,
  actor: Actor,
  type: 'connection.created' | 'connection.updated',
  after: Connection,
  before: Connection | null,
  extra: Record<string, unknown> = {},
): Promise<void> {
  await ctx.events.append(tx, {
    workspaceId: actor.workspaceId,
    type,
    subject: subjectOf(after.id),
    actor,
    payload: { ...summarizeConnection(after), ...extra },
  });
  await ctx.audit.record(tx, actor, {
    action: type === 'connection.created' ? 'connections.create' : 'connections.update',
    subject: subjectOf(after.id),
    ...(before ? { before: summarizeConnection(before) } : {}),
    after: { ...summarizeConnection(after), ...extra },
  });
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
