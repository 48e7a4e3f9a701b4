/** API tokens over HTTP (role ceiling, expiry, last use, revocation) and the workspaces/users routes. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAuthTestApp,
  loginAs,
  PASSWORD,
  seedWorkspace,
  type AuthTestApp,
  type SeededWorkspace,
} from './auth-app.fixture.js';
import { TOKEN_CACHE_TTL_MS } from '../../src/server/platform/auth/index.js';

let t: AuthTestApp;
let ws: SeededWorkspace;

beforeAll(async () => {
  t = await createAuthTestApp();
  ws = await seedWorkspace(t.db, t.clock);
});
afterAll(() => t?.close());

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const req = (method: 'GET' | 'POST' | 'DELETE', url: string, token: string, payload?: object) =>
  t.app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });

describe('API tokens', () => {
  it('never carry a higher role than their creator (403 ROLE_TOO_HIGH); the secret is shown once', async () => {
    const tooHigh = await req('POST', '/api/v1/tokens', ws.tokens.editor, { name: 'x', role: 'admin' });
    expect(tooHigh.statusCode).toBe(403);
    expect(tooHigh.json().error.code).toBe('ROLE_TOO_HIGH');
    const created = await req('POST', '/api/v1/tokens', ws.tokens.editor, { name: 'ci', role: 'editor' });
    expect(created.statusCode).toBe(201);
    const { token, id, prefix } = created.json();
    expect(token).toMatch(/^sb_[A-Za-z0-9_-]{43}$/);
    expect(token.startsWith(prefix)).toBe(true);
    const listed = await req('GET', '/api/v1/tokens', ws.tokens.editor);
    expect(listed.body).not.toContain(token);
    expect(listed.json().items.map((i: { id: string }) => i.id)).toContain(id);
    const stored = await t.db.kysely
      .selectFrom('api_tokens')
      .select('token_hash')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect((await req('GET', '/api/v1/auth/me', token)).json()).toMatchObject({
      via: 'token',
      workspace: { role: 'editor' },
    });
  });

  it('lists only own tokens for non-admins and all for admins', async () => {
    const mine = (await req('GET', '/api/v1/tokens', ws.tokens.viewer)).json().items;
    expect(mine.every((i: { createdBy: string }) => i.createdBy === ws.users.viewer.id)).toBe(true);
    const all = (await req('GET', '/api/v1/tokens', ws.tokens.admin)).json().items;
    expect(new Set(all.map((i: { createdBy: string }) => i.createdBy)).size).toBeGreaterThanOrEqual(6);
  });

  it('stop working after expiresAt; a past expiresAt is rejected', async () => {
    const past = await req('POST', '/api/v1/tokens', ws.tokens.viewer, {
      name: 'old',
      role: 'viewer',
      expiresAt: new Date(t.clock.nowMs() - 1000).toISOString(),
    });
    expect(past.json().error.code).toBe('VALIDATION_FAILED');
    const created = await req('POST', '/api/v1/tokens', ws.tokens.viewer, {
      name: 'short',
      role: 'viewer',
      expiresAt: new Date(t.clock.nowMs() + 3600_000).toISOString(),
    });
    const token = created.json().token;
    expect((await req('GET', '/api/v1/tokens', token)).statusCode).toBe(200);
    t.clock.advance(3600_000);
    const expired = await req('GET', '/api/v1/tokens', token);
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('record last use, at most once a minute', async () => {
    const created = (
      await req('POST', '/api/v1/tokens', ws.tokens.viewer, { name: 'usage', role: 'viewer' })
    ).json();
    const lastUsed = async () =>
      (
        await t.db.kysely
          .selectFrom('api_tokens')
          .select('last_used_at')
          .where('id', '=', created.id)
          .executeTakeFirstOrThrow()
      ).last_used_at?.getTime() ?? null;
    expect(await lastUsed()).toBeNull();
    const firstUse = t.clock.nowMs();
    await req('GET', '/api/v1/auth/me', created.token);
    expect(await lastUsed()).toBe(firstUse);
    t.clock.advance(30_000);
    await req('GET', '/api/v1/auth/me', created.token);
    expect(await lastUsed()).toBe(firstUse);
    t.clock.advance(31_000);
    await req('GET', '/api/v1/auth/me', created.token);
    expect(await lastUsed()).toBe(t.clock.nowMs());
  });

  it('can be revoked by their creator or an admin, not by other members', async () => {
    const editorToken = (
      await req('POST', '/api/v1/tokens', ws.tokens.editor, { name: 'rev', role: 'viewer' })
    ).json();
    const adminToken = (
      await req('POST', '/api/v1/tokens', ws.tokens.admin, { name: 'rev', role: 'viewer' })
    ).json();
    expect((await req('DELETE', `/api/v1/tokens/${adminToken.id}`, ws.tokens.editor)).statusCode).toBe(403);
    expect((await req('DELETE', `/api/v1/tokens/${editorToken.id}`, ws.tokens.editor)).statusCode).toBe(204);
    expect((await req('GET', '/api/v1/auth/me', editorToken.token)).statusCode).toBe(401);
    expect((await req('DELETE', `/api/v1/tokens/${editorToken.id}`, ws.tokens.editor)).statusCode).toBe(404);
    const another = (
      await req('POST', '/api/v1/tokens', ws.tokens.editor, { name: 'rev2', role: 'viewer' })
    ).json();
    expect((await req('DELETE', `/api/v1/tokens/${another.id}`, ws.tokens.admin)).statusCode).toBe(204);
    expect(
      (await req('DELETE', '/api/v1/tokens/00000000-0000-4000-8000-000000000000', ws.tokens.admin))
        .statusCode,
    ).toBe(404);
  });

  it("are capped by the creator's current role and die with the creator's membership", async () => {
    const u = (
      await req('POST', '/api/v1/users', ws.tokens.admin, {
        email: 'temp@acme.test',
        password: PASSWORD,
        role: 'admin',
      })
    ).json();
    const { cookie, csrfToken } = await loginAs(t.app, 'temp@acme.test');
    const tok = (
      await t.app.inject({
        method: 'POST',
        url: '/api/v1/tokens',
        headers: { cookie, 'x-csrf-token': csrfToken },
        payload: { name: 'a', role: 'admin' },
      })
    ).json().token;
    expect((await req('GET', '/api/v1/users', tok)).statusCode).toBe(200);
    await t.db.kysely
      .updateTable('memberships')
      .set({ role: 'viewer' })
      .where('user_id', '=', u.id)
      .execute();
    // Changed behind the process's back (SQL, the CLI, another node): applies once the token cache entry expires.
    t.clock.advance(TOKEN_CACHE_TTL_MS);
    expect((await req('GET', '/api/v1/users', tok)).statusCode).toBe(403);
    await t.db.kysely.deleteFrom('memberships').where('user_id', '=', u.id).execute();
    t.clock.advance(TOKEN_CACHE_TTL_MS);
    expect((await req('GET', '/api/v1/auth/me', tok)).statusCode).toBe(401);
  });

  it('are bound to their workspace: another workspace in X-Switchboard-Workspace is 403', async () => {
    await seedWorkspace(t.db, t.clock, 'initech');
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { ...bearer(ws.tokens.owner), 'x-switchboard-workspace': 'initech' },
    });
    expect(r.statusCode).toBe(403);
    const same = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      headers: { ...bearer(ws.tokens.owner), 'x-switchboard-workspace': 'acme' },
    });
    expect(same.statusCode).toBe(200);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: bearer('sb_' + 'x'.repeat(43)) }))
        .statusCode,
    ).toBe(401);
    expect(
      (await t.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: { authorization: 'Basic abc' } }))
        .statusCode,
    ).toBe(401);
  });
});

describe('workspaces and users routes', () => {
  it('creates a workspace owned by the caller and lists mine', async () => {
    const created = await req('POST', '/api/v1/workspaces', ws.tokens.owner, { slug: 'new-ws', name: 'New' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'new-ws', role: 'owner' });
    expect(
      (await req('POST', '/api/v1/workspaces', ws.tokens.owner, { slug: 'new-ws', name: 'Again' })).json()
        .error.code,
    ).toBe('WORKSPACE_SLUG_TAKEN');
    expect(
      (await req('POST', '/api/v1/workspaces', ws.tokens.owner, { slug: 'Bad Slug', name: 'x' })).statusCode,
    ).toBe(400);
    const { cookie } = await loginAs(t.app, ws.users.owner.email);
    const mine = (
      await t.app.inject({ method: 'GET', url: '/api/v1/workspaces', headers: { cookie } })
    ).json().items;
    expect(mine.map((w: { slug: string }) => w.slug)).toEqual(['acme', 'new-ws']);
    // A token sees only its own workspace.
    expect(
      (await req('GET', '/api/v1/workspaces', ws.tokens.owner))
        .json()
        .items.map((w: { slug: string }) => w.slug),
    ).toEqual(['acme']);
  });

  it('creates users in the current workspace: email unique case-insensitively, password ≥ 12, role ≤ mine', async () => {
    const create = (body: object) => req('POST', '/api/v1/users', ws.tokens.admin, body);
    expect(
      (await create({ email: 'New.Person@acme.test', password: PASSWORD, role: 'editor' })).statusCode,
    ).toBe(201);
    expect(
      (await create({ email: 'new.person@ACME.test', password: PASSWORD, role: 'editor' })).json().error.code,
    ).toBe('EMAIL_TAKEN');
    expect(
      (await create({ email: 'p2@acme.test', password: 'elevenchars', role: 'editor' })).json().error.code,
    ).toBe('VALIDATION_FAILED');
    expect(
      (await create({ email: 'p3@acme.test', password: PASSWORD, role: 'owner' })).json().error.code,
    ).toBe('ROLE_TOO_HIGH');
    expect((await create({ email: 'not-an-email', password: PASSWORD, role: 'viewer' })).statusCode).toBe(
      400,
    );
    const list = (await req('GET', '/api/v1/users', ws.tokens.admin)).json().items;
    expect(list.find((u: { email: string }) => u.email === 'new.person@acme.test')).toMatchObject({
      role: 'editor',
    });
    await loginAs(t.app, 'NEW.PERSON@acme.test');
  });
});
