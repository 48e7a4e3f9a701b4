/**
 * `GET /api/v1/content/:id/actions`: per role, what the UI's transition buttons show; the answer agrees with what
 * a real transition then does (same guards), it writes nothing, and it carries a strong ETag.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKSPACE_ROLES, type WorkspaceRole } from '../../src/server/platform/db/index.js';
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
  c = await createContentTestApp('actions');
  const applied = await c.call('admin', 'POST', '/api/v1/workflows', { body: LEGAL_REVIEW_WORKFLOW });
  expect(applied.statusCode, applied.body).toBe(201);
});
afterAll(() => c?.close());

interface Failed {
  guard: string;
  message: string;
}
interface Option {
  action: string;
  to: string;
  label: string;
  allowed: boolean;
  requiresReason: boolean;
  completes: boolean;
  failed: Failed[];
  approvals?: { count: number; required: number; approvedByYou: boolean };
}

let n = 0;

/** An item created (and authored) by `author`, driven to `state` through the service. */
async function itemIn(
  state: string,
  opts: { author?: WorkspaceRole; workflow?: string } = {},
): Promise<{ id: string; version: number }> {
  const svc = c.module.content;
  const created = await svc.create(c.actor(opts.author ?? 'editor'), {
    ...VALID_POST,
    slug: `act-${++n}`,
    ...(opts.workflow ? { workflow: opts.workflow } : {}),
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

async function getActions(role: WorkspaceRole, id: string) {
  const res = await c.call(role, 'GET', `/api/v1/content/${id}/actions`);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    contentId: string;
    state: string;
    version: number;
    workflow: { key: string; version: number };
    actions: Option[];
    rollbackAllowed: boolean;
    rollbackTargets: string[];
  };
}

const optionOf = (body: { actions: Option[] }, action: string): Option => {
  const o = body.actions.find((a) => a.action === action);
  if (!o) throw new Error(`no '${action}' in ${body.actions.map((a) => a.action).join(', ')}`);
  return o;
};

describe('per role', () => {
  it('a viewer sees every action of the state, none allowed, each with a role guard failure', async () => {
    for (const state of ['draft', 'review', 'approved', 'published', 'archived']) {
      const item = await itemIn(state);
      const body = await getActions('viewer', item.id);
      expect(body.state).toBe(state);
      expect(body.actions.length).toBeGreaterThan(0);
      for (const o of body.actions) {
        expect(o.allowed, `${state}/${o.action}`).toBe(false);
        expect(o.completes).toBe(false);
        expect(o.failed.map((f) => f.guard)).toContain('roles');
      }
      expect(body.rollbackAllowed).toBe(false);
    }
  });

  it('the policy refuses a viewer even where the workflow has no roles guard, and says so as a role failure', async () => {
    // legal_review's submit is guarded by owner_or_admin and validation only.
    const item = await itemIn('draft', { workflow: 'legal_review' });
    const submit = optionOf(await getActions('viewer', item.id), 'submit');
    expect(submit.allowed).toBe(false);
    expect(submit.failed.map((f) => f.guard)).toEqual(['roles', 'owner_or_admin']);
    expect(submit.failed[0]!.message).toContain('content.transition');
    const res = await c.call('viewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'submit' },
      headers: ifMatch(item.version),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('FORBIDDEN');
    expect(optionOf(await getActions('editor', item.id), 'submit').allowed).toBe(true);
  });

  it('lists exactly the actions leaving the current state, with target, label and reason flag', async () => {
    const item = await itemIn('review');
    const body = await getActions('reviewer', item.id);
    expect(body).toMatchObject({
      contentId: item.id,
      state: 'review',
      version: item.version,
      workflow: { key: 'default', version: 1 },
    });
    expect(body.actions.map((a) => [a.action, a.to, a.label, a.requiresReason])).toEqual([
      ['approve', 'approved', 'Approve', false],
      ['reject', 'draft', 'Request changes', true],
    ]);
    // The reason is asked when the button is pressed, so `reject` is allowed before one is typed.
    expect(optionOf(body, 'reject')).toMatchObject({ allowed: true, completes: true, failed: [] });
    expect(optionOf(body, 'approve')).toMatchObject({
      allowed: true,
      completes: true,
      failed: [],
      approvals: { count: 0, required: 1, approvedByYou: false },
    });
    expect(optionOf(body, 'reject').approvals).toBeUndefined();
  });

  it('the author cannot approve their own content (not_author), another reviewer can', async () => {
    const item = await itemIn('review', { author: 'reviewer' });
    const own = optionOf(await getActions('reviewer', item.id), 'approve');
    expect(own.allowed).toBe(false);
    expect(own.failed).toEqual([expect.objectContaining({ guard: 'not_author' })]);
    expect(optionOf(await getActions('admin', item.id), 'approve').allowed).toBe(true);
    // And the real transition agrees.
    const res = await c.call('reviewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'approve' },
      headers: ifMatch(item.version),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.details.failed).toEqual(own.failed);
  });

  it('a reason is required to reject, and a real reject without one is refused for that reason', async () => {
    const item = await itemIn('review');
    const reject = optionOf(await getActions('reviewer', item.id), 'reject');
    expect(reject.requiresReason).toBe(true);
    const res = await c.call('reviewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'reject' },
      headers: ifMatch(item.version),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.failed.map((f: Failed) => f.guard)).toEqual(['reason']);
  });

  it('an editor sees validation failures before submitting broken content', async () => {
    const created = await c.module.content.create(c.actor('editor'), {
      type: 'social_post',
      title: 'Too long',
      slug: `act-${++n}`,
      body: `Hello {{ first_name }} ${'x'.repeat(300)}`,
    });
    const submit = optionOf(await getActions('editor', created.item.id), 'submit');
    expect(submit.allowed).toBe(false);
    expect(submit.failed.map((f) => f.guard)).toEqual(['validation', 'validation']);
  });
});

describe('agrees with a real transition', () => {
  it('for every role and every action of every default state', async () => {
    const mismatches: string[] = [];
    for (const state of Object.keys(PATH_TO)) {
      const probe = await itemIn(state);
      for (const action of (await getActions('owner', probe.id)).actions.map((a) => a.action)) {
        for (const role of WORKSPACE_ROLES) {
          const item = await itemIn(state);
          const option = optionOf(await getActions(role, item.id), action);
          const res = await c.call(role, 'POST', `/api/v1/content/${item.id}/transitions`, {
            body: { action, ...(option.requiresReason ? { reason: 'because' } : {}) },
            headers: ifMatch(item.version),
          });
          const accepted = res.statusCode === 200;
          if (accepted !== option.allowed)
            mismatches.push(`${role} ${action} from ${state}: ${res.statusCode}`);
          if (accepted) {
            expect(res.json().item.state).toBe(option.to);
          } else if (res.json().error.code !== 'FORBIDDEN') {
            // Refused by the guards: the same list the actions endpoint showed.
            expect(res.json().error.details.failed).toEqual(option.failed);
          }
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('content the catalog marked not publishable offers publish as refused, like the transition', async () => {
    const item = await itemIn('approved');
    await sql`UPDATE content_items SET not_publishable_reason = 'product X-1 is discontinued' WHERE id = ${item.id}`.execute(
      c.t.db.kysely,
    );
    const publish = optionOf(await getActions('publisher', item.id), 'publish');
    expect(publish.allowed).toBe(false);
    expect(publish.failed).toEqual([
      { guard: 'validation', message: 'Not publishable: product X-1 is discontinued' },
    ]);
    expect(optionOf(await getActions('publisher', item.id), 'archive').allowed).toBe(true);
    const res = await c.call('publisher', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'publish' },
      headers: ifMatch(item.version),
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().error.details.failed).toEqual(publish.failed);
  });
});

describe('approvals', () => {
  it('min_approvals 2: counts, who voted, and which vote completes', async () => {
    const item = await itemIn('review', { workflow: 'legal_review' });
    const before = optionOf(await getActions('reviewer', item.id), 'approve');
    expect(before).toMatchObject({
      allowed: true,
      completes: false,
      approvals: { count: 0, required: 2, approvedByYou: false },
    });
    const voted = await c.call('reviewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'approve' },
      headers: ifMatch(item.version),
    });
    expect(voted.json()).toMatchObject({ completed: false, approvals: { count: 1, required: 2 } });

    const mine = optionOf(await getActions('reviewer', item.id), 'approve');
    expect(mine).toMatchObject({ allowed: false, approvals: { count: 1, required: 2, approvedByYou: true } });
    expect(mine.failed.map((f) => f.guard)).toEqual(['min_approvals']);
    const admins = optionOf(await getActions('admin', item.id), 'approve');
    expect(admins).toMatchObject({
      allowed: true,
      completes: true,
      approvals: { count: 1, required: 2, approvedByYou: false },
    });
  });
});

describe('rollback targets', () => {
  it('are the states in the history other than the current one, as rollback accepts', async () => {
    const fresh = await itemIn('draft');
    expect((await getActions('publisher', fresh.id)).rollbackTargets).toEqual([]);

    const item = await itemIn('published');
    const body = await getActions('publisher', item.id);
    expect(body.rollbackAllowed).toBe(true);
    expect(body.rollbackTargets).toEqual(['draft', 'review', 'approved']);
    expect((await getActions('editor', item.id)).rollbackAllowed).toBe(false);
    for (const target of ['archived', 'published']) {
      const res = await c.call('publisher', 'POST', `/api/v1/content/${item.id}/rollback`, {
        body: { target, reason: 'try' },
        headers: ifMatch(item.version),
      });
      expect(res.json().error.code).toBe('ROLLBACK_TARGET_INVALID');
    }
    const ok = await c.call('publisher', 'POST', `/api/v1/content/${item.id}/rollback`, {
      body: { target: 'review', reason: 'typo found' },
      headers: ifMatch(item.version),
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect((await getActions('publisher', item.id)).rollbackTargets).toEqual([
      'draft',
      'approved',
      'published',
    ]);
  });
});

describe('HTTP', () => {
  it('strong ETag with the item version; If-None-Match → 304; an approval changes it', async () => {
    const item = await itemIn('review', { workflow: 'legal_review' });
    const url = `/api/v1/content/${item.id}/actions`;
    const first = await c.call('admin', 'GET', url);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(new RegExp(`^"${item.version}\\.[A-Za-z0-9_-]+"$`));
    expect(first.headers['cache-control']).toContain('private');
    const again = await c.call('admin', 'GET', url, { headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    // Another user's buttons differ, and so does the ETag.
    expect((await c.call('viewer', 'GET', url)).headers.etag).not.toBe(etag);
    // Recording an approval does not bump the item version, but the answer (and ETag) changes.
    await c.call('reviewer', 'POST', `/api/v1/content/${item.id}/transitions`, {
      body: { action: 'approve' },
      headers: ifMatch(item.version),
    });
    const after = await c.call('admin', 'GET', url, { headers: { 'if-none-match': etag } });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
  });

  it('writes nothing: no event, no audit entry, no version change', async () => {
    const item = await itemIn('review');
    const db = c.t.db.kysely;
    const count = async (table: 'events' | 'audit_log') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = { events: await count('events'), audit: await count('audit_log') };
    for (const role of WORKSPACE_ROLES) await getActions(role, item.id);
    expect({ events: await count('events'), audit: await count('audit_log') }).toEqual(before);
    expect((await c.call('viewer', 'GET', `/api/v1/content/${item.id}`)).json().version).toBe(item.version);
  });

  it('is in the OpenAPI document with its response schema', async () => {
    const doc = (await c.t.app.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const op = doc.paths['/api/v1/content/{id}/actions']?.get;
    expect(op).toBeDefined();
    expect(JSON.stringify(op.responses['200'])).toContain('rollbackTargets');
  });

  it('404 for unknown content, 400 for a malformed id, 401 without a token', async () => {
    const missing = await c.call(
      'viewer',
      'GET',
      '/api/v1/content/00000000-0000-4000-8000-000000000000/actions',
    );
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
    const bad = await c.call('viewer', 'GET', '/api/v1/content/nope/actions');
    expect(bad.statusCode).toBe(400);
    const anon = await c.t.app.inject({ method: 'GET', url: '/api/v1/content/nope/actions' });
    expect(anon.statusCode).toBe(401);
  });
});
