/**
 * API tokens: `sb_<43 base64url chars>` bearer secrets scoped to one workspace and role. Stored as sha256 hex, shown
 * once at creation. A token never carries more than its creator: the role is capped at creation (ROLE_TOO_HIGH) and
 * again at every use by the creator's current role, so demoting or removing a user also weakens their tokens.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.js';
import { NotFoundError, ValidationError } from '../errors/index.js';
import type { Executor, WorkspaceRole } from '../db/index.js';
import type { Actor } from './actor.js';
import { RoleTooHighError } from './auth.errors.js';
import { authorize, ROLE_RANK, roleAtMost } from './policy.js';
import { hashSecret } from './sessions.service.js';
import type { TokenCache } from './token-cache.js';

export const TOKEN_PREFIX = 'sb_';
/** `last_used_at` is written at most this often per token, keeping authentication a single read. */
export const TOKEN_TOUCH_INTERVAL_MS = 60_000;

export interface ApiToken {
  id: string;
  workspaceId: string;
  createdBy: string | null;
  name: string;
  role: WorkspaceRole;
  /** First characters of the secret, to tell tokens apart. */
  prefix: string;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

export interface CreatedToken extends ApiToken {
  /** The secret; returned only here. */
  token: string;
}

type Row = {
  id: string;
  workspace_id: string;
  created_by: string | null;
  name: string;
  role: WorkspaceRole;
  prefix: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  revoked_at: Date | null;
  created_at: Date;
};

const COLUMNS = [
  'id',
  'workspace_id',
  'created_by',
  'name',
  'role',
  'prefix',
  'expires_at',
  'last_used_at',
  'revoked_at',
  'created_at',
] as const;

function toToken(r: Row): ApiToken {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    createdBy: r.created_by,
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    expiresAt: r.expires_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
    createdAt: r.created_at,
  };
}

export function looksLikeApiToken(value: string): boolean {
  return /^sb_[A-Za-z0-9_-]{43}$/.test(value);
}

/** Creates a token in the actor's workspace, owned by the actor's user. */
export async function createToken(
  db: Executor,
  clock: Clock,
  actor: Actor,
  input: { name: string; role: WorkspaceRole; expiresAt?: Date | null },
): Promise<CreatedToken> {
  authorize(actor, 'tokens.create');
  if (!roleAtMost(input.role, actor.role)) throw new RoleTooHighError(input.role, actor.role);
  const name = input.name.trim();
  if (!name || name.length > 200)
    throw new ValidationError('Name must be 1–200 characters', { field: 'name' });
  if (input.expiresAt && input.expiresAt.getTime() <= clock.nowMs()) {
    throw new ValidationError('expiresAt must be in the future', { field: 'expiresAt' });
  }
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({
      workspace_id: actor.workspaceId,
      created_by: actor.userId,
      name,
      role: input.role,
      token_hash: hashSecret(token),
      prefix: token.slice(0, 10),
      expires_at: input.expiresAt ?? null,
      created_at: clock.now(),
    })
    .returning(COLUMNS)
    .executeTakeFirstOrThrow();
  return { ...toToken(row), token };
}

/** Tokens of the actor's workspace (no secrets): admins see all, others their own. Revoked ones are left out. */
export async function listTokens(db: Executor, actor: Actor): Promise<ApiToken[]> {
  authorize(actor, 'tokens.read');
  let q = db
    .selectFrom('api_tokens')
    .select(COLUMNS)
    .where('workspace_id', '=', actor.workspaceId)
    .where('revoked_at', 'is', null);
  if (ROLE_RANK[actor.role] < ROLE_RANK.admin)
    q = q.where('created_by', '=', actor.userId ?? '00000000-0000-0000-0000-000000000000');
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map(toToken);
}

/** Revokes a token: one's own, or any in the workspace for admins. Unknown or foreign ids are 404. */
export async function revokeToken(db: Executor, clock: Clock, actor: Actor, tokenId: string): Promise<void> {
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'workspace_id', 'created_by'])
    .where('id', '=', tokenId)
    .where('workspace_id', '=', actor.workspaceId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) throw new NotFoundError('Token', tokenId);
  authorize(actor, 'tokens.revoke', { workspaceId: row.workspace_id, ownerUserId: row.created_by });
  await db.updateTable('api_tokens').set({ revoked_at: clock.now() }).where('id', '=', tokenId).execute();
}

export interface ResolvedToken {
  id: string;
  workspaceId: string;
  userId: string | null;
  /** min(token role, creator's current role). */
  role: WorkspaceRole;
  expiresAt: Date | null;
}

/** The live token for a bearer value, or null (unknown, revoked, expired, creator gone or disabled). */
export async function resolveToken(
  db: Executor,
  clock: Clock,
  raw: string,
  cache?: TokenCache,
): Promise<ResolvedToken | null> {
  if (!looksLikeApiToken(raw)) return null;
  const tokenHash = hashSecret(raw);
  const cached = cache?.get(tokenHash, clock.nowMs());
  if (cached) return cached;
  const row = await db
    .selectFrom('api_tokens as t')
    .leftJoin('memberships as m', (j) =>
      j.onRef('m.workspace_id', '=', 't.workspace_id').onRef('m.user_id', '=', 't.created_by'),
    )
    .leftJoin('users as u', 'u.id', 't.created_by')
    .select([
      't.id',
      't.workspace_id',
      't.created_by',
      't.role',
      't.expires_at',
      't.revoked_at',
      't.last_used_at',
      'm.role as creator_role',
      'u.disabled',
    ])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  const now = clock.nowMs();
  if (!row || row.revoked_at || (row.expires_at && row.expires_at.getTime() <= now)) return null;
  let role = row.role;
  if (row.created_by !== null) {
    if (!row.creator_role || row.disabled) return null;
    if (ROLE_RANK[row.creator_role] < ROLE_RANK[role]) role = row.creator_role;
  }
  if (!row.last_used_at || now - row.last_used_at.getTime() >= TOKEN_TOUCH_INTERVAL_MS) {
    await db
      .updateTable('api_tokens')
      .set({ last_used_at: new Date(now) })
      .where('id', '=', row.id)
      .execute();
  }
  const token = {
    id: row.id,
    workspaceId: row.workspace_id,
    userId: row.created_by,
    role,
    expiresAt: row.expires_at,
  };
  cache?.set(tokenHash, token, now);
  return token;
}
