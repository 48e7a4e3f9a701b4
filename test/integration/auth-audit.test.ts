/**
 * Auth changes made over HTTP are audited (with ip, user agent and request id) and emitted as events, in the same
 * transaction as the change; the chain verifies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAudit, verifyAuditChain } from '../../src/server/platform/audit/index.js';
import { listEvents } from '../../src/server/platform/events/index.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { seedWorkspace, type SeededWorkspace } from './auth-app.fixture.js';

describe('audit and events for auth changes', () => {
  let t: TestApp;
  let ws: SeededWorkspace;
  beforeAll(async () => {
    t = await createTestApp();
    ws = await seedWorkspace(t.db, t.clock);
  });
  afterAll(() => t.close());

  it('records token creation and revocation with who, what and HTTP origin', async () => {
    const headers = {
      authorization: `Bearer ${ws.tokens.admin}`,
      'user-agent': 'audit-test/1.0',
      'x-request-id': 'req-audit-1',
    };
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers,
      payload: { name: 'ci', role: 'editor' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/v1/tokens/${id}`, headers });
    expect(revoked.statusCode).toBe(204);

    const entries = await listAudit(t.db.kysely, {
      workspaceId: ws.workspaceId,
      subject: `token:${id}`,
      limit: 50,
    });
    const actions = entries.map((e) => e.action).sort();
    expect(actions).toEqual(['tokens.create', 'tokens.revoke']);
    const create = entries.find((e) => e.action === 'tokens.create')!;
    expect(create).toMatchObject({ origin: 'api', userAgent: 'audit-test/1.0', requestId: 'req-audit-1' });
    expect(JSON.stringify(create)).not.toContain(created.json().token);

    const events = await listEvents(t.db.kysely, { workspaceId: ws.workspaceId, after: 0, limit: 100 });
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining(['auth.token_created', 'auth.token_revoked']),
    );
    expect((await verifyAuditChain(t.db)).ok).toBe(true);
  });

  it('records nothing when the change is refused', async () => {
    const before = (await listAudit(t.db.kysely, { workspaceId: ws.workspaceId, limit: 500 })).length;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v1/tokens',
      headers: { authorization: `Bearer ${ws.tokens.editor}` },
      payload: { name: 'x', role: 'owner' },
    });
    expect(res.statusCode).toBe(403);
    expect((await listAudit(t.db.kysely, { workspaceId: ws.workspaceId, limit: 500 })).length).toBe(before);
  });
});
