/** Sessions over HTTP: login, cookie flags, CSRF, logout, rotation, sliding expiry, rate limits, password change. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, hashPassword } from '../../src/server/platform/auth/index.js';
import {
  createAuthTestApp,
  FAST_SCRYPT,
  loginAs,
  PASSWORD,
  seedWorkspace,
  sessionCookieOf,
  type AuthTestApp,
  type SeededWorkspace,
} from './auth-app.fixture.js';

const HOUR = 3600_000;
let t: AuthTestApp;
let ws: SeededWorkspace;

beforeAll(async () => {
  t = await createAuthTestApp({
    sessionTtlHours: 24,
    loginLimits: { windowMs: 15 * 60_000, perAccount: 3, perIp: 6 },
  });
  ws = await seedWorkspace(t.db, t.clock);
});
afterAll(() => t?.close());

const me = (cookie: string, headers: Record<string, string> = {}) =>
  t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { cookie, ...headers } });

describe('login', () => {
  it('sets an HttpOnly SameSite=Lax session cookie stored only as its sha256, and returns user, workspaces and CSRF', async () => {
    const { response, cookie } = await loginAs(t.app, 'Editor@ACME.test');
    const set = response.cookies.find((c) => c.name === 'sb_session')!;
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/', maxAge: 24 * 3600 });
    expect(set.secure).toBeFalsy();
    expect(Buffer.from(set.value, 'base64url')).toHaveLength(32);
    const body = response.json();
    expect(body.user).toMatchObject({ email: 'editor@acme.test', mustChangePassword: false });
    expect(body.workspaces).toEqual([{ id: ws.workspaceId, slug: 'acme', name: 'ACME', role: 'editor' }]);
    expect(body.csrfToken).toEqual(expect.any(String));
    const rows = await t.db.kysely
      .selectFrom('sessions')
      .select('token_hash')
      .where('user_id', '=', ws.users.editor.id)
      .execute();
    expect(rows.map((r) => r.token_hash)).toContain(createHash('sha256').update(set.value).digest('hex'));
    expect(rows.map((r) => r.token_hash)).not.toContain(set.value);
    expect((await me(cookie)).statusCode).toBe(200);
  });

  it('answers unknown email and wrong password identically', async () => {
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'viewer@acme.test', password: 'nope nope nope' },
      remoteAddress: '10.0.0.9',
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'ghost@acme.test', password: 'nope nope nope' },
      remoteAddress: '10.0.0.9',
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json().error.message).toBe('Invalid email or password');
    expect(unknown.json().error).toMatchObject({
      code: wrong.json().error.code,
      message: wrong.json().error.message,
    });
    expect(wrong.cookies.find((c) => c.name === 'sb_session' && c.value)).toBeUndefined();
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const secure = await createAuthTestApp({ publicUrl: 'https://sb.example.com' });
    try {
      const s = await seedWorkspace(secure.db, secure.clock);
      const { response } = await loginAs(secure.app, s.users.viewer.email);
      expect(response.cookies.find((c) => c.name === 'sb_session')).toMatchObject({
        secure: true,
        httpOnly: true,
      });
    } finally {
      await secure.close();
    }
  });
});

describe('CSRF', () => {
  it('requires X-CSRF-Token on unsafe cookie requests only', async () => {
    const { cookie, csrfToken } = await loginAs(t.app, ws.users.admin.email);
    const post = (headers: Record<string, string>) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { cookie, ...headers },
        payload: { name: 'ci', role: 'viewer' },
      });
    const missing = await post({});
    expect(missing.statusCode).toBe(403);
    expect(missing.json().error.code).toBe('CSRF_TOKEN_INVALID');
    expect((await post({ 'x-csrf-token': csrfToken.slice(0, -2) + 'xx' })).json().error.code).toBe(
      'CSRF_TOKEN_INVALID',
    );
    // Another session's token is not valid for this one.
    const other = await loginAs(t.app, ws.users.editor.email);
    expect((await post({ 'x-csrf-token': other.csrfToken })).statusCode).toBe(403);
    expect((await post({ 'x-csrf-token': csrfToken })).statusCode).toBe(201);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { cookie } })).statusCode,
    ).toBe(200);
    expect((await me(cookie)).json().csrfToken).toBe(csrfToken);
  });
});

describe('session lifecycle', () => {
  it('logout ends the session', async () => {
    const { cookie, csrfToken } = await loginAs(t.app, ws.users.viewer.email);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie, 'x-csrf-token': csrfToken },
    });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'sb_session')?.value).toBe('');
    const after = await me(cookie);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('rotates the session id on login: the cookie presented at login stops working', async () => {
    const first = await loginAs(t.app, ws.users.publisher.email);
    const second = await loginAs(t.app, ws.users.publisher.email, PASSWORD, { cookie: first.cookie });
    expect(second.cookie).not.toBe(first.cookie);
    expect((await me(first.cookie)).statusCode).toBe(401);
    expect((await me(second.cookie)).statusCode).toBe(200);
  });

  it('expires after the TTL of inactivity, sliding on use', async () => {
    const { cookie } = await loginAs(t.app, ws.users.reviewer.email);
    t.clock.advance(20 * HOUR);
    const used = await me(cookie);
    expect(used.statusCode).toBe(200);
    expect(used.cookies.find((c) => c.name === 'sb_session')?.maxAge).toBe(24 * 3600); // re-sent with fresh lifetime
    t.clock.advance(20 * HOUR); // 40 h after login, 20 h after last use
    expect((await me(cookie)).statusCode).toBe(200);
    t.clock.advance(24 * HOUR + 1000);
    expect((await me(cookie)).statusCode).toBe(401);
  });
});

describe('login rate limit', () => {
  it('limits failures per account with 429 and Retry-After, then lets the window pass', async () => {
    const attempt = (password: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: ws.users.owner.email, password },
        remoteAddress: '10.1.0.1',
      });
    for (let i = 0; i < 3; i++) expect((await attempt('wrong password!')).statusCode).toBe(401);
    t.clock.advance(60_000);
    const limited = await attempt(PASSWORD); // even the right password
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('LOGIN_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBe(14 * 60);
    // Counted in the database, so every process sharing it enforces the same limit.
    const rows = await t.db.kysely
      .selectFrom('login_attempts')
      .selectAll()
      .where('email', '=', ws.users.owner.email)
      .execute();
    expect(rows.filter((r) => !r.succeeded)).toHaveLength(3);
    t.clock.advance(14 * 60_000 + 1);
    expect((await attempt(PASSWORD)).statusCode).toBe(200);
  });

  it('limits failures per IP across accounts', async () => {
    const ip = '10.2.0.1';
    for (let i = 0; i < 6; i++) {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: `nobody${i}@x.test`, password: 'x' },
        remoteAddress: ip,
      });
      expect(r.statusCode).toBe(401);
    }
    const fromIp = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ws.users.admin.email, password: PASSWORD },
      remoteAddress: ip,
    });
    expect(fromIp.statusCode).toBe(429);
    const elsewhere = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: ws.users.admin.email, password: PASSWORD },
      remoteAddress: '10.2.0.2',
    });
    expect(elsewhere.statusCode).toBe(200);
  });
});

describe('workspace selection', () => {
  it('uses the first membership by default and X-Switchboard-Workspace (id or slug) otherwise; non-members get 403', async () => {
    const other = await seedWorkspace(t.db, t.clock, 'globex');
    // The acme editor also becomes admin of globex (one user, two roles).
    await t.db.kysely
      .insertInto('memberships')
      .values({ workspace_id: other.workspaceId, user_id: ws.users.editor.id, role: 'admin' })
      .execute();
    const { cookie, response } = await loginAs(t.app, ws.users.editor.email);
    expect(
      response.json().workspaces.map((w: { slug: string; role: string }) => `${w.slug}:${w.role}`),
    ).toEqual(['acme:editor', 'globex:admin']);
    expect((await me(cookie)).json().workspace).toMatchObject({ slug: 'acme', role: 'editor' });
    const users = (h: Record<string, string>) =>
      t.app.inject({ method: 'GET', url: '/api/v1/users', headers: { cookie, ...h } });
    expect((await users({})).statusCode).toBe(403); // editor in acme
    expect((await users({ 'x-switchboard-workspace': 'globex' })).statusCode).toBe(200);
    expect((await users({ 'x-switchboard-workspace': other.workspaceId })).json().items).toHaveLength(7);
    const stranger = await loginAs(t.app, other.users.viewer.email);
    const denied = await me(stranger.cookie, { 'x-switchboard-workspace': 'acme' });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
  });
});

describe('passwords', () => {
  it('forces a password change before anything else, then rotates the session', async () => {
    await createUser(t.db.kysely, {
      email: 'fresh@acme.test',
      password: 'one-time-pass-123',
      mustChangePassword: true,
      workspaceId: ws.workspaceId,
      role: 'editor',
      scrypt: FAST_SCRYPT,
    });
    const { cookie, csrfToken, response } = await loginAs(t.app, 'fresh@acme.test', 'one-time-pass-123');
    expect(response.json().user.mustChangePassword).toBe(true);
    const blocked = await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { cookie } });
    expect(blocked.json().error.code).toBe('PASSWORD_CHANGE_REQUIRED');
    expect((await me(cookie)).statusCode).toBe(200);
    const change = (current: string, next: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/password',
        headers: { cookie, 'x-csrf-token': csrfToken },
        payload: { currentPassword: current, newPassword: next },
      });
    expect((await change('wrong-current-pass', 'a brand new password')).json().error.code).toBe(
      'CURRENT_PASSWORD_INVALID',
    );
    expect((await change('one-time-pass-123', 'short')).json().error.code).toBe('VALIDATION_FAILED');
    const ok = await change('one-time-pass-123', 'a brand new password');
    expect(ok.statusCode).toBe(200);
    const newCookie = sessionCookieOf(ok);
    expect((await me(cookie)).statusCode).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/tokens', headers: { cookie: newCookie } }))
        .statusCode,
    ).toBe(200);
    expect((await me(newCookie)).json().csrfToken).toBe(ok.json().csrfToken);
    await expect(loginAs(t.app, 'fresh@acme.test', 'one-time-pass-123')).rejects.toThrow(/401/);
    await loginAs(t.app, 'fresh@acme.test', 'a brand new password');
  });

  it('re-hashes a password stored with weaker scrypt parameters at login', async () => {
    const weak = await hashPassword(PASSWORD, { N: 256, r: 8, p: 1 });
    await t.db.kysely
      .updateTable('users')
      .set({ password_hash: weak })
      .where('id', '=', ws.users.viewer.id)
      .execute();
    await loginAs(t.app, ws.users.viewer.email);
    const row = await t.db.kysely
      .selectFrom('users')
      .select('password_hash')
      .where('id', '=', ws.users.viewer.id)
      .executeTakeFirstOrThrow();
    expect(row.password_hash).toMatch(/^scrypt\$1024\$8\$1\$/);
    await loginAs(t.app, ws.users.viewer.email);
  });
});
