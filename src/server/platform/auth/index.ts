/**
 * auth: identity, sessions, API tokens and the one authorization policy (DESIGN §7).
 *
 * Terminology:
 * - user: a person with an email and a password (scrypt); belongs to workspaces through memberships.
 * - membership: (workspace, user, role). One user can hold different roles in different workspaces.
 * - session: a browser login — the `sb_session` cookie (random, stored as sha256) plus a derived CSRF token.
 * - API token: `sb_…` bearer secret scoped to one workspace and role, never above its creator's role.
 * - actor: who is acting in which workspace with which role; built per request (or by the CLI / jobs) and passed
 *   to `authorize(actor, action)`.
 */
import type { Clock } from '../clock.js';
import type { Executor } from '../db/index.js';
import type { HttpApp } from '../http/index.js';
import { registerAuth, type AuthDeps } from './auth.hook.js';
import { registerAuthRoutes } from './auth.routes.js';
import { registerIdentityRoutes } from './identity.routes.js';
import type { LoginLimits } from './login.service.js';
import type { ScryptParams } from './password.js';
import type { ChangeRecorder } from './change-recorder.js';
import { pruneExpiredSessions } from './sessions.service.js';
import { registerTokenRoutes } from './tokens.routes.js';
import { TokenCache } from './token-cache.js';

export { systemActor, type Actor, type ActorOrigin } from './actor.js';
export type { ChangeRecord, ChangeRecorder } from './change-recorder.js';
export { can, authorize, roleAtMost, ACTION_ROLES, ROLE_RANK, type Action, type Resource } from './policy.js';
export {
  registerAuth,
  authenticateRequest,
  listPolicyRoutes,
  setSessionCookie,
  clearSessionCookie,
  WORKSPACE_HEADER,
  CSRF_HEADER,
  type AuthDeps,
  type AuthenticateOptions,
} from './auth.hook.js';
export { registerAuthRoutes } from './auth.routes.js';
export { registerIdentityRoutes } from './identity.routes.js';
export { registerTokenRoutes } from './tokens.routes.js';
export {
  hashPassword,
  verifyPassword,
  assertPasswordPolicy,
  DEFAULT_SCRYPT,
  PASSWORD_MIN_LENGTH,
  type ScryptParams,
  type PasswordCheck,
} from './password.js';
export {
  createWorkspace,
  listWorkspaces,
  listMemberWorkspaces,
  selectMemberWorkspace,
  getWorkspace,
  addMember,
  type Workspace,
  type MemberWorkspace,
} from './workspaces.service.js';
export {
  createUser,
  listUsers,
  getUser,
  findUserByEmail,
  changePassword,
  setPassword,
  type User,
  type WorkspaceMember,
  type CreateUserInput,
} from './users.service.js';
export { login, DEFAULT_LOGIN_LIMITS, type LoginLimits, type LoginResult } from './login.service.js';
export {
  createSession,
  resolveSession,
  destroySession,
  destroyUserSessions,
  pruneExpiredSessions,
  SESSION_COOKIE,
} from './sessions.service.js';
export {
  createToken,
  listTokens,
  revokeToken,
  resolveToken,
  type ApiToken,
  type CreatedToken,
} from './tokens.service.js';
export {
  ensureFirstRun,
  DEFAULT_OWNER_EMAIL,
  type FirstRunOptions,
  type FirstRunResult,
} from './first-run.js';
export * from './auth.errors.js';
export { TokenCache, TOKEN_CACHE_TTL_MS } from './token-cache.js';

export interface AuthAreaDeps {
  db: Executor;
  clock: Clock;
  sessionTtlHours: number;
  publicUrl: string;
  loginLimits?: LoginLimits;
  /** Tests pass cheap parameters; production uses DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
  /** Audit + event writer for auth changes (tokens, members, workspaces). */
  recordChange?: ChangeRecorder;
}

export interface AuthArea {
  deps: AuthDeps;
  /** Call right after `createHttpServer`, before any route is registered. */
  registerAuth(app: HttpApp): void;
  /** Registers /api/v1/auth/*, /api/v1/workspaces, /api/v1/users and /api/v1/tokens. */
  registerRoutes(app: HttpApp): void;
  /** Periodic cleanup (a cron job): expired sessions. */
  pruneExpiredSessions(): Promise<number>;
}

/** The auth area for the composition root. */
export function createAuthArea(input: AuthAreaDeps): AuthArea {
  const tokenCache = new TokenCache();
  const recordChange = input.recordChange;
  const deps: AuthDeps = {
    ...input,
    tokenCache,
    // Any auth change (revocation, role change, removal) invalidates every cached token of this process.
    recordChange: async (tx, actor, change) => {
      tokenCache.clear();
      await recordChange?.(tx, actor, change);
    },
  };
  return {
    deps,
    registerAuth: (app) => registerAuth(app, deps),
    registerRoutes: (app) => {
      registerAuthRoutes(app, deps);
      registerIdentityRoutes(app, deps);
      registerTokenRoutes(app, deps);
    },
    pruneExpiredSessions: () => pruneExpiredSessions({ db: deps.db, clock: deps.clock }),
  };
}
