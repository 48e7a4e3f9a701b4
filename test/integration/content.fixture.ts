/**
 * Content test fixture: the full app with the content module registered (as main.ts will), a workspace with one
 * user and token per role, a worker running the module's jobs, and small HTTP helpers.
 */
import type { LightMyRequestResponse } from 'fastify';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../../src/server/platform/db/index.js';
import { TestClock } from '../../src/server/platform/clock.js';
import type { Actor } from '../../src/server/platform/auth/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createWorker, type Worker } from '../../src/server/platform/queue/index.js';
import type { ContentModule } from '../../src/server/modules/content/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

export interface ContentTestApp {
  t: TestApp;
  ws: SeededWorkspace;
  module: ContentModule;
  worker: Worker;
  clock: TestClock;
  /** Service-level actor per role. */
  actor(role: WorkspaceRole): Actor;
  call(
    role: WorkspaceRole,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    opts?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createContentTestApp(slug = 'content'): Promise<ContentTestApp> {
  const clock = new TestClock('2026-03-01T09:00:00.000Z');
  const t = await createTestApp({ clock });
  // The composition root wires the content module; tests use that same instance.
  const module = t.sb.modules.find((m) => m.name === 'content') as ContentModule | undefined;
  if (!module) throw new Error('the content module is not wired into the app (src/server/modules.ts)');
  const ws = await seedWorkspace(t.db, clock, slug);
  const worker = createWorker({
    db: t.db,
    catalog: module.jobs!,
    clock,
    logger: silentLogger(),
    concurrency: 1,
  });
  const actors = Object.fromEntries(
    WORKSPACE_ROLES.map((role): [WorkspaceRole, Actor] => [
      role,
      {
        kind: 'user',
        userId: ws.users[role].id,
        tokenId: null,
        workspaceId: ws.workspaceId,
        role,
        origin: 'api',
      },
    ]),
  ) as Record<WorkspaceRole, Actor>;
  return {
    t,
    ws,
    module,
    worker,
    clock,
    actor: (role) => actors[role],
    call: (role, method, url, opts = {}) =>
      t.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${ws.tokens[role]}`, ...opts.headers },
        ...(opts.body !== undefined ? { payload: opts.body as object } : {}),
      }),
    close: () => t.close(),
  };
}

/** A blog post body that passes the default validation rules. */
export const VALID_POST = {
  type: 'blog_post' as const,
  title: 'Spring launch',
  body: 'We launch on Monday. Read more at https://example.com/spring.',
};

export const ifMatch = (version: number) => ({ 'if-match': `"${version}"` });

/** The default workflow's transitions, by role, that bring a new draft to each state. */
export type Step = { role: WorkspaceRole; action: string; reason?: string };
export const PATH_TO: Record<string, Step[]> = {
  draft: [],
  review: [{ role: 'editor', action: 'submit' }],
  approved: [
    { role: 'editor', action: 'submit' },
    { role: 'reviewer', action: 'approve' },
  ],
  published: [
    { role: 'editor', action: 'submit' },
    { role: 'reviewer', action: 'approve' },
    { role: 'publisher', action: 'publish' },
  ],
  archived: [
    { role: 'editor', action: 'submit' },
    { role: 'reviewer', action: 'approve' },
    { role: 'publisher', action: 'publish' },
    { role: 'publisher', action: 'archive' },
  ],
};
