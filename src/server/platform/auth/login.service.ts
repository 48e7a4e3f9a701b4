/**
 * Login: rate limit → verify password → new session. Failures are counted in `login_attempts` (so limits hold
 * across processes) per account and per IP over a sliding window.
 *
 * The answer to every failure is the same "invalid email or password", and an unknown email still costs one scrypt
 * verification, so neither the message nor the timing tells an attacker which accounts exist.
 */
import type { Clock } from '../clock.js';
import type { Executor } from '../db/index.js';
import { InvalidCredentialsError, LoginRateLimitedError } from './auth.errors.js';
import {
  DEFAULT_SCRYPT,
  hashPassword,
  verifyAgainstDummy,
  verifyPassword,
  type ScryptParams,
} from './password.js';
import { createSession, type NewSession } from './sessions.service.js';
import { findUserByEmail, normalizeEmail, type User } from './users.service.js';
import { listMemberWorkspaces, type MemberWorkspace } from './workspaces.service.js';

export interface LoginLimits {
  windowMs: number;
  perAccount: number;
  perIp: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = { windowMs: 15 * 60_000, perAccount: 10, perIp: 50 };

/** Attempts older than this are deleted opportunistically; they only matter inside the window. */
const ATTEMPT_RETENTION_MS = 24 * 3600_000;

export interface LoginDeps {
  db: Executor;
  clock: Clock;
  sessionTtlMs: number;
  limits?: LoginLimits;
  scrypt?: ScryptParams;
}

export interface LoginInput {
  email: string;
  password: string;
  ip: string;
  userAgent?: string | null;
  /** The session cookie the browser already had; it is invalidated (rotation). */
  previousToken?: string | null;
}

export interface LoginResult {
  session: NewSession;
  user: User;
  workspaces: MemberWorkspace[];
}

export async function login(deps: LoginDeps, input: LoginInput): Promise<LoginResult> {
  const limits = deps.limits ?? DEFAULT_LOGIN_LIMITS;
  const email = normalizeEmail(input.email);
  await assertLoginAllowed(deps.db, deps.clock, limits, email, input.ip);

  const user = await findUserByEmail(deps.db, email);
  const check = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash, deps.scrypt)
    : await verifyAgainstDummy(input.password, deps.scrypt);
  if (!user || !check.ok || user.disabled) {
    await recordLoginAttempt(deps.db, deps.clock, { email, ip: input.ip, succeeded: false });
    throw new InvalidCredentialsError();
  }
  if (check.needsRehash) {
    const hash = await hashPassword(input.password, deps.scrypt ?? DEFAULT_SCRYPT);
    await deps.db.updateTable('users').set({ password_hash: hash }).where('id', '=', user.id).execute();
  }
  await recordLoginAttempt(deps.db, deps.clock, { email, ip: input.ip, succeeded: true });
  const session = await createSession(
    { db: deps.db, clock: deps.clock, sessionTtlMs: deps.sessionTtlMs },
    {
      userId: user.id,
      ip: input.ip,
      userAgent: input.userAgent ?? null,
      replacesToken: input.previousToken ?? null,
    },
  );
  const { passwordHash: _omit, ...publicUser } = user;
  return { session, user: publicUser, workspaces: await listMemberWorkspaces(deps.db, user.id) };
}

/**
 * Throws LOGIN_RATE_LIMITED when the account or the IP has reached its failure limit in the window. Retry-After is
 * when the oldest failure that still counts against the limit leaves the window.
 */
export async function assertLoginAllowed(
  db: Executor,
  clock: Clock,
  limits: LoginLimits,
  email: string,
  ip: string,
): Promise<void> {
  const now = clock.nowMs();
  const since = new Date(now - limits.windowMs);
  const checks = [
    { column: 'email' as const, value: email, limit: limits.perAccount },
    { column: 'ip' as const, value: ip, limit: limits.perIp },
  ];
  let retryAt = 0;
  for (const c of checks) {
    // The limit-th most recent failure: while it is inside the window, the limit is reached.
    const row = await db
      .selectFrom('login_attempts')
      .select('attempted_at')
      .where(c.column, '=', c.value)
      .where('succeeded', '=', false)
      .where('attempted_at', '>', since)
      .orderBy('attempted_at', 'desc')
      .offset(c.limit - 1)
      .limit(1)
      .executeTakeFirst();
    if (row) retryAt = Math.max(retryAt, row.attempted_at.getTime() + limits.windowMs);
  }
  if (retryAt > 0) throw new LoginRateLimitedError(Math.max(1, Math.ceil((retryAt - now) / 1000)));
}

export async function recordLoginAttempt(
  db: Executor,
  clock: Clock,
  attempt: { email: string; ip: string; succeeded: boolean },
): Promise<void> {
  const now = clock.now();
  await db
    .insertInto('login_attempts')
    .values({ ...attempt, attempted_at: now })
    .execute();
  if (attempt.succeeded) {
    // A successful login clears the account's failures (not the IP's) and prunes old rows.
    await db
      .deleteFrom('login_attempts')
      .where('email', '=', attempt.email)
      .where('succeeded', '=', false)
      .execute();
    await db
      .deleteFrom('login_attempts')
      .where('attempted_at', '<', new Date(now.getTime() - ATTEMPT_RETENTION_MS))
      .execute();
  }
}
