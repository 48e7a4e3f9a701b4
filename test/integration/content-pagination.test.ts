/**
 * Cursor pagination of `GET /api/v1/content/:id/versions` and `…/history` (`?after=<nextCursor>&limit=`, default
 * 50, max 200): walking the pages yields exactly the full list in order, with ties on the timestamp included; the
 * service without a page (CLI, other callers) still returns everything.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/server/platform/http/index.js';
import { createContentTestApp, VALID_POST, type ContentTestApp } from './content.fixture.js';

let c: ContentTestApp;
beforeAll(async () => {
  c = await createContentTestApp('paging');
});
afterAll(() => c?.close());

let n = 0;

/** An item with `edits` extra versions (version 1 + edits). */
async function itemWithVersions(edits: number): Promise<string> {
  const svc = c.module.content;
  const created = await svc.create(c.actor('editor'), { ...VALID_POST, slug: `page-${++n}` });
  let version = created.item.version;
  for (let i = 0; i < edits; i++) {
    const r = await svc.edit(c.actor('editor'), created.item.id, {
      expectedVersion: version,
      body: `${VALID_POST.body} Edit ${i}.`,
    });
    version = r.item.version;
  }
  return created.item.id;
}

/**
 * An item that went through `rounds` of edit → back to review → approve, after a first submit + approve: many
 * transitions and approvals. The clock moves only every other round, so timestamps tie and tie-breaks are exercised.
 */
async function itemWithHistory(rounds: number): Promise<string> {
  const svc = c.module.content;
  const created = await svc.create(c.actor('editor'), { ...VALID_POST, slug: `page-${++n}` });
  const id = created.item.id;
  let v = (await svc.transition(c.actor('editor'), id, { action: 'submit', expectedVersion: 1 })).item
    .version;
  v = (await svc.transition(c.actor('reviewer'), id, { action: 'approve', expectedVersion: v })).item.version;
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) c.clock.advance(1000);
    const edited = await svc.edit(c.actor('editor'), id, {
      expectedVersion: v,
      body: `${VALID_POST.body} R${i}`,
    });
    expect(edited.returnedToReview).not.toBeNull();
    v = edited.item.version;
    v = (await svc.transition(c.actor('reviewer'), id, { action: 'approve', expectedVersion: v })).item
      .version;
  }
  return id;
}

type HistoryBody = {
  transitions: { action: string; version: number; at: string }[];
  approvals: { userId: string; contentHash: string; at: string }[];
  nextCursor: string | null;
};

async function walk<T>(url: string, limit: number, take: (body: T) => { size: number; next: string | null }) {
  const pages: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = url.includes('?') ? '&' : '?';
    const res = await c.call(
      'viewer',
      'GET',
      `${url}${sep}limit=${limit}${cursor ? `&after=${encodeURIComponent(cursor)}` : ''}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as T;
    const { size, next } = take(body);
    expect(size).toBeLessThanOrEqual(limit);
    pages.push(body);
    cursor = next;
    expect(pages.length).toBeLessThan(100);
  } while (cursor !== null);
  return pages;
}

describe('GET /api/v1/content/:id/versions', () => {
  it('pages newest first; walking every page gives every version exactly once', async () => {
    const id = await itemWithVersions(11);
    const pages = await walk<{ items: { version: number }[]; nextCursor: string | null }>(
      `/api/v1/content/${id}/versions`,
      5,
      (b) => ({ size: b.items.length, next: b.nextCursor }),
    );
    expect(pages.map((p) => p.items.length)).toEqual([5, 5, 2]);
    const versions = pages.flatMap((p) => p.items.map((v) => v.version));
    expect(versions).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    // The service without a page (old callers) still returns all of them.
    expect((await c.module.content.listVersions(c.actor('viewer'), id)).map((v) => v.version)).toEqual(
      versions,
    );
  });

  it('an exact multiple of the limit ends with nextCursor null, not an empty page', async () => {
    const id = await itemWithVersions(3);
    const pages = await walk<{ items: unknown[]; nextCursor: string | null }>(
      `/api/v1/content/${id}/versions`,
      2,
      (b) => ({ size: b.items.length, next: b.nextCursor }),
    );
    expect(pages.map((p) => p.items.length)).toEqual([2, 2]);
  });

  it('defaults to 50 and accepts the platform `cursor` parameter too', async () => {
    const id = await itemWithVersions(54);
    const first = (await c.call('viewer', 'GET', `/api/v1/content/${id}/versions`)).json();
    expect(first.items).toHaveLength(50);
    expect(first.items[0].version).toBe(55);
    const second = (
      await c.call('viewer', 'GET', `/api/v1/content/${id}/versions?cursor=${first.nextCursor}`)
    ).json();
    expect(second.items.map((v: { version: number }) => v.version)).toEqual([5, 4, 3, 2, 1]);
    expect(second.nextCursor).toBeNull();
  });
});

describe('GET /api/v1/content/:id/history', () => {
  it('pages both lists oldest first; appending every page gives the full history in order', async () => {
    const id = await itemWithHistory(6);
    const full = (
      await c.call('viewer', 'GET', `/api/v1/content/${id}/history?limit=200`)
    ).json() as HistoryBody;
    // submit + approve, then per round: back to review + approve.
    expect(full.transitions).toHaveLength(2 + 6 * 2);
    expect(full.approvals).toHaveLength(1 + 6);
    expect(full.nextCursor).toBeNull();

    for (const limit of [1, 3, 5]) {
      const pages = await walk<HistoryBody>(`/api/v1/content/${id}/history`, limit, (b) => ({
        size: Math.max(b.transitions.length, b.approvals.length),
        next: b.nextCursor,
      }));
      expect(pages.flatMap((p) => p.transitions)).toEqual(full.transitions);
      expect(pages.flatMap((p) => p.approvals)).toEqual(full.approvals);
      expect(pages).toHaveLength(Math.ceil(full.transitions.length / limit));
    }
    // Timestamps did tie, so the order relied on the tie-breaks.
    const ats = full.transitions.map((t) => t.at);
    expect(new Set(ats).size).toBeLessThan(ats.length);
    expect(full.transitions.map((t) => t.version)).toEqual(
      [...full.transitions.map((t) => t.version)].sort((a, b) => a - b),
    );
  });

  it('the default page is 50 per list; the service without a page returns everything', async () => {
    const id = await itemWithHistory(25);
    const first = (await c.call('viewer', 'GET', `/api/v1/content/${id}/history`)).json() as HistoryBody;
    expect(first.transitions).toHaveLength(50);
    expect(first.approvals).toHaveLength(26);
    expect(first.nextCursor).not.toBeNull();
    const second = (
      await c.call('viewer', 'GET', `/api/v1/content/${id}/history?after=${first.nextCursor}`)
    ).json() as HistoryBody;
    expect(second.transitions).toHaveLength(2);
    expect(second.approvals).toEqual([]);
    expect(second.nextCursor).toBeNull();

    const all = await c.module.content.history(c.actor('viewer'), id);
    expect(all.transitions).toHaveLength(52);
    expect(all.approvals).toHaveLength(26);
    expect(all.next).toBeNull();
  });
});

describe('OpenAPI', () => {
  it('documents after and limit on both lists, and nextCursor on history', async () => {
    const doc = (await c.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    for (const path of ['/api/v1/content/{id}/versions', '/api/v1/content/{id}/history']) {
      const params = doc.paths[path].get.parameters.map((p: { name: string }) => p.name);
      expect(params, path).toEqual(expect.arrayContaining(['after', 'limit']));
    }
    expect(JSON.stringify(doc.paths['/api/v1/content/{id}/history'].get.responses['200'])).toContain(
      'nextCursor',
    );
  });
});

describe('bad input', () => {
  it('limit outside 1–200 and malformed cursors are 400s with a code, never 500s', async () => {
    const id = await itemWithVersions(1);
    const bad = [
      `/api/v1/content/${id}/versions?limit=201`,
      `/api/v1/content/${id}/versions?limit=0`,
      `/api/v1/content/${id}/history?limit=201`,
      `/api/v1/content/${id}/versions?after=garbage`,
      `/api/v1/content/${id}/history?after=garbage`,
      `/api/v1/content/${id}/versions?after=${encodeCursor({ v: 'x' })}`,
      `/api/v1/content/${id}/history?after=${encodeCursor({ t: { at: 'yesterday', v: 1, id: 'x' }, a: null })}`,
      `/api/v1/content/${id}/history?after=${encodeCursor({ t: null, a: { at: new Date().toISOString(), id: 'not-a-uuid' } })}`,
    ];
    for (const url of bad) {
      const res = await c.call('viewer', 'GET', url);
      expect(res.statusCode, url).toBe(400);
      expect(res.json().error.code, url).toMatch(/^[A-Z_]+$/);
    }
    expect((await c.call('viewer', 'GET', `/api/v1/content/${id}/versions?limit=200`)).statusCode).toBe(200);
  });
});
