/**
 * Browser sessions (DESIGN §7). The cookie holds 32 random bytes (base64url); the database holds only their sha256,
 * so a leaked database or backup cannot be replayed as a login.
 *
 * - Expiry slides: each use pushes `expires_at` to now + TTL, written at most once a minute per session so that
 *   authenticating stays a single read in the common case.
 * - Rotation: login always creates a new id and deletes the one the browser presented (session fixation).
 * - CSRF: the token is derived from the session secret (sha256 with a label), so it needs no storage, changes with
 *   each session, and cannot be computed from the stored hash.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Executor } from '../db/index.js';

export const SESSION_COOKIE = 'sb_session';
/** Sliding-expiry writes happen at most this often per session. */
export const SESSION_TOUCH_INTERVAL_MS = 60_000;

export interface SessionDeps {
  db: Executor;
  clock: Clock;
  sessionTtlMs: number;
}

export interface NewSession {
  /** Cookie value; returned once, never stored. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ResolvedSession {
  tokenHash: string;
  userId: string;
  mustChangePassword: boolean;
  expiresAt: Date;
  /** True when this call extended the expiry (the cookie should be re-sent with the new Max-Age). */
  extended: boolean;
}

export function hashSecret(raw: string): string {
  return createHash('sha256').update(raw).digest('hex');
}

export function deriveCsrfToken(sessionToken: string): string {
  return createHash('sha256')
    .update('switchboard.csrf:' + sessionToken)
    .digest('base64url');
}

export function checkCsrfToken(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(deriveCsrfToken(sessionToken));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function createSession(
  deps: SessionDeps,
  input: { userId: string; ip?: string | null; userAgent?: string | null; replacesToken?: string | null },
): Promise<NewSession> {
  const token = randomBytes(32).toString('base64url');
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.sessionTtlMs);
  if (input.replacesToken)
    await deps.db.deleteFrom('sessions').where('token_hash', '=', hashSecret(input.replacesToken)).execute();
  await deps.db
    .insertInto('sessions')
    .values({
      token_hash: hashSecret(token),
      user_id: input.userId,
      created_at: now,
      last_seen_at: now,
      expires_at: expiresAt,
      ip: input.ip ?? null,
      user_agent: input.userAgent?.slice(0, 512) ?? null,
    })
    .execute();
  return { token, csrfToken: deriveCsrfToken(token), expiresAt };
}

/** The live session for a cookie value, or null (unknown, expired, or its user disabled). Slides the expiry. */
export async function resolveSession(deps: SessionDeps, token: string): Promise<ResolvedSession | null> {
  if (token.length < 20 || token.length > 100) return null;
  const tokenHash = hashSecret(token);
  const now = deps.clock.now();
  const row = await deps.db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.user_id', 's.last_seen_at', 's.expires_at', 'u.disabled', 'u.must_change_password'])
    .where('s.token_hash', '=', tokenHash)
    .executeTakeFirst();
  if (!row || row.disabled || row.expires_at.getTime() <= now.getTime()) return null;
  let expiresAt = row.expires_at;
  let extended = false;
  if (now.getTime() - row.last_seen_at.getTime() >= SESSION_TOUCH_INTERVAL_MS) {
    expiresAt = new Date(now.getTime() + deps.sessionTtlMs);
    await deps.db
      .updateTable('sessions')
      .set({ last_seen_at: now, expires_at: expiresAt })
      .where('token_hash', '=', tokenHash)
      .execute();
    extended = true;
  }
  return {
    tokenHash,
    userId: row.user_id,
    mustChangePassword: row.must_change_password,
    expiresAt,
    extended,
  };
}

export async function destroySession(db: Executor, token: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', hashSecret(token)).execute();
}

/** Logs a user out everywhere (password change, disable), optionally keeping one session. */
export async function destroyUserSessions(
  db: Executor,
  userId: string,
  exceptToken?: string,
): Promise<number> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptToken) q = q.where('token_hash', '!=', hashSecret(exceptToken));
  const res = await q.executeTakeFirst();
  return Number(res.numDeletedRows);
}

/** Deletes expired sessions; run periodically (e.g. from a cron job). */
export async function pruneExpiredSessions(deps: Omit<SessionDeps, 'sessionTtlMs'>): Promise<number> {
  const res = await deps.db
    .deleteFrom('sessions')
    .where('expires_at', '<=', deps.clock.now())
    .executeTakeFirst();
  return Number(res.numDeletedRows);
}
