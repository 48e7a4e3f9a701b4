/**
 * Auth test fixture: an HTTP app with the auth hook and the auth area's routes on a fresh test database, plus
 * helpers to seed a workspace with one user and one API token per role, and to log in through HTTP.
 *
 * This mirrors what the composition root does (createHttpServer → registerAuth → routes); the authz matrix prefers
 * the full app from `createTestApp()` once main.ts wires auth.
 */
import type { LightMyRequestResponse } from 'fastify';
import { TestClock } from '../../src/server/platform/clock.js';
import { WORKSPACE_ROLES, type Db, type WorkspaceRole } from '../../src/server/platform/db/index.js';
import {
  createHttpServer,
  databaseCheck,
  registerHealthRoutes,
  registerOpenApi,
  type HttpApp,
} from '../../src/server/platform/http/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import {
  createAuthArea,
  createToken,
  createUser,
  createWorkspace,
  type Actor,
  type AuthArea,
  type LoginLimits,
  type ScryptParams,
} from '../../src/server/platform/auth/index.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

/** Cheap scrypt so tests that create many users stay fast; production uses DEFAULT_SCRYPT. */
export const FAST_SCRYPT: ScryptParams = { N: 1024, r: 8, p: 1 };
export const PASSWORD = 'correct horse battery staple';

export interface AuthTestApp {
  app: HttpApp;
  db: Db;
  clock: TestClock;
  auth: AuthArea;
  close(): Promise<void>;
}

export async function createAuthTestApp(
  opts: {
    clock?: TestClock;
    publicUrl?: string;
    loginLimits?: LoginLimits;
    sessionTtlHours?: number;
    routes?: (app: HttpApp) => void;
  } = {},
): Promise<AuthTestApp> {
  const testDb: TestDb = await createTestDb();
  const clock = opts.clock ?? new TestClock('2026-03-01T00:00:00.000Z');
  const metrics = createMetricsRegistry({ defaultMetrics: false });
  const app = createHttpServer({
    logger: silentLogger(),
    metrics,
    bodyLimitBytes: 1 << 20,
    trustProxy: false,
  });
  const auth = createAuthArea({
    db: testDb.db.kysely,
    clock,
    sessionTtlHours: opts.sessionTtlHours ?? 24,
    publicUrl: opts.publicUrl ?? 'http://localhost:3000',
    scrypt: FAST_SCRYPT,
    ...(opts.loginLimits ? { loginLimits: opts.loginLimits } : {}),
  });
  auth.registerAuth(app);
  auth.registerRoutes(app);
  try {
    // The platform routes main.ts registers, so the matrix sees the same public surface.
    await registerOpenApi(app, { publicUrl: 'http://localhost:3000', version: 'test' });
    registerHealthRoutes(app, {
      db: testDb.db,
      metrics,
      checks: [databaseCheck(testDb.db)],
      info: () => ({}),
    });
    opts.routes?.(app);
    await app.ready();
  } catch (e) {
    await app.close().catch(() => {});
    await testDb.close();
    throw e;
  }
  return {
    app,
    db: testDb.db,
    clock,
    auth,
    close: async () => {
      await app.close();
      await testDb.close();
    },
  };
}

export interface SeededWorkspace {
  workspaceId: string;
  slug: string;
  /** user id and email per role */
  users: Record<WorkspaceRole, { id: string; email: string }>;
  /** bearer token per role, created by that role's user */
  tokens: Record<WorkspaceRole, string>;
}

/** A workspace with one user (and one token) per role. */
export async function seedWorkspace(db: Db, clock: TestClock, slug = 'acme'): Promise<SeededWorkspace> {
  const ws = await createWorkspace(db.kysely, { slug, name: slug.toUpperCase() });
  const users = {} as SeededWorkspace['users'];
  const tokens = {} as SeededWorkspace['tokens'];
  for (const role of WORKSPACE_ROLES) {
    const email = `${role}@${slug}.test`;
    const user = await createUser(db.kysely, {
      email,
      password: PASSWORD,
      workspaceId: ws.id,
      role,
      scrypt: FAST_SCRYPT,
    });
    users[role] = { id: user.id, email };
    const actor: Actor = {
      kind: 'user',
      userId: user.id,
      tokenId: null,
      workspaceId: ws.id,
      role,
      origin: 'cli',
    };
    tokens[role] = (await createToken(db.kysely, clock, actor, { name: `${role} token`, role })).token;
  }
  return { workspaceId: ws.id, slug, users, tokens };
}

export interface LoggedIn {
  cookie: string;
  csrfToken: string;
  response: LightMyRequestResponse;
}

/** Logs in through HTTP; returns the `sb_session=…` cookie pair and the CSRF token. */
export async function loginAs(
  app: HttpApp,
  email: string,
  password = PASSWORD,
  extra: { cookie?: string; ip?: string } = {},
): Promise<LoggedIn> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
    ...(extra.ip ? { remoteAddress: extra.ip } : {}),
    ...(extra.cookie ? { headers: { cookie: extra.cookie } } : {}),
  });
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return { cookie: sessionCookieOf(response), csrfToken: response.json().csrfToken, response };
}

export function sessionCookieOf(response: LightMyRequestResponse): string {
  const c = response.cookies.find((x) => x.name === 'sb_session');
  if (!c) throw new Error('no sb_session cookie set');
  return `sb_session=${c.value}`;
}
