/**
 * Catalog test fixture: the full app (createTestApp) with the catalog module registered on it, a seeded workspace
 * (one token per role), a worker that runs only the catalog's jobs, and HTTP helpers.
 */
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { TestClock } from '../../src/server/platform/clock.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, type Worker } from '../../src/server/platform/queue/index.js';
import { createCatalogModule, type CatalogModule } from '../../src/server/modules/catalog/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

export interface CatalogTestApp {
  t: TestApp;
  catalog: CatalogModule;
  worker: Worker;
  ws: SeededWorkspace;
  clock: TestClock;
  /** Calls the API as `role` (default editor). */
  call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    opts?: { body?: unknown; role?: keyof SeededWorkspace['tokens']; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createCatalogTestApp(
  opts: { propagationBatchSize?: number } = {},
): Promise<CatalogTestApp> {
  // Ahead of the database clock, so jobs enqueued "now" (run_at = now()) are due for the worker at once.
  const clock = new TestClock(new Date(Date.now() + 3_600_000));
  let catalog: CatalogModule | undefined;
  const t = await createTestApp({
    clock,
    // The app's own (wired) catalog module serves HTTP; this instance, with the test's batch size, backs the
    // worker and direct service calls. Both share the database, so jobs enqueued by either run here.
    before: (sb) => {
      catalog = createCatalogModule(sb, opts);
    },
  });
  const ws = await seedWorkspace(t.db, clock, 'shop');
  const worker = createWorker({
    db: t.db,
    catalog: catalog!.jobs,
    clock,
    logger: silentLogger(),
    concurrency: 4,
  });
  return {
    t,
    catalog: catalog!,
    worker,
    ws,
    clock,
    call: (method, url, o = {}) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ws.tokens[o.role ?? 'editor']}`, ...o.headers },
        ...(o.body !== undefined ? { payload: o.body as Record<string, unknown> } : {}),
      }),
    close: () => t.close(),
  };
}

export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

/** A content item linked to catalog targets, written directly (the content module's API is not needed here). */
export async function insertLinkedContent(
  c: CatalogTestApp,
  slug: string,
  links: { kind: 'product' | 'bundle'; targetId: string }[],
): Promise<string> {
  const now = c.clock.now();
  const r = await sql<{ id: string }>`
    INSERT INTO content_items (workspace_id, type, title, slug, owner_id, state, created_at, updated_at)
    VALUES (${c.ws.workspaceId}, 'blog_post', ${slug}, ${slug}, ${c.ws.users.editor.id}, 'draft', ${now}, ${now})
    RETURNING id`.execute(c.t.db.kysely);
  const id = r.rows[0]!.id;
  for (const l of links) {
    await sql`INSERT INTO content_links (content_id, kind, target_id) VALUES (${id}, ${l.kind}, ${l.targetId})`.execute(
      c.t.db.kysely,
    );
  }
  return id;
}

export async function readContentFlags(
  c: CatalogTestApp,
  id: string,
): Promise<{ sourceChangedAt: Date | null; notPublishableReason: string | null }> {
  const r = await sql<{ source_changed_at: Date | null; not_publishable_reason: string | null }>`
    SELECT source_changed_at, not_publishable_reason FROM content_items WHERE id = ${id}`.execute(
    c.t.db.kysely,
  );
  const row = r.rows[0]!;
  return {
    sourceChangedAt: row.source_changed_at ? new Date(row.source_changed_at) : null,
    notPublishableReason: row.not_publishable_reason,
  };
}
