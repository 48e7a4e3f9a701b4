/**
 * The workflow over HTTP: every transition of the default definition × every role; two approvers racing (one
 * winner per conflicting step, no lost approval under min_approvals 2); custom definitions applied as new versions,
 * content keeping its definition version until migrated explicitly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../../src/server/platform/db/index.js';
import { can, listPolicyRoutes, systemActor } from '../../src/server/platform/auth/index.js';
import { CONTENT_ROUTES } from './authz/content.routes.js';
import { REVIEW_ROUTES } from './authz/review.routes.js';
import { DELIVERY_ROUTES } from './authz/deliveries.routes.js';
import { LEGAL_REVIEW_WORKFLOW } from '../../src/server/modules/content/workflow/legal-review.fixture.js';
import {
  createContentTestApp,
  ifMatch,
  PATH_TO,
  VALID_POST,
  type ContentTestApp,
} from './content.fixture.js';

let c: ContentTestApp;
beforeAll(async () => {
  c = await createContentTestApp('wf');
});
afterAll(() => c?.close());

let n = 0;

/** An item owned and written by the editor, driven to `state` through the service. */
async function itemIn(state: string, workflow?: string): Promise<{ id: string; version: number }> {
  const svc = c.module.content;
  const created = await svc.create(c.actor('editor'), {
    ...VALID_POST,
    slug: `wf-${++n}`,
    ...(workflow ? { workflow } : {}),
  });
  let version = created.item.version;
  for (const step of PATH_TO[state]!) {
    const r = await svc.transition(c.actor(step.role), created.item.id, {
      action: step.action,
      reason: step.reason,
      expectedVersion: version,
    });
    version = r.item.version;
  }
  return { id: created.item.id, version };
}

const ALL_BUT_VIEWER: WorkspaceRole[] = ['editor', 'reviewer', 'publisher', 'admin', 'owner'];
const REVIEWERS: WorkspaceRole[] = ['reviewer', 'admin', 'owner'];
const PUBLISHERS: WorkspaceRole[] = ['publisher', 'admin', 'owner'];

/** Who may take each default transition (the owner of every test item is the editor). */
const MATRIX: { action: string; from: string; to: string; reason?: string; allowed: WorkspaceRole[] }[] = [
  { action: 'submit', from: 'draft', to: 'review', allowed: ALL_BUT_VIEWER },
  { action: 'approve', from: 'review', to: 'approved', allowed: REVIEWERS },
  { action: 'reject', from: 'review', to: 'draft', reason: 'needs work', allowed: REVIEWERS },
  { action: 'publish', from: 'approved', to: 'published', allowed: PUBLISHERS },
  { action: 'unpublish', from: 'published', to: 'approved', reason: 'typo', allowed: PUBLISHERS },
  { action: 'archive', from: 'published', to: 'archived', allowed: PUBLISHERS },
  { action: 'archive', from: 'approved', to: 'archived', allowed: PUBLISHERS },
  // owner_or_admin: the editor owns the item; reviewers and publishers do not.
  { action: 'restore', from: 'archived', to: 'draft', allowed: ['editor', 'admin', 'owner'] },
];

describe('transition × role matrix (HTTP)', () => {
  for (const row of MATRIX) {
    it(`${row.action} ${row.from} → ${row.to}`, async () => {
      const outcomes: Record<string, number> = {};
      for (const role of WORKSPACE_ROLES) {
        const item = await itemIn(row.from);
        const res = await c.call(role, 'POST', `/api/v1/content/${item.id}/transitions`, {
          body: { action: row.action, ...(row.reason ? { reason: row.reason } : {}) },
          headers: ifMatch(item.version),
        });
        outcomes[role] = res.statusCode;
        if (res.statusCode === 200) expect(res.json().item.state).toBe(row.to);
        else expect(['TRANSITION_FORBIDDEN', 'FORBIDDEN']).toContain(res.json().error.code);
      }
      const expected = Object.fromEntries(
        WORKSPACE_ROLES.map((r) => [r, row.allowed.includes(r) ? 200 : 403]),
      );
      expect(outcomes).toEqual(expected);
    });
  }
});

describe('racing approvers', () => {
  it('min_approvals 1: two approvals of the same version → exactly one wins, the other gets 409', async () => {
    for (let round = 0; round < 3; round++) {
      const item = await itemIn('review');
      const [a, b] = await Promise.all(
        (['reviewer', 'admin'] as const).map((role) =>
          c.call(role, 'POST', `/api/v1/content/${item.id}/transitions`, {
            body: { action: 'approve', expectedVersion: item.version },
          }),
        ),
      );
      expect([a!.statusCode, b!.statusCode].sort()).toEqual([200, 409]);
      const history = (await c.call('viewer', 'GET', `/api/v1/content/${item.id}/history`)).json();
      expect(history.transitions.filter((t: { action: string }) => t.action === 'approve')).toHaveLength(1);
      expect(history.approvals).toHaveLength(1);
    }
  });

  it('min_approvals 2: two racing approvals both count and exactly one of them completes the step', async () => {
    const applied = await c.call('admin', 'POST', '/api/v1/workflows', { body: LEGAL_REVIEW_WORKFLOW });
    expect(applied.statusCode, applied.body).toBe(201);
    for (let round = 0; round < 3; round++) {
      const item = await itemIn('review', 'legal_review');
      const results = await Promise.all(
        (['reviewer', 'admin'] as const).map((role) =>
          c.call(role, 'POST', `/api/v1/content/${item.id}/transitions`, {
            body: { action: 'approve', expectedVersion: item.version },
          }),
        ),
      );
      for (const r of results) expect(r.statusCode, r.body).toBe(200);
      expect(results.map((r) => r.json().completed).sort()).toEqual([false, true]);
      const got = (await c.call('viewer', 'GET', `/api/v1/content/${item.id}`)).json();
      expect(got.state).toBe('legal_review');
      const history = (await c.call('viewer', 'GET', `/api/v1/content/${item.id}/history`)).json();
      expect(history.approvals.map((a: { userId: string }) => a.userId).sort()).toEqual(
        [c.ws.users.reviewer.id, c.ws.users.admin.id].sort(),
      );
    }
  });

  it('the same approver twice counts once', async () => {
    const item = await itemIn('review', 'legal_review');
    const first = await c.call('reviewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'approve', expectedVersion: item.version },
    });
    expect(first.json()).toMatchObject({ completed: false, approvals: { count: 1, required: 2 } });
    const again = await c.call('reviewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'approve', expectedVersion: item.version },
    });
    expect(again.statusCode).toBe(422);
    expect(again.json().error.code).toBe('TRANSITION_INVALID');
  });
});

describe('workflow definitions', () => {
  it('validates on save with every problem, and versions each apply', async () => {
    const broken = { ...LEGAL_REVIEW_WORKFLOW, key: 'broken', states: LEGAL_REVIEW_WORKFLOW.states.slice(1) };
    const dry = await c.call('viewer', 'POST', '/api/v1/workflows/validate', { body: broken });
    expect(dry.json().ok).toBe(false);
    expect(dry.json().problems.length).toBeGreaterThan(0);
    const refused = await c.call('admin', 'POST', '/api/v1/workflows', { body: broken });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().error.code).toBe('WORKFLOW_DEFINITION_INVALID');
    expect(
      (await c.call('editor', 'POST', '/api/v1/workflows', { body: LEGAL_REVIEW_WORKFLOW })).statusCode,
    ).toBe(403);

    const custom = { ...LEGAL_REVIEW_WORKFLOW, key: 'versioned' };
    const v1 = await c.call('admin', 'POST', '/api/v1/workflows', { body: custom });
    const v2 = await c.call('admin', 'POST', '/api/v1/workflows', {
      body: {
        ...custom,
        states: custom.states.map((s) => (s.key === 'legal_review' ? { ...s, label: 'Legal' } : s)),
      },
    });
    expect([v1.json().version, v2.json().version]).toEqual([1, 2]);
    const shown = await c.call('viewer', 'GET', '/api/v1/workflows/versioned?version=1');
    expect(shown.json()).toMatchObject({ key: 'versioned', version: 1, builtIn: false });
    const list = (await c.call('viewer', 'GET', '/api/v1/workflows')).json();
    expect(list.items.map((d: { key: string }) => d.key)).toEqual(
      expect.arrayContaining(['default', 'versioned']),
    );
  });

  it('content keeps the definition version it started with until migrated explicitly', async () => {
    const base = { ...LEGAL_REVIEW_WORKFLOW, key: 'pinned' };
    await c.call('admin', 'POST', '/api/v1/workflows', { body: base });
    const item = await itemIn('draft', 'pinned');
    // v2 drops the second approval.
    const v2 = {
      ...base,
      transitions: base.transitions.map((t) =>
        t.action === 'approve'
          ? { ...t, guards: t.guards.map((g) => (g.kind === 'min_approvals' ? { ...g, count: 1 } : g)) }
          : t,
      ),
    };
    await c.call('admin', 'POST', '/api/v1/workflows', { body: v2 });
    expect((await c.call('viewer', 'GET', `/api/v1/content/${item.id}`)).json().workflow).toEqual({
      key: 'pinned',
      version: 1,
    });

    const migrated = await c.call('admin', 'POST', `/api/v1/content/${item.id}/workflow-migration`, {
      body: {},
      headers: ifMatch(item.version),
    });
    expect(migrated.statusCode, migrated.body).toBe(200);
    expect(migrated.json().workflow).toEqual({ key: 'pinned', version: 2 });
    const submitted = await c.module.content.transition(c.actor('editor'), item.id, {
      action: 'submit',
      expectedVersion: migrated.json().version,
    });
    const approved = await c.module.content.transition(c.actor('reviewer'), item.id, {
      action: 'approve',
      expectedVersion: submitted.item.version,
    });
    expect(approved.completed).toBe(true);
  });
});

describe('content routes × roles', () => {
  it('every content route is in the matrix table and answers 403 exactly when the policy refuses the role', async () => {
    const registered = listPolicyRoutes(c.t.app)!
      .flatMap((r) => [r.method].flat().map((m) => `${m} ${r.url}`))
      .filter((k) => !k.startsWith('HEAD ') && /^\w+ \/api\/v1\/(content|workflows)/.test(k))
      // Other modules hang routes under /content/:id too (comments, reviewer links); they have their own rows.
      .filter((k) => !(k in REVIEW_ROUTES) && !(k in DELIVERY_ROUTES));
    expect(registered.sort()).toEqual(Object.keys(CONTENT_ROUTES).sort());
    const problems: string[] = [];
    for (const [key, policy] of Object.entries(CONTENT_ROUTES)) {
      const [method, path] = key.split(' ') as ['GET' | 'POST' | 'PATCH', string];
      const url = path.replace(/:[a-z]+/g, (p) =>
        p === ':version' ? '1' : '00000000-0000-4000-8000-000000000001',
      );
      const body = method === 'GET' ? {} : { body: {} };
      const anon = await c.t.app.inject({ method, url, ...(method === 'GET' ? {} : { payload: {} }) });
      if (anon.statusCode !== 401) problems.push(`${key} anonymous: ${anon.statusCode}`);
      for (const role of WORKSPACE_ROLES) {
        const res = await c.call(role, method, url, body);
        const allowed = policy !== 'public' && can({ ...systemActor(c.ws.workspaceId), role }, policy);
        if ((res.statusCode === 403) === allowed)
          problems.push(`${key} ${role}: ${res.statusCode} ${res.body.slice(0, 100)}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
