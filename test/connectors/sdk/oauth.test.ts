import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildAuthorizeUrl,
  createOAuthState,
  createPkcePair,
  exchangeAuthorizationCode,
  resolveOAuthUrl,
} from '../../../src/server/connectors/index.js';
import { sendJson, startLocalServer } from './local-server.js';
import type { LocalServer } from './local-server.js';

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer();
});
afterAll(() => server.close());

const manifest = {
  id: 'demo',
  defaultBaseUrl: 'https://api.demo.example',
  oauth: {
    authorizeUrl: 'https://app.demo.example/oauth/authorize',
    tokenUrl: 'https://api.demo.example/oauth/v1/token',
    scopes: ['content', 'files'],
  },
};

describe('PKCE and the authorize URL', () => {
  it('creates a verifier whose S256 challenge matches, and distinct pairs each time', () => {
    const a = createPkcePair();
    const b = createPkcePair();
    expect(a.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
    expect(a.codeChallenge).toBe(createHash('sha256').update(a.codeVerifier).digest('base64url'));
    expect(a.codeVerifier).not.toBe(b.codeVerifier);
    expect(createOAuthState()).not.toBe(createOAuthState());
  });

  it('builds the authorize URL with every required parameter', () => {
    const url = new URL(
      buildAuthorizeUrl(manifest, {
        clientId: 'cid',
        redirectUri: 'http://localhost/cb',
        state: 's1',
        codeChallenge: 'ch',
      }),
    );
    expect(url.origin + url.pathname).toBe('https://app.demo.example/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'cid',
      redirect_uri: 'http://localhost/cb',
      state: 's1',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
      scope: 'content files',
    });
  });

  it('refuses a connector without OAuth', () => {
    expect(() =>
      buildAuthorizeUrl({ id: 'x' }, { clientId: 'c', redirectUri: 'r', state: 's', codeChallenge: 'c' }),
    ).toThrow(/does not support OAuth/);
  });

  it('rebases vendor OAuth URLs onto a sandbox base URL', () => {
    expect(resolveOAuthUrl(manifest, 'http://127.0.0.1:5000', manifest.oauth.tokenUrl)).toBe(
      'http://127.0.0.1:5000/oauth/v1/token',
    );
    expect(resolveOAuthUrl(manifest, manifest.defaultBaseUrl, manifest.oauth.tokenUrl)).toBe(
      manifest.oauth.tokenUrl,
    );
    expect(resolveOAuthUrl(manifest, 'http://127.0.0.1:5000', manifest.oauth.authorizeUrl)).toBe(
      manifest.oauth.authorizeUrl,
    );
    expect(resolveOAuthUrl(manifest, 'http://127.0.0.1:5000', manifest.oauth.authorizeUrl, true)).toBe(
      'http://127.0.0.1:5000/oauth/authorize',
    );
  });
});

describe('token endpoint', () => {
  it('exchanges a code with a form-encoded POST and parses the tokens', async () => {
    server.handle((req, res) => {
      const form = new URLSearchParams(req.body);
      if (
        req.headers['content-type'] !== 'application/x-www-form-urlencoded' ||
        form.get('code') !== 'good'
      ) {
        return sendJson(res, 400, { error: 'invalid_grant' });
      }
      sendJson(res, 200, { access_token: 'at', refresh_token: 'rt', expires_in: 1800, scope: 'content' });
    });
    const tokens = await exchangeAuthorizationCode({
      tokenUrl: `${server.url}/oauth/v1/token`,
      clientId: 'cid',
      clientSecret: 'secret',
      code: 'good',
      redirectUri: 'http://localhost/cb',
      codeVerifier: 'verifier',
      nowMs: () => 1_000_000,
    });
    expect(tokens).toEqual({
      accessToken: 'at',
      refreshToken: 'rt',
      expiresAt: new Date(1_000_000 + 1_800_000),
      scope: 'content',
    });
    const form = Object.fromEntries(new URLSearchParams(server.requests.at(-1)!.body));
    expect(form).toEqual({
      grant_type: 'authorization_code',
      code: 'good',
      redirect_uri: 'http://localhost/cb',
      code_verifier: 'verifier',
      client_id: 'cid',
      client_secret: 'secret',
    });
    await expect(
      exchangeAuthorizationCode({
        tokenUrl: `${server.url}/oauth/v1/token`,
        clientId: 'cid',
        code: 'bad',
        redirectUri: 'r',
        codeVerifier: 'v',
      }),
    ).rejects.toMatchObject({ kind: 'invalid_request', httpStatus: 400 });
  });
});
