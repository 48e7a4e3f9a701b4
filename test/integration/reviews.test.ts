/**
 * Comments (threads, anchors, @mentions), review requests (completed by the reviewer's decision through an event
 * consumer) and external reviewer links (view, decide once, expiry with a TestClock, revocation, reuse, bad
 * secret, stale version), each with its event and audit entry. End to end over HTTP with the content module.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../../src/server/platform/clock.js';
import type { Actor } from '../../src/server/platform/auth/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, type Worker } from '../../src/server/platform/queue/index.js';
import { createContentModule, type ContentModule } from '../../src/server/modules/content/index.js';
import type { ModuleDeps } from '../../src/server/modules/module.js';
import type { Switchboard } from '../../src/server/main.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

const clock = new TestClock(Date.now() + 3_600_000);
let t: TestApp;
let ws: SeededWorkspace;
let content: ContentModule;
let worker: Worker;

function moduleDeps(sb: Switchboard): ModuleDeps {
  return {
    config: sb.config,
    db: sb.db,
    clock: sb.clock,
    logger: sb.logger,
    metrics: sb.metrics,
    events: sb.events,
    audit: sb.audit,
  };
}

beforeAll(async () => {
  t = await createTestApp({
    clock,
    before: (sb) => {
      const deps = moduleDeps(sb);
      content = createContentModule(deps);
      worker = createWorker({
        db: sb.db,
        catalog: sb.jobs,
        clock,
        logger: silentLogger(),
        random: () => 0,
      });
    },
  });
  ws = await seedWorkspace(t.db, clock, 'acme');
});
afterAll(() => t?.close());

const actorOf = (role: keyof SeededWorkspace['users']): Actor => ({
  kind: 'user',
  userId: ws.users[role].id,
  tokenId: null,
  workspaceId: ws.workspaceId,
  role,
  origin: 'api',
});

let slugN = 0;
async function createPost(body = 'Hello world, this is the body.') {
  const d = await content.content.create(actorOf('editor'), {
    type: 'blog_post',
    title: 'Launch post',
    slug: `launch-${++slugN}`,
    body,
  });
  return d;
}

async function submit(id: string) {
  const { item } = await content.content.get(actorOf('editor'), id);
  await content.content.transition(actorOf('editor'), id, {
    action: 'submit',
    expectedVersion: item.version,
  });
}

const as = (role: keyof SeededWorkspace['tokens']) => ({ authorization: `Bearer ${ws.tokens[role]}` });

/** Runs the event consumers and the jobs they enqueue until neither has anything left. */
async function drain() {
  for (;;) {
    const handled = await t.sb.events.runner.drain();
    let ran = 0;
    while ((await worker.runOnce()) > 0) ran++;
    if (handled === 0 && ran === 0) return;
  }
}

async function auditActions(subject: string): Promise<string[]> {
  const rows = await t.db.kysely
    .selectFrom('audit_log')
    .select('action')
    .where('workspace_id', '=', ws.workspaceId)
    .where('subject', '=', subject)
    .orderBy('seq')
    .execute();
  return rows.map((r) => r.action);
}

describe('comments', () => {
  it('threads, anchors and @mentions, with an event and an audit entry', async () => {
    const { item, current } = await createPost();
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${item.id}/comments`,
      headers: as('editor'),
      payload: {
        body: 'Is "Hello" right, @reviewer@acme.test and @publisher?',
        anchor: { start: 0, end: 5 },
      },
    });
    expect(res.statusCode, res.body).toBe(201);
    const comment = res.json();
    expect(comment).toMatchObject({
      versionId: current.id,
      parentId: null,
      authorUserId: ws.users.editor.id,
      anchor: { start: 0, end: 5, quote: 'Hello' },
    });
    expect(new Set(comment.mentions)).toEqual(new Set([ws.users.reviewer.id, ws.users.publisher.id]));

    // Same-instant comments page by id; a later reply keeps this test's order meaningful.
    clock.advance(1000);
    const reply = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${item.id}/comments`,
      headers: as('reviewer'),
      payload: { body: 'Yes.', parentId: comment.id },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    expect(reply.json()).toMatchObject({ parentId: comment.id, versionId: current.id });

    const page1 = await t.app.inject({
      url: `/api/v1/content/${item.id}/comments?limit=1`,
      headers: as('viewer'),
    });
    expect(page1.json().items.map((c: { id: string }) => c.id)).toEqual([comment.id]);
    const page2 = await t.app.inject({
      url: `/api/v1/content/${item.id}/comments?limit=1&cursor=${page1.json().nextCursor}`,
      headers: as('viewer'),
    });
    expect(page2.json().items.map((c: { id: string }) => c.id)).toEqual([reply.json().id]);

    const events = await t.db.kysely
      .selectFrom('events')
      .select(['type', 'payload'])
      .where('workspace_id', '=', ws.workspaceId)
      .where('type', '=', 'comment.created')
      .where('subject', '=', `content:${item.id}`)
      .execute();
    expect(events).toHaveLength(2);
    expect(await auditActions(`comment:${comment.id}`)).toEqual(['comments.create']);
  });

  it('refuses an anchor outside the body, a stranger mentioned by id, and a viewer commenting', async () => {
    const { item } = await createPost('short');
    const bad = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${item.id}/comments`,
      headers: as('editor'),
      payload: { body: 'x', anchor: { start: 2, end: 50 } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().error.code).toBe('COMMENT_ANCHOR_INVALID');
    const stranger = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${item.id}/comments`,
      headers: as('editor'),
      payload: { body: 'x', mentionUserIds: ['00000000-0000-4000-8000-000000000009'] },
    });
    expect(stranger.json().error.code).toBe('MENTION_NOT_MEMBER');
    const viewer = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${item.id}/comments`,
      headers: as('viewer'),
      payload: { body: 'x' },
    });
    expect(viewer.statusCode).toBe(403);
  });
});

describe('review requests', () => {
  it('assigns reviewers once, lists them, and completes on the reviewer’s decision', async () => {
    const { item } = await createPost();
    const ask = () =>
      t.app.inject({
        method: 'POST',
        url: `/api/v1/content/${item.id}/review-requests`,
        headers: as('editor'),
        payload: { reviewerUserIds: [ws.users.reviewer.id, ws.users.admin.id], message: 'please' },
      });
    const first = await ask();
    expect(first.statusCode, first.body).toBe(201);
    expect(first.json().created).toHaveLength(2);
    const again = await ask();
    expect(again.json()).toMatchObject({
      created: [],
      alreadyOpen: [ws.users.reviewer.id, ws.users.admin.id],
    });

    const mine = await t.app.inject({ url: '/api/v1/review-requests', headers: as('reviewer') });
    expect(mine.json().items.map((r: { contentId: string }) => r.contentId)).toContain(item.id);

    await submit(item.id);
    const { item: inReview } = await content.content.get(actorOf('reviewer'), item.id);
    await content.content.transition(actorOf('reviewer'), item.id, {
      action: 'approve',
      expectedVersion: inReview.version,
    });
    await drain();
    const list = await t.app.inject({
      url: `/api/v1/content/${item.id}/review-requests`,
      headers: as('viewer'),
    });
    const byReviewer = Object.fromEntries(
      list.json().items.map((r: { reviewerUserId: string; status: string }) => [r.reviewerUserId, r.status]),
    );
    expect(byReviewer).toEqual({ [ws.users.reviewer.id]: 'completed', [ws.users.admin.id]: 'pending' });

    const adminRequest = list
      .json()
      .items.find((r: { reviewerUserId: string }) => r.reviewerUserId === ws.users.admin.id);
    const cancel = await t.app.inject({
      method: 'POST',
      url: `/api/v1/review-requests/${adminRequest.id}/cancel`,
      headers: as('editor'),
    });
    expect(cancel.json().status).toBe('cancelled');
    const twice = await t.app.inject({
      method: 'POST',
      url: `/api/v1/review-requests/${adminRequest.id}/cancel`,
      headers: as('editor'),
    });
    expect(twice.json().error.code).toBe('REVIEW_REQUEST_CLOSED');
    expect(await auditActions(`review_request:${adminRequest.id}`)).toEqual([
      'review_requests.create',
      'review_requests.cancel',
    ]);
  });
});

describe('external reviewer links', () => {
  async function makeLink(contentId: string, body: Record<string, unknown> = {}) {
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${contentId}/reviewer-links`,
      headers: as('reviewer'),
      payload: { reviewerName: 'Outside Olga', reviewerEmail: 'olga@partner.test', ...body },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; token: string; url: string; status: string };
  }
  const view = (token: string) => t.app.inject({ url: `/api/v1/review-links/${token}` });
  const decide = (token: string, payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `/api/v1/review-links/${token}/decision`, payload });

  it('shows the version, approves once on the creator’s behalf, and refuses reuse; every use is audited', async () => {
    const { item, current } = await createPost();
    await submit(item.id);
    const link = await makeLink(item.id);
    expect(link).toMatchObject({ status: 'active' });
    expect(link.url).toContain(`/review/${link.token}`);

    const shown = await view(link.token);
    expect(shown.statusCode, shown.body).toBe(200);
    expect(shown.headers['cache-control']).toBe('no-store');
    expect(shown.json()).toMatchObject({
      linkId: link.id,
      isCurrent: true,
      content: { id: item.id, state: 'review' },
      version: { id: current.id, body: current.body },
    });

    const ok = await decide(link.token, { decision: 'approve', comment: 'Looks great' });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json()).toEqual({ linkId: link.id, decision: 'approve', completed: true, state: 'approved' });
    const again = await decide(link.token, { decision: 'approve' });
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('LINK_ALREADY_USED');
    expect((await view(link.token)).json().error.code).toBe('LINK_ALREADY_USED');

    // Refused attempts are on record too (the reuse and the later view).
    expect(await auditActions(`reviewer_link:${link.id}`)).toEqual([
      'reviewer_links.create',
      'reviewer_links.view',
      'reviewer_links.use',
      'reviewer_links.refused',
      'reviewer_links.refused',
    ]);
    const use = await t.db.kysely
      .selectFrom('audit_log')
      .select(['after', 'ip'])
      .where('subject', '=', `reviewer_link:${link.id}`)
      .where('action', '=', 'reviewer_links.use')
      .executeTakeFirstOrThrow();
    expect(use.after).toMatchObject({
      linkId: link.id,
      decision: 'approve',
      onBehalfOf: ws.users.reviewer.id,
    });
    // The transition itself is audited as the creator's, and the external comment is kept on the version.
    expect(await auditActions(`content:${item.id}`)).toContain('content.transition.approve');
    const comments = await t.app.inject({
      url: `/api/v1/content/${item.id}/comments`,
      headers: as('viewer'),
    });
    expect(comments.json().items).toEqual([
      expect.objectContaining({ reviewerLinkId: link.id, authorUserId: null, body: 'Looks great' }),
    ]);
  });

  it('rejects with a required comment', async () => {
    const { item } = await createPost();
    await submit(item.id);
    const link = await makeLink(item.id);
    const noReason = await decide(link.token, { decision: 'reject' });
    expect(noReason.statusCode).toBe(400);
    const res = await decide(link.token, {
      decision: 'reject',
      comment: 'Wrong price in the second paragraph',
    });
    expect(res.json()).toMatchObject({ decision: 'reject', state: 'draft', completed: true });
  });

  it('expires (410 LINK_EXPIRED) by the clock', async () => {
    const { item } = await createPost();
    await submit(item.id);
    const link = await makeLink(item.id, { expiresInHours: 1 });
    expect((await view(link.token)).statusCode).toBe(200);
    clock.advance(60 * 60_000);
    const res = await decide(link.token, { decision: 'approve' });
    expect(res.statusCode).toBe(410);
    expect(res.json().error.code).toBe('LINK_EXPIRED');
    const listed = await t.app.inject({
      url: `/api/v1/content/${item.id}/reviewer-links`,
      headers: as('admin'),
    });
    expect(listed.json().items[0]).toMatchObject({ id: link.id, status: 'expired' });
  });

  it('revoked → 410 LINK_REVOKED; wrong secret → 403; malformed or unknown → 404', async () => {
    const { item } = await createPost();
    await submit(item.id);
    const link = await makeLink(item.id);
    const forged = `${link.id}.${'A'.repeat(43)}`;
    expect((await view(forged)).statusCode).toBe(403);
    expect((await view(forged)).json().error.code).toBe('LINK_SIGNATURE_INVALID');
    expect((await view('not-a-link')).statusCode).toBe(404);
    expect((await view(`00000000-0000-4000-8000-000000000001.${'x'.repeat(10)}`)).statusCode).toBe(404);

    const revoked = await t.app.inject({
      method: 'POST',
      url: `/api/v1/reviewer-links/${link.id}/revoke`,
      headers: as('admin'),
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    const res = await decide(link.token, { decision: 'approve' });
    expect(res.statusCode).toBe(410);
    expect(res.json().error.code).toBe('LINK_REVOKED');
    expect(await auditActions(`reviewer_link:${link.id}`)).toEqual([
      'reviewer_links.create',
      'reviewer_links.refused', // forged secret, twice
      'reviewer_links.refused',
      'reviewer_links.revoke',
      'reviewer_links.refused', // used after revocation
    ]);
    const refusals = await t.db.kysely
      .selectFrom('audit_log')
      .select('after')
      .where('subject', '=', `reviewer_link:${link.id}`)
      .where('action', '=', 'reviewer_links.refused')
      .orderBy('seq')
      .execute();
    expect(refusals.map((r) => (r.after as { code: string }).code)).toEqual([
      'LINK_SIGNATURE_INVALID',
      'LINK_SIGNATURE_INVALID',
      'LINK_REVOKED',
    ]);
    // Editors may not create links (the decision is an approval on the creator's behalf).
    const editor = await t.app.inject({
      method: 'POST',
      url: `/api/v1/content/${item.id}/reviewer-links`,
      headers: as('editor'),
      payload: { reviewerName: 'x' },
    });
    expect(editor.statusCode).toBe(403);
  });

  it('refuses a decision on a version that is no longer current (409 LINK_VERSION_STALE), leaving the link unused', async () => {
    const { item } = await createPost();
    await submit(item.id);
    const link = await makeLink(item.id);
    const { item: now } = await content.content.get(actorOf('editor'), item.id);
    await content.content.edit(actorOf('editor'), item.id, {
      body: 'A different body now.',
      expectedVersion: now.version,
    });
    const res = await decide(link.token, { decision: 'approve' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('LINK_VERSION_STALE');
    expect((await view(link.token)).json()).toMatchObject({ isCurrent: false });
  });
});

describe('OpenAPI', () => {
  it('documents the review routes, public link endpoints included', async () => {
    const doc = (await t.app.inject({ url: '/api/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    for (const path of [
      '/api/v1/content/{id}/comments',
      '/api/v1/content/{id}/review-requests',
      '/api/v1/review-requests/{id}/cancel',
      '/api/v1/content/{id}/reviewer-links',
      '/api/v1/reviewer-links/{id}/revoke',
      '/api/v1/review-links/{token}',
      '/api/v1/review-links/{token}/decision',
    ]) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
  });
});
