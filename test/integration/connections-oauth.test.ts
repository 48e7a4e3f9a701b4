/**
 * OAuth2 authorization code + PKCE against the HubSpot sandbox's real OAuth endpoints, over HTTP: the start endpoint's
 * redirect (S256 challenge, state), the callback's state checks (missing, unknown, used, expired, vendor error), the
 * code exchange with the verifier ending in sealed tokens and a working connection, a refresh on expiry, and a
 * refused refresh: the connection needs re-authorisation, its deliveries wait (not dropped) and resume after it.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startHubSpotSandbox,
  type HubSpotSandbox,
} from '../../src/server/connectors/hubspot/sandbox/index.js';
import { computeCodeChallenge } from '../../src/server/connectors/index.js';
import type { ConnectionsModule } from '../../src/server/modules/connections/index.js';
import {
  approveAndPublish,
  createConnection,
  createLedgerApp,
  createPost,
  waitFor,
  type LedgerApp,
} from './deliveries.fixture.js';

let app: LedgerApp;
let hubspot: HubSpotSandbox;

beforeAll(async () => {
  hubspot = await startHubSpotSandbox({ seed: false });
  app = await createLedgerApp();
}, 60_000);
afterAll(async () => {
  await app?.close();
  await hubspot?.close();
});

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');
const connections = () => app.t.sb.modules.find((m) => m.name === 'connections') as ConnectionsModule;

/** A HubSpot OAuth-app connection (client id and secret only: no tokens until it is authorised). */
async function createOAuthConnection(name: string): Promise<string> {
  const c = await createConnection(app, {
    vendor: 'hubspot',
    name,
    baseUrl: hubspot.url,
    sandbox: true,
    config: { blogId: hubspot.blogId },
    credentials: { clientId: hubspot.oauthApp.clientId, clientSecret: hubspot.oauthApp.clientSecret },
  });
  expect(c).toMatchObject({ hasCredentials: true, status: 'active' });
  return c.id;
}

/** start → the vendor's authorize page (the sandbox approves at once) → the callback URL it redirects to. */
async function authorizeAtVendor(connectionId: string): Promise<URL> {
  const start = await app.call('admin', 'GET', `/api/v1/connections/${connectionId}/oauth/start?format=json`);
  expect(start.statusCode, start.body).toBe(200);
  const res = await fetch(start.json().authorizeUrl as string, { redirect: 'manual' });
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location')!);
}

async function callback(url: URL | string) {
  const u = typeof url === 'string' ? new URL(url, app.t.config.publicUrl) : url;
  return app.t.app.inject({ method: 'GET', url: `${u.pathname}${u.search}` });
}

async function tokenRow(id: string) {
  const r = await sql<{
    tokens_cipher: string | null;
    credentials_cipher: string;
    token_expires_at: Date | null;
    status: string;
  }>`SELECT tokens_cipher, credentials_cipher, token_expires_at, status FROM connections WHERE id = ${id}`.execute(
    app.t.db.kysely,
  );
  return r.rows[0]!;
}

const tokenRequests = () => hubspot.log.entries().filter((e) => e.operation === 'oauth.token');

describe('OAuth authorization code + PKCE', () => {
  it('start redirects to the authorize page with an S256 challenge of the stored verifier and a state', async () => {
    const id = await createOAuthConnection('OAuth start');
    const res = await app.call('admin', 'GET', `/api/v1/connections/${id}/oauth/start`);
    expect(res.statusCode).toBe(302);
    const to = new URL(res.headers.location as string);
    // A sandbox connection's authorize page is the emulator's, never app.hubspot.com.
    expect(to.origin).toBe(new URL(hubspot.url).origin);
    expect(to.pathname).toBe('/oauth/authorize');
    const q = Object.fromEntries(to.searchParams);
    expect(q).toMatchObject({
      response_type: 'code',
      client_id: hubspot.oauthApp.clientId,
      redirect_uri: `${app.t.config.publicUrl}/api/v1/oauth/callback`,
      code_challenge_method: 'S256',
    });
    expect(q.scope!.split(' ')).toEqual(expect.arrayContaining(['content', 'files']));
    expect(q.state).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(q.code_challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // The state is stored hashed; the verifier sealed, and the challenge is its S256.
    const rows = await sql<{ state_hash: string; verifier_cipher: string; connection_id: string }>`
      SELECT state_hash, verifier_cipher, connection_id FROM connection_oauth_states
      WHERE connection_id = ${id}`.execute(app.t.db.kysely);
    expect(rows.rows).toHaveLength(1);
    const row = rows.rows[0]!;
    expect(row.state_hash).toBe(sha256hex(q.state!));
    expect(row.verifier_cipher).toMatch(/^v1:/);
    const verifier = connections().context.secrets.decrypt(row.verifier_cipher);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(computeCodeChallenge(verifier)).toBe(q.code_challenge);
    expect(row.verifier_cipher).not.toContain(verifier);

    // Only connection managers may start it; a connector without OAuth says so.
    expect((await app.call('editor', 'GET', `/api/v1/connections/${id}/oauth/start`)).statusCode).toBe(403);
    const marketo = await createConnection(app, {
      vendor: 'marketo',
      name: 'No OAuth here',
      config: { programFolderId: 1, emailTemplateId: 1 },
      credentials: { clientId: 'a', clientSecret: 'b' },
    });
    const refused = await app.call('admin', 'GET', `/api/v1/connections/${marketo.id}/oauth/start`);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('OAUTH_NOT_SUPPORTED');
  });

  it('the callback refuses a missing, unknown, expired or vendor-refused state with 400 OAUTH_STATE_INVALID', async () => {
    const id = await createOAuthConnection('OAuth bad states');
    const before = tokenRequests().length;

    const missing = await callback('/api/v1/oauth/callback?code=abc');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('OAUTH_STATE_INVALID');

    // A real code from the vendor, but a state we never issued: refused before any exchange.
    const real = await authorizeAtVendor(id);
    const forged = new URL(real);
    forged.searchParams.set('state', 'x'.repeat(32));
    const wrong = await callback(forged);
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'OAUTH_STATE_INVALID' });
    expect(wrong.json().error.message).toMatch(/unknown or already used/i);

    // Expired: the authorization took longer than the state lives.
    const late = await authorizeAtVendor(id);
    await sql`UPDATE connection_oauth_states SET expires_at = ${new Date(Date.now() - 1000)}
      WHERE state_hash = ${sha256hex(late.searchParams.get('state')!)}`.execute(app.t.db.kysely);
    const expired = await callback(late);
    expect(expired.statusCode).toBe(400);
    expect(expired.json().error.code).toBe('OAUTH_STATE_INVALID');
    expect(expired.json().error.message).toMatch(/too long/);

    // The user denied access at the vendor.
    const denied = await authorizeAtVendor(id);
    const deniedUrl = new URL(`${denied.origin}${denied.pathname}`);
    deniedUrl.searchParams.set('state', denied.searchParams.get('state')!);
    deniedUrl.searchParams.set('error', 'access_denied');
    const deniedRes = await callback(deniedUrl);
    expect(deniedRes.statusCode).toBe(400);
    expect(deniedRes.json().error.message).toContain('access_denied');

    // None of them reached the token endpoint or stored anything.
    expect(tokenRequests().length).toBe(before);
    expect((await tokenRow(id)).tokens_cipher).toBeNull();
    // The unused real code is still good: the flow itself works with the right state.
    expect((await callback(real)).statusCode).toBe(200);
  });

  it('a verifier that does not match the challenge is refused by the vendor: 400 OAUTH_EXCHANGE_FAILED', async () => {
    const id = await createOAuthConnection('OAuth wrong verifier');
    const cb = await authorizeAtVendor(id);
    const secrets = connections().context.secrets;
    await sql`UPDATE connection_oauth_states SET verifier_cipher = ${secrets.encrypt('y'.repeat(64))}
      WHERE state_hash = ${sha256hex(cb.searchParams.get('state')!)}`.execute(app.t.db.kysely);
    const res = await callback(cb);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('OAUTH_EXCHANGE_FAILED');
    expect((await tokenRow(id)).tokens_cipher).toBeNull();
  });

  it('round trip: the code is exchanged with the verifier, tokens are sealed, the connection works and refreshes', async () => {
    const id = await createOAuthConnection('OAuth round trip');
    const cb = await authorizeAtVendor(id);
    expect(`${cb.origin}${cb.pathname}`).toBe(`${app.t.config.publicUrl}/api/v1/oauth/callback`);
    const before = tokenRequests().length;
    const done = await callback(cb);
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json()).toMatchObject({ connectionId: id, status: 'active' });
    expect(tokenRequests().length).toBe(before + 1);

    // What the vendor issued, and what we stored: ciphertext that contains neither token.
    const issued = [...hubspot.store.tokens.entries()].filter(([, t]) => t.kind === 'oauth').map(([v]) => v);
    const refreshTokens = [...hubspot.store.refreshTokens.keys()];
    expect(issued.length).toBeGreaterThan(0);
    const row = await tokenRow(id);
    expect(row.tokens_cipher).toMatch(/^v1:/);
    for (const secret of [...issued, ...refreshTokens]) {
      expect(row.tokens_cipher).not.toContain(secret);
      expect(row.credentials_cipher).not.toContain(secret);
    }
    const sealed = JSON.parse(connections().context.secrets.decrypt(row.tokens_cipher!)) as {
      accessToken: string;
      refreshToken: string;
    };
    expect(issued).toContain(sealed.accessToken);
    expect(refreshTokens).toContain(sealed.refreshToken);
    expect(row.token_expires_at!.getTime()).toBeGreaterThan(Date.now() + 25 * 60_000);
    // Nothing in the API shows them either.
    const shown = await app.call('viewer', 'GET', `/api/v1/connections/${id}`);
    expect(shown.body).not.toContain(sealed.accessToken);
    expect(shown.body).not.toContain(sealed.refreshToken);

    // The state is single-use.
    const replayed = await callback(cb);
    expect(replayed.statusCode).toBe(400);
    expect(replayed.json().error.code).toBe('OAUTH_STATE_INVALID');

    // testConnection goes out with the OAuth access token.
    const tested = await app.call('publisher', 'POST', `/api/v1/connections/${id}/test`);
    expect(tested.json()).toMatchObject({ ok: true, account: String(hubspot.store.portalId) });
    const lastCall = hubspot.log
      .entries()
      .filter((e) => e.operation === 'account.details')
      .at(-1);
    expect(lastCall?.status).toBe(200);

    // The access token expires at the vendor before we expected: one refresh, then the call succeeds.
    hubspot.faults.inject({ kind: 'expire_tokens' });
    hubspot.faults.clear();
    const refreshed = await app.call('publisher', 'POST', `/api/v1/connections/${id}/test`);
    expect(refreshed.json(), refreshed.body).toMatchObject({ ok: true });
    expect(tokenRequests().length).toBe(before + 2);
    const after = await tokenRow(id);
    expect(after.tokens_cipher).not.toBe(row.tokens_cipher);
    const resealed = JSON.parse(connections().context.secrets.decrypt(after.tokens_cipher!)) as {
      accessToken: string;
      refreshToken: string;
    };
    expect(resealed.accessToken).not.toBe(sealed.accessToken);
    expect(resealed.refreshToken).toBe(sealed.refreshToken);
    expect(after.status).toBe('active');
  });

  it('a refused refresh marks the connection needs_reauth; its deliveries wait and resume after re-authorisation', async () => {
    const id = await createOAuthConnection('OAuth revoked');
    expect((await callback(await authorizeAtVendor(id))).statusCode).toBe(200);
    const { refreshToken } = JSON.parse(
      connections().context.secrets.decrypt((await tokenRow(id)).tokens_cipher!),
    ) as { refreshToken: string };
    // The app is uninstalled at the vendor: the refresh token is revoked and the access token expires.
    const revoked = await fetch(`${hubspot.url}/oauth/v1/refresh-tokens/${refreshToken}`, {
      method: 'DELETE',
    });
    expect(revoked.status).toBe(204);
    hubspot.faults.inject({ kind: 'expire_tokens' });
    hubspot.faults.clear();

    const post = await createPost(app);
    const put = await app.call('editor', 'PUT', `/api/v1/content/${post.id}/destinations`, {
      destinations: [{ connectionId: id, action: 'publishContent' }],
    });
    expect(put.statusCode, put.body).toBe(200);
    await approveAndPublish(app, post.id);

    const connection = await waitFor('the connection to need re-authorisation', async () => {
      const c = (await app.call('viewer', 'GET', `/api/v1/connections/${id}`)).json();
      return c.status === 'needs_reauth' ? c : undefined;
    });
    expect(connection.statusReason).toMatch(/refresh/i);
    const deliveriesOf = async () =>
      (await app.call('viewer', 'GET', `/api/v1/deliveries?contentId=${post.id}`)).json().items as {
        id: string;
        status: string;
        pausedReason: string | null;
        externalId: string | null;
      }[];
    const parked = await waitFor('the delivery to be parked', async () => {
      const [d] = await deliveriesOf();
      return d?.pausedReason === 'needs_reauth' ? d : undefined;
    });
    expect(parked.status).toBe('pending');
    // Parked, not retried into a dead letter: it stays pending while nobody re-authorises.
    await new Promise((r) => setTimeout(r, 1500));
    const [still] = await deliveriesOf();
    expect(still).toMatchObject({ id: parked.id, status: 'pending', pausedReason: 'needs_reauth' });
    expect(hubspot.store.posts.size).toBe(0);
    const failedRefreshes = tokenRequests().filter((e) => e.status === 400);
    expect(failedRefreshes.length).toBeGreaterThanOrEqual(1);

    // Re-authorising (a new code exchange) makes the connection active and the parked delivery goes out.
    const again = await callback(await authorizeAtVendor(id));
    expect(again.json()).toMatchObject({ status: 'active' });
    const done = await waitFor('the resumed delivery', async () => {
      const [d] = await deliveriesOf();
      return d?.status === 'succeeded' ? d : undefined;
    });
    expect(hubspot.store.posts.size).toBe(1);
    expect([...hubspot.store.posts.values()][0]!.id).toBe(done.externalId);
    expect(hubspot.violations()).toBe(0);
  }, 60_000);
});
