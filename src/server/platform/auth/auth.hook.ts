/**
 * The HTTP auth hook (DESIGN §7): every route declares `config.action` (a policy action) or `config.public`.
 *
 * - Startup: a route with neither fails `app.ready()`, so no route ships without a policy entry. (Checked at ready
 *   rather than in `onRoute`, because encapsulated plugins — the docs UI — mark their routes public in their own
 *   later `onRoute` hook.)
 * - Per request (`preParsing`: after cookies are parsed, before any body is read): authenticate with a bearer token
 *   or the session cookie (+ CSRF for unsafe methods), pick the workspace, `authorize(actor, action)`, and set
 *   `request.actor`. 401 UNAUTHENTICATED / 403 FORBIDDEN come out as AppErrors through the error mapper.
 */
import fastifyCookie from '@fastify/cookie';
import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Clock } from '../clock.js';
import type { Executor } from '../db/index.js';
import { AppError, UnauthenticatedError } from '../errors/index.js';
import type { HttpApp } from '../http/index.js';
import type { ChangeRecorder } from './change-recorder.js';
import type { Actor } from './actor.js';
import { CsrfTokenInvalidError, PasswordChangeRequiredError, WorkspaceAccessError } from './auth.errors.js';
import type { LoginLimits } from './login.service.js';
import type { ScryptParams } from './password.js';
import { ACTION_ROLES, authorize, type Action } from './policy.js';
import { checkCsrfToken, resolveSession, SESSION_COOKIE, type SessionDeps } from './sessions.service.js';
import { resolveToken } from './tokens.service.js';
import type { TokenCache } from './token-cache.js';
import { selectMemberWorkspace } from './workspaces.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook before the handler on every non-public route. Undefined on public routes. */
    actor: Actor;
  }
}

export const WORKSPACE_HEADER = 'x-switchboard-workspace';
export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** What a user with a one-time password may still do: see who they are, change it, log out. */
const PASSWORD_PENDING_ACTIONS: ReadonlySet<Action> = new Set(['account.read', 'account.manage']);

export interface AuthDeps {
  db: Executor;
  clock: Clock;
  sessionTtlHours: number;
  /** https:// → the session cookie is `Secure`. */
  publicUrl: string;
  loginLimits?: LoginLimits;
  scrypt?: ScryptParams;
  /** Writes audit entries and events for auth changes in the same transaction (wired by the composition root). */
  recordChange?: ChangeRecorder;
  /** Resolved API tokens, cleared by every auth change (see token-cache.ts). */
  tokenCache?: TokenCache;
}

export function sessionDepsOf(deps: AuthDeps): SessionDeps {
  return { db: deps.db, clock: deps.clock, sessionTtlMs: deps.sessionTtlHours * 3600_000 };
}

/** Routes seen by each app's auth hook, with their final config (the authz matrix walks them). */
const seenRoutes = new WeakMap<object, RouteOptions[]>();

/** Every route registered after `registerAuth`, or undefined when auth is not registered on `app`. */
export function listPolicyRoutes(app: HttpApp): readonly RouteOptions[] | undefined {
  return seenRoutes.get(app);
}

/** Registers @fastify/cookie (unless already there), the policy check at startup and the per-request hook. */
export function registerAuth(app: HttpApp, deps: AuthDeps): void {
  if (!app.hasRequestDecorator('cookies')) void app.register(fastifyCookie);
  app.decorateRequest('actor', null as unknown as Actor);

  const routes: RouteOptions[] = [];
  seenRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    routes.push(route as RouteOptions);
  });
  app.addHook('onReady', async () => {
    const missing = routes.filter((r) => policyOf(r.config) === null);
    if (missing.length) {
      const list = missing.map((r) => `${String(r.method)} ${r.url}`).join(', ');
      throw new Error(`Routes without config.action or config.public (add a policy entry): ${list}`);
    }
  });

  app.addHook('preParsing', async (request, reply) => {
    if (request.is404) return;
    const policy = policyOf(request.routeOptions.config);
    if (policy === 'public') return;
    // Fail closed: a route registered before this hook escaped the startup check.
    if (policy === null)
      throw new AppError('ROUTE_POLICY_MISSING', 500, 'This route has no authorization policy');
    const actor = await authenticateRequest(request, deps, { reply, action: policy });
    authorize(actor, policy);
    request.actor = actor;
    // Every later log line of this request names the workspace.
    request.log = request.log.child({ workspace_id: actor.workspaceId });
  });
}

function policyOf(config: unknown): Action | 'public' | null {
  const c = (config ?? {}) as { public?: unknown; action?: unknown };
  if (c.public === true) return 'public';
  if (typeof c.action === 'string' && Object.hasOwn(ACTION_ROLES, c.action)) return c.action as Action;
  return null;
}

export interface AuthenticateOptions {
  /** Lets a slid session re-send its cookie with the new lifetime. */
  reply?: FastifyReply;
  /** The action about to be authorized (a one-time-password session may only do account actions). */
  action?: Action;
}

/**
 * Who is calling: a bearer API token or the session cookie (with CSRF for unsafe methods). Throws 401 when neither
 * is valid, 403 CSRF_TOKEN_INVALID / FORBIDDEN / PASSWORD_CHANGE_REQUIRED. Reusable by SSE and other transports.
 * Does not authorize an action; call `authorize(actor, action)` after.
 */
export async function authenticateRequest(
  request: FastifyRequest,
  deps: AuthDeps,
  opts: AuthenticateOptions = {},
): Promise<Actor> {
  const base = { origin: 'api' as const, ip: request.ip, requestId: request.id, ...userAgentOf(request) };
  const wanted = headerValue(request, WORKSPACE_HEADER);
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new UnauthenticatedError('Authorization header must be "Bearer <token>"');
    const token = await resolveToken(deps.db, deps.clock, match[1]!, deps.tokenCache);
    if (!token) throw new UnauthenticatedError('Invalid, expired or revoked API token');
    if (wanted && wanted !== token.workspaceId) {
      const ws = await deps.db
        .selectFrom('workspaces')
        .select('slug')
        .where('id', '=', token.workspaceId)
        .executeTakeFirst();
      if (ws?.slug !== wanted.toLowerCase()) throw new WorkspaceAccessError(wanted);
    }
    return {
      kind: 'token',
      userId: token.userId,
      tokenId: token.id,
      workspaceId: token.workspaceId,
      role: token.role,
      ...base,
    };
  }

  const cookie = request.cookies?.[SESSION_COOKIE];
  if (!cookie) throw new UnauthenticatedError();
  const session = await resolveSession(sessionDepsOf(deps), cookie);
  if (!session) {
    opts.reply?.clearCookie(SESSION_COOKIE, { path: '/' });
    throw new UnauthenticatedError('Session expired or invalid; log in again');
  }
  if (UNSAFE_METHODS.has(request.method) && !checkCsrfToken(cookie, headerValue(request, CSRF_HEADER))) {
    throw new CsrfTokenInvalidError();
  }
  if (session.mustChangePassword && !(opts.action && PASSWORD_PENDING_ACTIONS.has(opts.action))) {
    throw new PasswordChangeRequiredError();
  }
  if (session.extended && opts.reply) setSessionCookie(opts.reply, deps, cookie);
  const ws = await selectMemberWorkspace(deps.db, session.userId, wanted);
  return { kind: 'user', userId: session.userId, tokenId: null, workspaceId: ws.id, role: ws.role, ...base };
}

/** HttpOnly, SameSite=Lax, Secure on https; Max-Age follows the sliding TTL. */
export function setSessionCookie(reply: FastifyReply, deps: AuthDeps, token: string): void {
  reply.setCookie(SESSION_COOKIE, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.publicUrl.startsWith('https:'),
    maxAge: deps.sessionTtlHours * 3600,
  });
}

export function clearSessionCookie(reply: FastifyReply, deps: AuthDeps): void {
  reply.clearCookie(SESSION_COOKIE, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.publicUrl.startsWith('https:'),
  });
}

function headerValue(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function userAgentOf(request: FastifyRequest): { userAgent?: string } {
  const ua = request.headers['user-agent'];
  return ua ? { userAgent: ua.slice(0, 512) } : {};
}
