/**
 * `/api/v1/auth/*`: login, logout, who am I, change password. Thin: parse → service → shape (Payload style).
 */
import { z } from 'zod';
import { UnauthenticatedError, ValidationError } from '../errors/index.js';
import type { HttpApp } from '../http/index.js';
import { clearSessionCookie, setSessionCookie, type AuthDeps, sessionDepsOf } from './auth.hook.js';
import { login } from './login.service.js';
import { PASSWORD_MAX_LENGTH } from './password.js';
import {
  createSession,
  deriveCsrfToken,
  destroySession,
  destroyUserSessions,
  SESSION_COOKIE,
} from './sessions.service.js';
import { changePassword, getUser, type User } from './users.service.js';
import { listMemberWorkspaces } from './workspaces.service.js';
import { WORKSPACE_ROLES } from '../db/index.js';

const TAGS = ['auth'];

export const userBody = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  mustChangePassword: z.boolean(),
});
export const memberWorkspaceBody = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  role: z.enum(WORKSPACE_ROLES),
});

const loginBody = z.object({
  email: z.string().trim().min(1).max(320),
  password: z.string().min(1).max(PASSWORD_MAX_LENGTH),
});
const sessionBody = z.object({
  user: userBody,
  workspaces: z.array(memberWorkspaceBody),
  csrfToken: z.string(),
});
const meBody = z.object({
  user: userBody,
  workspace: memberWorkspaceBody,
  workspaces: z.array(memberWorkspaceBody),
  via: z.enum(['session', 'token']),
  csrfToken: z
    .string()
    .nullable()
    .describe('For cookie sessions: send it as X-CSRF-Token on unsafe requests'),
});

export function toUserBody(u: User): z.infer<typeof userBody> {
  return { id: u.id, email: u.email, name: u.name, mustChangePassword: u.mustChangePassword };
}

export function registerAuthRoutes(app: HttpApp, deps: AuthDeps): void {
  app.post(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags: TAGS,
        summary: 'Log in with email and password; sets the sb_session cookie',
        description: 'Rate-limited per account and per IP (429 LOGIN_RATE_LIMITED with Retry-After).',
        body: loginBody,
        response: { 200: sessionBody },
      },
    },
    async (request, reply) => {
      const result = await login(
        { db: deps.db, clock: deps.clock, sessionTtlMs: sessionDepsOf(deps).sessionTtlMs, ...optional(deps) },
        {
          email: request.body.email,
          password: request.body.password,
          ip: request.ip,
          userAgent: request.headers['user-agent'] ?? null,
          previousToken: request.cookies[SESSION_COOKIE] ?? null,
        },
      );
      setSessionCookie(reply, deps, result.session.token);
      return {
        user: toUserBody(result.user),
        workspaces: result.workspaces,
        csrfToken: result.session.csrfToken,
      };
    },
  );

  app.post(
    '/api/v1/auth/logout',
    {
      config: { action: 'account.manage' },
      schema: {
        tags: TAGS,
        summary: 'End the current session (no-op for API tokens)',
        response: { 204: z.null() },
      },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      if (request.actor.kind === 'user' && cookie) await destroySession(deps.db, cookie);
      clearSessionCookie(reply, deps);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/api/v1/auth/me',
    {
      config: { action: 'account.read' },
      schema: {
        tags: TAGS,
        summary: 'The calling user, the workspace in use and all their workspaces',
        response: { 200: meBody },
      },
    },
    async (request) => {
      const actor = request.actor;
      if (!actor.userId) throw new UnauthenticatedError('This token is not tied to a user');
      const user = await getUser(deps.db, actor.userId);
      if (!user) throw new UnauthenticatedError();
      const all = await listMemberWorkspaces(deps.db, actor.userId);
      const current = all.find((w) => w.id === actor.workspaceId);
      const workspace = current
        ? { ...current, role: actor.role }
        : { id: actor.workspaceId, slug: '', name: '', role: actor.role };
      const cookie = request.cookies[SESSION_COOKIE];
      return {
        user: toUserBody(user),
        workspace,
        // A token sees only its own workspace.
        workspaces: actor.kind === 'token' ? all.filter((w) => w.id === actor.workspaceId) : all,
        via: actor.kind === 'token' ? ('token' as const) : ('session' as const),
        csrfToken: actor.kind === 'user' && cookie ? deriveCsrfToken(cookie) : null,
      };
    },
  );

  app.post(
    '/api/v1/auth/password',
    {
      config: { action: 'account.manage' },
      schema: {
        tags: TAGS,
        summary: 'Change your password (session only); ends your other sessions and rotates this one',
        body: z.object({
          currentPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
          newPassword: z.string().min(1).max(PASSWORD_MAX_LENGTH),
        }),
        response: { 200: z.object({ csrfToken: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = request.actor;
      const cookie = request.cookies[SESSION_COOKIE];
      if (actor.kind !== 'user' || !actor.userId || !cookie) {
        throw new ValidationError('Change passwords from a browser session, not with an API token');
      }
      await changePassword(deps.db, {
        userId: actor.userId,
        currentPassword: request.body.currentPassword,
        newPassword: request.body.newPassword,
        ...(deps.scrypt ? { scrypt: deps.scrypt } : {}),
      });
      await destroyUserSessions(deps.db, actor.userId);
      const session = await createSession(sessionDepsOf(deps), {
        userId: actor.userId,
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      setSessionCookie(reply, deps, session.token);
      return { csrfToken: session.csrfToken };
    },
  );
}

function optional(deps: AuthDeps): {
  limits?: NonNullable<AuthDeps['loginLimits']>;
  scrypt?: NonNullable<AuthDeps['scrypt']>;
} {
  return {
    ...(deps.loginLimits ? { limits: deps.loginLimits } : {}),
    ...(deps.scrypt ? { scrypt: deps.scrypt } : {}),
  };
}
