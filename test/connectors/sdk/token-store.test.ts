import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TestClock } from '../../../src/server/platform/clock.js';
import { silentLogger } from '../../../src/server/platform/logger.js';
import {
  createConnectorHttp,
  createTokenStore,
  isConnectorError,
  refreshAccessToken,
} from '../../../src/server/connectors/index.js';
import type { StoredToken, TokenPersistence } from '../../../src/server/connectors/index.js';
import { sendJson, startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.resetStats();
});

function memoryPersistence(initial: StoredToken | null = null) {
  const saved: StoredToken[] = [];
  const reauth: string[] = [];
  const p: TokenPersistence = {
    load: () => Promise.resolve(saved.at(-1) ?? initial),
    save: (t) => {
      saved.push(t);
      return Promise.resolve();
    },
    markNeedsReauth: (r) => {
      reauth.push(r);
      return Promise.resolve();
    },
  };
  return { p, saved, reauth };
}

/** A token endpoint that issues `at-N`/`rt-N` for a valid refresh token, with a small delay so callers pile up. */
function serveTokens(): void {
  let n = 0;
  server.handle((req, res) => {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'refresh_token' || !form.get('refresh_token')?.startsWith('rt-')) {
      return sendJson(res, 400, { error: 'invalid_grant' });
    }
    n += 1;
    const issued = n;
    setTimeout(
      () =>
        sendJson(res, 200, {
          access_token: `at-${issued}`,
          refresh_token: `rt-${issued + 1}`,
          expires_in: 3600,
        }),
      30,
    );
  });
}

function oauthStore(clock: TestClock, initial: StoredToken | null) {
  const mem = memoryPersistence(initial);
  const http = createConnectorHttp({ baseUrl: server.url, vendor: 'test', clock, logger: silentLogger() });
  const store = createTokenStore({
    authKind: 'oauth2_pkce',
    credentials: { clientId: 'cid', clientSecret: 'cs' },
    persistence: mem.p,
    clock,
    fetchToken: ({ refreshToken }) =>
      refreshAccessToken({
        http,
        tokenUrl: `${server.url}/oauth/token`,
        clientId: 'cid',
        clientSecret: 'cs',
        refreshToken: refreshToken ?? '',
        nowMs: () => clock.nowMs(),
      }),
  });
  return { store, ...mem };
}

describe('token store', () => {
  it('50 concurrent callers share exactly one refresh', async () => {
    serveTokens();
    const clock = new TestClock();
    const { store, saved } = oauthStore(clock, {
      accessToken: 'old',
      refreshToken: 'rt-1',
      expiresAt: new Date(clock.nowMs() - 1000),
    });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => store.getAccessToken()));
    expect(server.requests).toHaveLength(1);
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(['at-1']));
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-2' });
    const form = new URLSearchParams(server.requests[0]!.body);
    expect(form.get('refresh_token')).toBe('rt-1');
    expect(form.get('client_id')).toBe('cid');
  });

  it('refreshes 60 s before expiry, not earlier', async () => {
    serveTokens();
    const clock = new TestClock();
    const { store } = oauthStore(clock, {
      accessToken: 'at-0',
      refreshToken: 'rt-1',
      expiresAt: new Date(clock.nowMs() + 3_600_000),
    });
    expect((await store.getAccessToken()).accessToken).toBe('at-0');
    clock.advance(3_600_000 - 61_000);
    expect((await store.getAccessToken()).accessToken).toBe('at-0');
    expect(server.requests).toHaveLength(0);
    clock.advance(2_000);
    expect((await store.getAccessToken()).accessToken).toBe('at-1');
    expect(server.requests).toHaveLength(1);
  });

  it('a refused refresh marks needs_reauth and throws auth_expired, once', async () => {
    serveTokens();
    const clock = new TestClock();
    const { store, reauth } = oauthStore(clock, {
      accessToken: 'x',
      refreshToken: 'revoked',
      expiresAt: new Date(0),
    });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => store.getAccessToken()));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      const reason = (r as PromiseRejectedResult).reason as unknown;
      expect(isConnectorError(reason) && reason.kind).toBe('auth_expired');
    }
    expect(reauth).toHaveLength(1);
    await expect(store.getAccessToken()).rejects.toMatchObject({ kind: 'auth_expired' });
    expect(server.requests).toHaveLength(1);
  });

  it('a transient refresh failure keeps a not-yet-expired token and never marks needs_reauth', async () => {
    server.handle((_r, res) => sendJson(res, 503, {}));
    const clock = new TestClock();
    const { store, reauth } = oauthStore(clock, {
      accessToken: 'at-0',
      refreshToken: 'rt-1',
      expiresAt: new Date(clock.nowMs() + 30_000),
    });
    expect((await store.getAccessToken()).accessToken).toBe('at-0');
    clock.advance(31_000);
    await expect(store.getAccessToken()).rejects.toMatchObject({ kind: 'retryable' });
    expect(reauth).toHaveLength(0);
  });

  it('an invalidated token is refreshed even though it has not expired', async () => {
    serveTokens();
    const clock = new TestClock();
    const { store } = oauthStore(clock, {
      accessToken: 'at-0',
      refreshToken: 'rt-1',
      expiresAt: new Date(clock.nowMs() + 3_600_000),
    });
    await store.getAccessToken();
    store.invalidate('at-0');
    expect((await store.getAccessToken()).accessToken).toBe('at-1');
  });

  it('api_key: the credential is the token; once rejected the connection needs re-authorisation', async () => {
    const { p, reauth } = memoryPersistence();
    const store = createTokenStore({
      authKind: 'api_key',
      credentials: { accessToken: 'pat-abc-123' },
      persistence: p,
      clock: new TestClock(),
    });
    expect(await store.getAccessToken()).toEqual({ accessToken: 'pat-abc-123', expiresAt: null });
    expect(store.credentials()).toEqual({ accessToken: 'pat-abc-123' });
    store.invalidate('pat-abc-123');
    await expect(store.getAccessToken()).rejects.toMatchObject({ kind: 'auth_expired' });
    expect(reauth).toHaveLength(1);
  });

  it('oauth2_pkce without any refresh token needs re-authorisation', async () => {
    const { p, reauth } = memoryPersistence();
    const store = createTokenStore({
      authKind: 'oauth2_pkce',
      credentials: {},
      persistence: p,
      clock: new TestClock(),
      fetchToken: () => Promise.reject(new Error('must not be called')),
    });
    await expect(store.getAccessToken()).rejects.toMatchObject({ kind: 'auth_expired' });
    expect(reauth).toHaveLength(1);
  });
});
