/**
 * Scheduled transitions with a TestClock and `worker.drain()`: publish_at / archive_at run at their time, a moved
 * or rescheduled item's stale job does nothing, and batch approvals are all or nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/server/platform/events/index.js';
import { createContentTestApp, ifMatch, VALID_POST, type ContentTestApp } from './content.fixture.js';

let c: ContentTestApp;
beforeAll(async () => {
  c = await createContentTestApp('sched');
});
afterAll(() => c?.close());

let n = 0;
async function approvedItem(): Promise<{ id: string; version: number }> {
  const svc = c.module.content;
  const created = await svc.create(c.actor('editor'), { ...VALID_POST, slug: `s-${++n}` });
  const sub = await svc.transition(c.actor('editor'), created.item.id, {
    action: 'submit',
    expectedVersion: 1,
  });
  const app = await svc.transition(c.actor('reviewer'), created.item.id, {
    action: 'approve',
    expectedVersion: sub.item.version,
  });
  return { id: created.item.id, version: app.item.version };
}

async function inReview(author: 'editor' | 'admin' = 'editor'): Promise<{ id: string; version: number }> {
  const svc = c.module.content;
  const created = await svc.create(c.actor(author), { ...VALID_POST, slug: `r-${++n}` });
  const sub = await svc.transition(c.actor(author), created.item.id, {
    action: 'submit',
    expectedVersion: 1,
  });
  return { id: created.item.id, version: sub.item.version };
}

const stateOf = async (id: string) => (await c.call('viewer', 'GET', `/api/v1/content/${id}`)).json();
const inMinutes = (m: number) => new Date(c.clock.now().getTime() + m * 60_000).toISOString();
const schedule = (id: string, version: number, body: Record<string, unknown>) =>
  c.call('publisher', 'PATCH', `/api/v1/content/${id}`, { body, headers: ifMatch(version) });

describe('scheduled transitions', () => {
  it('publishes at publish_at and archives at archive_at, as the system, not before', async () => {
    const item = await approvedItem();
    const res = await schedule(item.id, item.version, {
      publishAt: inMinutes(60),
      archiveAt: inMinutes(120),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ state: 'approved', newVersion: false });

    expect(await c.worker.drain()).toBe(0);
    c.clock.advance(59 * 60_000);
    expect(await c.worker.drain()).toBe(0);
    c.clock.advance(60_000);
    expect(await c.worker.drain()).toBe(1);
    const published = await stateOf(item.id);
    expect(published).toMatchObject({ state: 'published', publishAt: null });
    expect(published.archiveAt).not.toBeNull();

    c.clock.advance(60 * 60_000);
    expect(await c.worker.drain()).toBe(1);
    expect(await stateOf(item.id)).toMatchObject({ state: 'archived', archiveAt: null });
    const history = (await c.call('viewer', 'GET', `/api/v1/content/${item.id}/history`)).json();
    expect(history.transitions.slice(-2)).toMatchObject([
      { action: 'publish', actorKind: 'system', actorUserId: null },
      { action: 'archive', actorKind: 'system' },
    ]);
  });

  it('is cancelled when the content moves before then', async () => {
    const item = await approvedItem();
    const res = await schedule(item.id, item.version, { publishAt: inMinutes(30) });
    const moved = await c.call('publisher', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'archive' },
      headers: ifMatch(res.json().version),
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json().item.publishAt).toBeNull();
    c.clock.advance(30 * 60_000);
    expect(await c.worker.drain()).toBe(1);
    expect((await stateOf(item.id)).state).toBe('archived');
    const events = await listEvents(c.t.db.kysely, {
      workspaceId: c.ws.workspaceId,
      subject: `content:${item.id}`,
      after: 0,
      limit: 100,
    });
    expect(events.map((e) => e.type)).toContain('content.schedule_cancelled');
  });

  it('a rescheduled publish runs at the new time only', async () => {
    const item = await approvedItem();
    const first = await schedule(item.id, item.version, { publishAt: inMinutes(10) });
    await schedule(item.id, first.json().version, { publishAt: inMinutes(40) });
    c.clock.advance(10 * 60_000);
    expect(await c.worker.drain()).toBe(1);
    expect((await stateOf(item.id)).state).toBe('approved');
    c.clock.advance(30 * 60_000);
    expect(await c.worker.drain()).toBe(1);
    expect((await stateOf(item.id)).state).toBe('published');
  });
});

describe('batch approvals', () => {
  const batch = (
    role: 'admin' | 'reviewer' | 'publisher',
    items: { id: string; version: number }[],
    publish: boolean,
  ) =>
    c.call(role, 'POST', '/api/v1/content/batch-transitions', {
      body: { items: items.map((i) => ({ id: i.id, expectedVersion: i.version })), publish },
    });

  it('approves and publishes every item in one go', async () => {
    const items = [await inReview(), await inReview(), await inReview()];
    const res = await batch('admin', items, true);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().items).toHaveLength(3);
    for (const i of items) expect((await stateOf(i.id)).state).toBe('published');
  });

  it('is all or nothing: one failing guard leaves every item untouched and reports the failure', async () => {
    // The admin wrote the last one: four-eyes refuses the admin's approval of it.
    const items = [await inReview(), await inReview(), await inReview('admin')];
    const stale = { ...items[1]!, version: items[1]!.version - 1 };
    const eventsBefore = (
      await listEvents(c.t.db.kysely, { workspaceId: c.ws.workspaceId, after: 0, limit: 100_000 })
    ).length;
    const res = await batch('admin', [items[0]!, stale, items[2]!], true);
    expect(res.statusCode).toBe(422);
    const { code, details } = res.json().error;
    expect(code).toBe('BATCH_TRANSITION_FAILED');
    const failures = details.failures as { id: string; code: string; failed: { guard: string }[] }[];
    expect(failures.map((f) => [f.id, f.code]).sort()).toEqual(
      [
        [items[1]!.id, 'CONTENT_VERSION_CONFLICT'],
        [items[2]!.id, 'TRANSITION_FORBIDDEN'],
      ].sort(),
    );
    expect(failures.find((f) => f.id === items[2]!.id)!.failed.map((f) => f.guard)).toContain('not_author');
    for (const i of items) expect(await stateOf(i.id)).toMatchObject({ state: 'review', version: i.version });
    const history = (await c.call('viewer', 'GET', `/api/v1/content/${items[0]!.id}/history`)).json();
    expect(history.approvals).toHaveLength(0);
    const eventsAfter = (
      await listEvents(c.t.db.kysely, { workspaceId: c.ws.workspaceId, after: 0, limit: 100_000 })
    ).length;
    expect(eventsAfter).toBe(eventsBefore);
  });

  it('reports a publish guard failure per item (a reviewer may approve but not publish)', async () => {
    const items = [await inReview(), await inReview()];
    const res = await batch('reviewer', items, true);
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.failures).toHaveLength(2);
    for (const i of items) expect((await stateOf(i.id)).state).toBe('review');
    const ok = await batch('reviewer', items, false);
    expect(ok.statusCode, ok.body).toBe(200);
    for (const i of items) expect((await stateOf(i.id)).state).toBe('approved');
  });
});
