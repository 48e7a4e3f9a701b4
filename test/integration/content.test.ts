/**
 * Content over HTTP: create, edit with If-Match (two concurrent editors), versions and diffs, strong ETags, the
 * default workflow end to end, re-approval after an edit of approved content, rollback, and workflow definitions.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/server/platform/events/index.js';
import { verifyAuditChain } from '../../src/server/platform/audit/index.js';
import { createContentTestApp, ifMatch, VALID_POST, type ContentTestApp } from './content.fixture.js';

let c: ContentTestApp;
beforeAll(async () => {
  c = await createContentTestApp();
});
afterAll(() => c?.close());

let slugN = 0;
async function newPost(extra: Record<string, unknown> = {}) {
  const res = await c.call('editor', 'POST', '/api/v1/content', {
    body: { ...VALID_POST, slug: `post-${++slugN}`, ...extra },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { id: string; version: number; state: string };
}

async function act(
  role: Parameters<ContentTestApp['call']>[0],
  id: string,
  action: string,
  version: number,
  reason?: string,
) {
  return c.call(role, 'POST', `/api/v1/content/${id}/transitions`, {
    body: { action, expectedVersion: version, ...(reason ? { reason } : {}) },
  });
}

describe('content items and versions', () => {
  it('creates version 1 in the initial state with a content hash, and emits content.created', async () => {
    const p = await newPost({ tags: ['launch'] });
    const got = await c.call('viewer', 'GET', `/api/v1/content/${p.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      state: 'draft',
      version: 1,
      tags: ['launch'],
      workflow: { key: 'default', version: 1 },
      current: { version: 1, title: VALID_POST.title },
    });
    expect(got.json().current.contentHash).toMatch(/^sha256:[0-9a-f]{64}$/);
    const events = await listEvents(c.t.db.kysely, {
      workspaceId: c.ws.workspaceId,
      subject: `content:${p.id}`,
      after: 0,
      limit: 1000,
    });
    expect(events.map((e) => e.type)).toContain('content.created');
  });

  it('strong ETag "<version>.<digest>" and If-None-Match → 304; If-Match accepts that ETag', async () => {
    const p = await newPost();
    const first = await c.call('viewer', 'GET', `/api/v1/content/${p.id}`);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"1\.[A-Za-z0-9_-]+"$/);
    const again = await c.call('viewer', 'GET', `/api/v1/content/${p.id}`, {
      headers: { 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    const edit = await c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, {
      body: { body: 'New text.' },
      headers: { 'if-match': etag },
    });
    expect(edit.statusCode, edit.body).toBe(200);
    const after = await c.call('viewer', 'GET', `/api/v1/content/${p.id}`, {
      headers: { 'if-none-match': etag },
    });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).toMatch(/^"2\./);
  });

  it('two concurrent editors: exactly one wins, the other gets 409 CONTENT_VERSION_CONFLICT and changes nothing', async () => {
    const p = await newPost();
    const [a, b] = await Promise.all([
      c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, {
        body: { body: 'Editor A text.' },
        headers: ifMatch(1),
      }),
      c.call('reviewer', 'PATCH', `/api/v1/content/${p.id}`, {
        body: { body: 'Editor B text.' },
        headers: ifMatch(1),
      }),
    ]);
    const codes = [a.statusCode, b.statusCode].sort();
    expect(codes).toEqual([200, 409]);
    const loser = a.statusCode === 409 ? a : b;
    const winner = a.statusCode === 200 ? a : b;
    expect(loser.json().error).toMatchObject({
      code: 'CONTENT_VERSION_CONFLICT',
      details: { expectedVersion: 1, currentVersion: 2 },
    });
    const versions = await c.call('viewer', 'GET', `/api/v1/content/${p.id}/versions`);
    expect(versions.json().items.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const got = await c.call('viewer', 'GET', `/api/v1/content/${p.id}`);
    expect(got.json().current.body).toBe(winner.json().current.body);
    expect(got.json().version).toBe(2);
  });

  it('a write without a version is refused with 428 CONTENT_VERSION_REQUIRED', async () => {
    const p = await newPost();
    const res = await c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, { body: { body: 'x' } });
    expect(res.statusCode).toBe(428);
    expect(res.json().error.code).toBe('CONTENT_VERSION_REQUIRED');
  });

  it('diffs two versions with the diff library and restores an old version as a new one', async () => {
    const p = await newPost({ fields: { summary: 'one' } });
    await c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, {
      body: { body: 'Changed text.\nSecond line.', fields: { summary: 'two' } },
      headers: ifMatch(1),
    });
    const diff = (await c.call('viewer', 'GET', `/api/v1/content/${p.id}/diff?from=1&to=2`)).json();
    expect(diff.body).toMatchObject({ changed: true, added: 2, removed: 1 });
    expect(diff.body.patch).toContain('+Changed text.');
    expect(diff.fields.patch).toContain('-  "summary": "one"');
    expect(diff.title.changed).toBe(false);
    const restored = await c.call('editor', 'POST', `/api/v1/content/${p.id}/versions/1/restore`, {
      headers: ifMatch(2),
    });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json().current).toMatchObject({ version: 3, body: VALID_POST.body, restoredFrom: 1 });
    const v1 = (await c.call('viewer', 'GET', `/api/v1/content/${p.id}/versions/1`)).json();
    expect(restored.json().current.contentHash).toBe(v1.contentHash);
  });
});

describe('edits that change nothing', () => {
  it('keep the version, so a repeated request never conflicts', async () => {
    const p = await newPost({ tags: ['a'] });
    const same = await c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, {
      body: { body: VALID_POST.body, tags: ['a'] },
      headers: ifMatch(1),
    });
    expect(same.json()).toMatchObject({ version: 1, newVersion: false });
    const tagged = await c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, {
      body: { tags: ['a', 'b'] },
      headers: ifMatch(1),
    });
    expect(tagged.json()).toMatchObject({ version: 2, newVersion: false, tags: ['a', 'b'] });
  });
});

describe('default workflow over HTTP', () => {
  it('submit → approve (four-eyes) → publish, with history carrying actor, reason, version and hash', async () => {
    const p = await newPost();
    const submitted = await act('editor', p.id, 'submit', 1);
    expect(submitted.statusCode, submitted.body).toBe(200);
    expect(submitted.json().item).toMatchObject({ state: 'review', version: 2 });

    const viewer = await act('viewer', p.id, 'approve', 2);
    expect(viewer.statusCode).toBe(403);
    const approved = await act('reviewer', p.id, 'approve', 2);
    expect(approved.json()).toMatchObject({
      completed: true,
      approvalRecorded: true,
      item: { state: 'approved' },
    });
    const reviewerPublish = await act('reviewer', p.id, 'publish', 3);
    expect(reviewerPublish.statusCode).toBe(403);
    expect(reviewerPublish.json().error.code).toBe('TRANSITION_FORBIDDEN');
    const published = await act('publisher', p.id, 'publish', 3);
    expect(published.json().item).toMatchObject({ state: 'published', version: 4 });

    const history = (await c.call('viewer', 'GET', `/api/v1/content/${p.id}/history`)).json();
    expect(history.transitions.map((t: { action: string }) => t.action)).toEqual([
      'submit',
      'approve',
      'publish',
    ]);
    expect(history.transitions[1]).toMatchObject({
      from: 'review',
      to: 'approved',
      actorUserId: c.ws.users.reviewer.id,
    });
    expect(history.approvals).toHaveLength(1);
  });

  it('content the catalog marked not publishable cannot be published (422 with the reason)', async () => {
    const p = await newPost();
    await act('editor', p.id, 'submit', 1);
    await act('reviewer', p.id, 'approve', 2);
    await sql`UPDATE content_items SET not_publishable_reason = 'product discontinued' WHERE id = ${p.id}`.execute(
      c.t.db.kysely,
    );
    const res = await act('publisher', p.id, 'publish', 3);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.failed[0].message).toContain('product discontinued');
  });

  it('the author cannot approve their own content (not_author → 403 with the failed guard)', async () => {
    const res = await c.call('reviewer', 'POST', '/api/v1/content', {
      body: { ...VALID_POST, slug: 'own-post' },
    });
    const id = res.json().id;
    await act('reviewer', id, 'submit', 1);
    const own = await act('reviewer', id, 'approve', 2);
    expect(own.statusCode).toBe(403);
    expect(own.json().error.details.failed.map((f: { guard: string }) => f.guard)).toContain('not_author');
  });

  it('reject requires a reason (422 TRANSITION_INVALID) and an unknown action is TRANSITION_NOT_AVAILABLE', async () => {
    const p = await newPost();
    await act('editor', p.id, 'submit', 1);
    const noReason = await act('reviewer', p.id, 'reject', 2);
    expect(noReason.statusCode).toBe(422);
    expect(noReason.json().error.code).toBe('TRANSITION_INVALID');
    const publishFromReview = await act('publisher', p.id, 'publish', 2);
    expect(publishFromReview.json().error.code).toBe('TRANSITION_NOT_AVAILABLE');
  });

  it('editing approved content returns it to review with the reason recorded; diff-since-approval shows the change', async () => {
    const p = await newPost();
    await act('editor', p.id, 'submit', 1);
    await act('reviewer', p.id, 'approve', 2);
    const edit = await c.call('editor', 'PATCH', `/api/v1/content/${p.id}`, {
      body: { body: 'Approved text, then edited.' },
      headers: ifMatch(3),
    });
    expect(edit.statusCode, edit.body).toBe(200);
    expect(edit.json()).toMatchObject({
      state: 'review',
      returnedToReview: { from: 'approved', to: 'review' },
    });
    expect(edit.json().returnedToReview.reason).toMatch(/pinned to the content hash/);
    const diff = (await c.call('viewer', 'GET', `/api/v1/content/${p.id}/diff-since-approval`)).json();
    expect(diff).toMatchObject({ from: 1, to: 2, approvedBy: c.ws.users.reviewer.id });
    expect(diff.body.patch).toContain('+Approved text, then edited.');

    // The old approval no longer counts: publishing needs a new one; a different reviewer gives it.
    const version = edit.json().version;
    expect((await act('publisher', p.id, 'publish', version)).json().error.code).toBe(
      'TRANSITION_NOT_AVAILABLE',
    );
    const again = await act('admin', p.id, 'approve', version);
    expect(again.json()).toMatchObject({ completed: true, item: { state: 'approved' } });
    const history = (await c.call('viewer', 'GET', `/api/v1/content/${p.id}/history`)).json();
    const editMove = history.transitions.find((t: { action: string }) => t.action === 'edit');
    expect(editMove).toMatchObject({ from: 'approved', to: 'review', actorUserId: c.ws.users.editor.id });
  });

  it('rollback to a state in the history; an invalid target is 422 ROLLBACK_TARGET_INVALID; from published it requests unpublish', async () => {
    const p = await newPost();
    await act('editor', p.id, 'submit', 1);
    await act('reviewer', p.id, 'approve', 2);
    await act('publisher', p.id, 'publish', 3);
    const invalid = await c.call('publisher', 'POST', `/api/v1/content/${p.id}/rollback`, {
      body: { target: 'archived', reason: 'oops' },
      headers: ifMatch(4),
    });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json().error.code).toBe('ROLLBACK_TARGET_INVALID');
    const editor = await c.call('editor', 'POST', `/api/v1/content/${p.id}/rollback`, {
      body: { target: 'draft', reason: 'pricing was wrong' },
      headers: ifMatch(4),
    });
    expect(editor.statusCode).toBe(403);
    const ok = await c.call('publisher', 'POST', `/api/v1/content/${p.id}/rollback`, {
      body: { target: 'draft', reason: 'pricing was wrong' },
      headers: ifMatch(4),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toMatchObject({ state: 'draft', version: 5 });
    const types = (
      await listEvents(c.t.db.kysely, {
        workspaceId: c.ws.workspaceId,
        subject: `content:${p.id}`,
        after: 0,
        limit: 1000,
      })
    ).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['content.rolled_back', 'content.unpublish_requested']));
    const audit = await verifyAuditChain(c.t.db.kysely, c.ws.workspaceId);
    expect(audit.ok).toBe(true);
  });
});

describe('OpenAPI', () => {
  it('documents every content and workflow route', async () => {
    const res = await c.t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const paths = Object.keys(res.json().paths);
    for (const p of [
      '/api/v1/content',
      '/api/v1/content/{id}',
      '/api/v1/content/{id}/transitions',
      '/api/v1/content/{id}/diff-since-approval',
      '/api/v1/content/batch-transitions',
      '/api/v1/workflows',
    ])
      expect(paths).toContain(p);
  });
});
