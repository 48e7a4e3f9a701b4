/**
 * The HubSpot sandbox behaves like HubSpot: auth, scopes, rate limits with real headers, error bodies, objects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../../src/server/platform/clock.js';
import type { HubSpotSandbox } from '../../../src/server/connectors/hubspot/sandbox/index.js';
import { startHubSpotSandbox } from '../../../src/server/connectors/hubspot/sandbox/index.js';

describe('HubSpot sandbox', () => {
  let sb: HubSpotSandbox;
  const clock = new TestClock('2026-03-01T12:00:00.000Z');
  beforeAll(async () => {
    sb = await startHubSpotSandbox({ clock, rateLimit: { requests: 5, windowMs: 10_000, daily: 1000 } });
  });
  afterAll(async () => sb.close());

  const call = (path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> => {
    const { token, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token ?? sb.privateAppToken}`);
    if (typeof rest.body === 'string') headers.set('content-type', 'application/json');
    return fetch(`${sb.url}${path}`, { ...rest, headers });
  };
  const nextWindow = (): void => clock.advance(10_001);

  it('rejects missing and unknown tokens with INVALID_AUTHENTICATION', async () => {
    for (const token of [null, 'pat-na1-nope']) {
      const res = await call('/account-info/v3/details', { token });
      expect(res.status).toBe(401);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
      expect(typeof body['correlationId']).toBe('string');
    }
  });

  it('sends the rate-limit headers and answers 429 TEN_SECONDLY_ROLLING beyond the window, counting violations', async () => {
    nextWindow();
    const first = await call('/account-info/v3/details');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('5');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('4');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(first.headers.get('x-hubspot-ratelimit-daily')).toBe('1000');
    for (let i = 0; i < 4; i += 1) expect((await call('/account-info/v3/details')).status).toBe(200);
    const before = sb.violations();
    const limited = await call('/account-info/v3/details');
    expect(limited.status).toBe(429);
    expect(await limited.json()).toMatchObject({
      errorType: 'RATE_LIMIT',
      policyName: 'TEN_SECONDLY_ROLLING',
    });
    expect(sb.violations()).toBe(before + 1);
    nextWindow();
    expect((await call('/account-info/v3/details')).status).toBe(200);
  });

  it('creates, lists with after paging, publishes and archives blog posts', async () => {
    nextWindow();
    const ids: string[] = [];
    for (const n of [1, 2, 3]) {
      const res = await call('/cms/v3/blogs/posts', {
        method: 'POST',
        body: JSON.stringify({
          name: `Post ${n}`,
          slug: `post-${n}`,
          contentGroupId: sb.blogId,
          postBody: '<p>x</p>',
        }),
      });
      expect(res.status).toBe(201);
      const post = (await res.json()) as { id: string; state: string; currentlyPublished: boolean };
      expect(post).toMatchObject({ state: 'DRAFT', currentlyPublished: false });
      ids.push(post.id);
    }
    nextWindow();
    const page1 = (await (await call('/cms/v3/blogs/posts?limit=2')).json()) as {
      total: number;
      results: { id: string }[];
      paging?: { next: { after: string } };
    };
    expect(page1.total).toBe(3);
    expect(page1.results).toHaveLength(2);
    const after = page1.paging?.next.after ?? '';
    const page2 = (await (await call(`/cms/v3/blogs/posts?limit=2&after=${after}`)).json()) as typeof page1;
    expect(page2.results.map((r) => r.id)).toEqual([ids[2]]);
    expect(page2.paging).toBeUndefined();

    const pushed = await call(`/cms/v3/blogs/posts/${ids[0]}/draft/push-live`, { method: 'POST' });
    expect(pushed.status).toBe(204);
    nextWindow();
    const live = (await (await call(`/cms/v3/blogs/posts/${ids[0]}`)).json()) as Record<string, unknown>;
    expect(live).toMatchObject({ state: 'PUBLISHED', currentlyPublished: true });
    expect(String(live['url'])).toMatch(/\/blog\/post-1$/);

    const bySlug = (await (await call('/cms/v3/blogs/posts?slug__eq=post-2')).json()) as typeof page1;
    expect(bySlug.results.map((r) => r.id)).toEqual([ids[1]]);

    expect((await call(`/cms/v3/blogs/posts/${ids[0]}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await call(`/cms/v3/blogs/posts/${ids[0]}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
  });

  it('validates posts with VALIDATION_ERROR bodies', async () => {
    nextWindow();
    const noBlog = await call('/cms/v3/blogs/posts', { method: 'POST', body: JSON.stringify({ name: 'x' }) });
    expect(noBlog.status).toBe(400);
    expect(await noBlog.json()).toMatchObject({
      category: 'VALIDATION_ERROR',
      errors: [{ in: 'contentGroupId' }],
    });
    const badTag = await call('/cms/v3/blogs/posts', {
      method: 'POST',
      body: JSON.stringify({ name: 'x', contentGroupId: sb.blogId, tagIds: [42] }),
    });
    expect(badTag.status).toBe(400);
    const badJson = await call('/cms/v3/blogs/posts', { method: 'POST', body: '{"name":' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ category: 'VALIDATION_ERROR' });
  });

  it('schedules a post that goes live when the clock reaches its publish date', async () => {
    nextWindow();
    const post = (await (
      await call('/cms/v3/blogs/posts', {
        method: 'POST',
        body: JSON.stringify({ name: 'Later', slug: 'later', contentGroupId: sb.blogId }),
      })
    ).json()) as { id: string };
    const at = new Date(clock.nowMs() + 60_000).toISOString();
    const res = await call('/cms/v3/blogs/posts/schedule', {
      method: 'POST',
      body: JSON.stringify({ id: post.id, publishDate: at }),
    });
    expect(res.status).toBe(204);
    expect(await (await call(`/cms/v3/blogs/posts/${post.id}`)).json()).toMatchObject({ state: 'SCHEDULED' });
    clock.advance(61_000);
    expect(await (await call(`/cms/v3/blogs/posts/${post.id}`)).json()).toMatchObject({ state: 'PUBLISHED' });
  });

  it('uploads files as multipart, returns existing duplicates on request and serves the bytes', async () => {
    nextWindow();
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    const upload = (strategy: string): Promise<Response> => {
      const form = new FormData();
      form.set('file', new Blob([bytes], { type: 'image/png' }), 'hero.png');
      form.set('fileName', 'hero.png');
      form.set('folderPath', '/switchboard');
      form.set(
        'options',
        JSON.stringify({ access: 'PUBLIC_NOT_INDEXABLE', duplicateValidationStrategy: strategy }),
      );
      return call('/files/v3/files', { method: 'POST', body: form });
    };
    const first = await upload('RETURN_EXISTING');
    expect(first.status).toBe(201);
    const file = (await first.json()) as { id: string; url: string; type: string; size: number };
    expect(file).toMatchObject({ type: 'IMG', size: 7 });
    const again = await upload('RETURN_EXISTING');
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(file.id);
    const served = await fetch(file.url);
    expect(new Uint8Array(await served.arrayBuffer())).toEqual(bytes);
    const search = (await (await call('/files/v3/files/search?name=hero')).json()) as {
      results: { id: string }[];
    };
    expect(search.results.map((r) => r.id)).toEqual([file.id]);

    const noAccess = new FormData();
    noAccess.set('file', new Blob([bytes]), 'x.png');
    noAccess.set('folderPath', '/x');
    noAccess.set('options', '{}');
    expect((await call('/files/v3/files', { method: 'POST', body: noAccess })).status).toBe(400);
  });

  it('searches lists and pages memberships', async () => {
    nextWindow();
    const search = (await (
      await call('/crm/v3/lists/search', { method: 'POST', body: JSON.stringify({ query: 'newsletter' }) })
    ).json()) as { lists: { listId: string; size: number }[]; hasMore: boolean; total: number };
    expect(search.total).toBe(1);
    const list = search.lists[0];
    expect(list?.size).toBe(105);
    let after: string | undefined;
    let seen = 0;
    do {
      nextWindow();
      const res = (await (
        await call(`/crm/v3/lists/${list?.listId}/memberships?limit=50${after ? `&after=${after}` : ''}`)
      ).json()) as { results: { recordId: string }[]; paging?: { next: { after: string } } };
      seen += res.results.length;
      after = res.paging?.next.after;
    } while (after);
    expect(seen).toBe(105);
  });

  it('issues OAuth tokens, refreshes them, and reports expiry with EXPIRED_AUTHENTICATION', async () => {
    nextWindow();
    const { accessToken, refreshToken } = sb.issueOAuthTokens();
    expect((await call('/account-info/v3/details', { token: accessToken })).status).toBe(200);
    sb.faults.inject({ kind: 'expire_tokens' });
    const expired = await call('/account-info/v3/details', { token: accessToken });
    expect(expired.status).toBe(401);
    expect(await expired.json()).toMatchObject({ category: 'EXPIRED_AUTHENTICATION' });
    // Private-app tokens are revoked until faults are cleared.
    expect((await call('/account-info/v3/details')).status).toBe(401);
    const refreshed = await fetch(`${sb.url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: sb.oauthApp.clientId,
        client_secret: sb.oauthApp.clientSecret,
        refresh_token: refreshToken,
      }).toString(),
    });
    expect(refreshed.status).toBe(200);
    const tokens = (await refreshed.json()) as {
      access_token: string;
      expires_in: number;
      token_type: string;
    };
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 1800 });
    expect((await call('/account-info/v3/details', { token: tokens.access_token })).status).toBe(200);
    const bad = await fetch(`${sb.url}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&client_id=${sb.oauthApp.clientId}&client_secret=${sb.oauthApp.clientSecret}&refresh_token=nope`,
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ status: 'BAD_REFRESH_TOKEN' });
    sb.faults.clear();
    expect((await call('/account-info/v3/details')).status).toBe(200);
  });

  it('enforces scopes with MISSING_SCOPES', async () => {
    nextWindow();
    const token = sb.issuePrivateAppToken(['content']);
    const res = await call('/crm/v3/lists/search', { method: 'POST', body: '{}', token });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ category: 'MISSING_SCOPES' });
  });

  it('answers injected rate-limit faults with policyName and headers, DAILY included', async () => {
    nextWindow();
    sb.faults.inject({ kind: 'rate_limit', policyName: 'DAILY', times: 1, operation: 'account.details' });
    const res = await call('/account-info/v3/details');
    expect(res.status).toBe(429);
    expect(res.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    expect(await res.json()).toMatchObject({ policyName: 'DAILY', errorType: 'RATE_LIMIT' });
  });
});
