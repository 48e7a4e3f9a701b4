/**
 * The audit log: per-workspace hash chain written in the caller's transaction, tamper detection by
 * `verifyAuditChain` (altered row named exactly; deleted row detected), and the admin routes.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAudit,
  GENESIS_HASH,
  recordAudit,
  verifyAuditChain,
  type AuditEntry,
} from '../../src/server/platform/audit/index.js';
import type { Actor } from '../../src/server/platform/auth/actor.js';
import { systemActor } from '../../src/server/platform/auth/actor.js';
import { TestClock } from '../../src/server/platform/clock.js';
import { inTransaction, type Executor } from '../../src/server/platform/db/index.js';
import { createHttpServer, type HttpApp } from '../../src/server/platform/http/index.js';
import { silentLogger } from '../../src/server/platform/logger.js';
import { createMetricsRegistry } from '../../src/server/platform/metrics.js';
import { createTestDb, type TestDb } from '../support/test-db.js';

let t: TestDb;
let db: Executor;

async function createWorkspace(slug: string): Promise<string> {
  return (
    await db.insertInto('workspaces').values({ slug, name: slug }).returning('id').executeTakeFirstOrThrow()
  ).id;
}

async function createUser(email: string): Promise<string> {
  return (
    await db
      .insertInto('users')
      .values({ email, name: email, password_hash: null })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

const userActor = (workspaceId: string, userId: string, role: Actor['role'] = 'admin'): Actor => ({
  kind: 'user',
  userId,
  tokenId: null,
  workspaceId,
  role,
  origin: 'api',
  ip: '203.0.113.9',
  userAgent: 'vitest',
  requestId: 'req-1',
});

/** Runs `fn` with the append-only trigger off, as a database superuser tampering with the log could. */
async function asTamperer(fn: () => Promise<unknown>): Promise<void> {
  await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(db);
  try {
    await fn();
  } finally {
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(db);
  }
}

beforeAll(async () => {
  t = await createTestDb();
  db = t.db.kysely;
});
afterAll(() => t.close());

describe('recordAudit', () => {
  it('chains entries per workspace: seq 1, 2 …, prev_hash = previous hash, all request metadata recorded', async () => {
    const ws = await createWorkspace('audit-chain');
    const other = await createWorkspace('audit-other');
    const user = await createUser('auditor@example.com');
    const clock = new TestClock('2026-05-01T12:00:00.000Z');
    const e1 = await recordAudit(
      db,
      userActor(ws, user),
      { action: 'tokens.create', subject: 'token:1', after: { name: 'ci', at: new Date(0) } },
      { clock },
    );
    clock.advance(5);
    const e2 = await recordAudit(
      db,
      userActor(ws, user),
      { action: 'tokens.revoke', subject: 'token:1', before: { revoked: false }, after: { revoked: true } },
      { clock },
    );
    const o1 = await recordAudit(
      db,
      systemActor(other, 'cli'),
      { action: 'secrets.rotate', subject: 'workspace' },
      { clock },
    );
    expect([e1.seq, e2.seq, o1.seq]).toEqual([1, 2, 1]);
    expect(e1.prevHash).toBe(GENESIS_HASH);
    expect(e2.prevHash).toBe(e1.hash);
    expect(o1.prevHash).toBe(GENESIS_HASH);
    const row = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '=', e1.id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      actor_kind: 'user',
      actor_user_id: user,
      origin: 'api',
      ip: '203.0.113.9',
      user_agent: 'vitest',
      request_id: 'req-1',
      after: { name: 'ci', at: '1970-01-01T00:00:00.000Z' },
      before: null,
    });
    expect(row.at.toISOString()).toBe('2026-05-01T12:00:00.000Z');
    expect(await verifyAuditChain(t.db, ws)).toEqual({ ok: true, checked: 2, workspaces: 1 });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true, checked: 3, workspaces: 2 });
  });

  it('commits and rolls back with the caller; a rolled-back entry leaves no hole in the chain', async () => {
    const ws = await createWorkspace('audit-rollback');
    await recordAudit(db, systemActor(ws), { action: 'a.one', subject: 's' });
    await expect(
      inTransaction(db, async (tx) => {
        await recordAudit(tx, systemActor(ws), { action: 'a.two', subject: 's' });
        throw new Error('use case failed');
      }),
    ).rejects.toThrow('use case failed');
    const next = await recordAudit(db, systemActor(ws), { action: 'a.three', subject: 's' });
    expect(next.seq).toBe(2);
    expect(await verifyAuditChain(t.db, ws)).toMatchObject({ ok: true, checked: 2 });
  });

  it('keeps the chain intact under concurrent writers', async () => {
    const ws = await createWorkspace('audit-concurrent');
    const n = 30;
    const entries = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        recordAudit(db, systemActor(ws), { action: 'load.test', subject: `s:${i}`, after: { i } }),
      ),
    );
    expect(entries.map((e) => e.seq).sort((a, b) => a - b)).toEqual(
      Array.from({ length: n }, (_, i) => i + 1),
    );
    expect(await verifyAuditChain(t.db, ws)).toEqual({ ok: true, checked: n, workspaces: 1 });
  });
});

describe('tamper detection', () => {
  let ws: string;
  let entries: AuditEntry[];
  beforeAll(async () => {
    ws = await createWorkspace('audit-tamper');
    entries = [];
    for (let i = 1; i <= 6; i++) {
      entries.push(
        await recordAudit(db, systemActor(ws), {
          action: 'content.update',
          subject: `content:${i}`,
          after: { title: `t${i}` },
        }),
      );
    }
  });

  it('refuses a plain UPDATE (append-only trigger)', async () => {
    await expect(
      sql`UPDATE audit_log SET action = 'x' WHERE workspace_id = ${ws}`.execute(db),
    ).rejects.toThrow(/append-only/);
  });

  it('names exactly the entry whose row was altered with raw SQL', async () => {
    const victim = entries[3]!;
    await asTamperer(() =>
      sql`UPDATE audit_log SET after = '{"title":"forged"}'::jsonb WHERE id = ${victim.id}`.execute(db),
    );
    const result = await verifyAuditChain(t.db, ws);
    expect(result.ok).toBe(false);
    expect(result.checked).toBe(3);
    expect(result.firstBroken).toMatchObject({
      workspaceId: ws,
      seq: 4,
      id: victim.id,
      reason: 'hash_mismatch',
    });
    // Across all workspaces too.
    expect((await verifyAuditChain(t.db)).firstBroken).toMatchObject({ id: victim.id });
    // Restoring the original content restores the chain.
    await asTamperer(() =>
      sql`UPDATE audit_log SET after = '{"title":"t4"}'::jsonb WHERE id = ${victim.id}`.execute(db),
    );
    expect((await verifyAuditChain(t.db, ws)).ok).toBe(true);
  });

  it('detects other altered fields: time, actor, prev_hash', async () => {
    const victim = entries[1]!;
    for (const [set, restore] of [
      [sql`at = at + interval '1 second'`, sql`at = at - interval '1 second'`],
      [sql`actor_kind = 'user'`, sql`actor_kind = 'system'`],
      [sql`prev_hash = ${'f'.repeat(64)}`, sql`prev_hash = ${victim.prevHash}`],
    ] as const) {
      await asTamperer(() => sql`UPDATE audit_log SET ${set} WHERE id = ${victim.id}`.execute(db));
      expect((await verifyAuditChain(t.db, ws)).firstBroken).toMatchObject({
        seq: 2,
        id: victim.id,
        reason: 'hash_mismatch',
      });
      await asTamperer(() => sql`UPDATE audit_log SET ${restore} WHERE id = ${victim.id}`.execute(db));
    }
    expect((await verifyAuditChain(t.db, ws)).ok).toBe(true);
  });

  it('detects a deleted middle entry and a deleted last entry', async () => {
    await sql`DELETE FROM audit_log WHERE id = ${entries[2]!.id}`.execute(db);
    expect((await verifyAuditChain(t.db, ws)).firstBroken).toMatchObject({
      workspaceId: ws,
      seq: 3,
      id: null,
      reason: 'missing_entry',
    });
    const tailWs = await createWorkspace('audit-tail');
    const a = await recordAudit(db, systemActor(tailWs), { action: 'x.y', subject: 's' });
    const b = await recordAudit(db, systemActor(tailWs), { action: 'x.y', subject: 's' });
    expect(a.seq + 1).toBe(b.seq);
    await sql`DELETE FROM audit_log WHERE id = ${b.id}`.execute(db);
    expect((await verifyAuditChain(t.db, tailWs)).firstBroken).toMatchObject({
      seq: 2,
      id: null,
      reason: 'missing_entry',
    });
  });
});

describe('audit routes', () => {
  let app: HttpApp;
  let ws: string;
  beforeAll(async () => {
    ws = await createWorkspace('audit-http');
    const user = await createUser('admin@example.com');
    const audit = createAudit({ db: t.db, clock: new TestClock() });
    for (let i = 1; i <= 5; i++) {
      await audit.record(db, userActor(ws, user), {
        action: i % 2 ? 'tokens.create' : 'tokens.revoke',
        subject: `token:${i}`,
      });
    }
    app = createHttpServer({
      logger: silentLogger(),
      metrics: createMetricsRegistry({ defaultMetrics: false }),
      bodyLimitBytes: 1 << 20,
      trustProxy: false,
    });
    app.addHook('onRequest', async (request) => {
      const role = (request.headers['x-test-role'] as Actor['role'] | undefined) ?? 'admin';
      (request as typeof request & { actor: Actor }).actor = userActor(ws, user, role);
    });
    audit.registerRoutes(app);
    await app.ready();
  });
  afterAll(() => app.close());

  it('lists entries newest first with cursor pagination and filters', async () => {
    const seqs: number[] = [];
    let url = '/api/v1/audit?limit=2';
    for (;;) {
      const res = await app.inject({ url });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: AuditEntry[]; nextCursor: string | null };
      seqs.push(...body.items.map((i) => i.seq));
      if (!body.nextCursor) break;
      url = `/api/v1/audit?limit=2&cursor=${body.nextCursor}`;
    }
    expect(seqs).toEqual([5, 4, 3, 2, 1]);
    const filtered = (await app.inject({ url: '/api/v1/audit?action=tokens.revoke' })).json() as {
      items: AuditEntry[];
    };
    expect(filtered.items.map((i) => [i.seq, i.subject])).toEqual([
      [4, 'token:4'],
      [2, 'token:2'],
    ]);
    expect(filtered.items[0]).toMatchObject({
      actor: { kind: 'user' },
      origin: 'api',
      ip: '203.0.113.9',
      requestId: 'req-1',
    });
    expect((await app.inject({ url: '/api/v1/audit?cursor=garbage' })).statusCode).toBe(400);
  });

  it('verifies the workspace chain and reports the broken entry; editors may do neither', async () => {
    expect((await app.inject({ method: 'POST', url: '/api/v1/audit/verify' })).json()).toEqual({
      ok: true,
      checked: 5,
      workspaces: 1,
    });
    const victim = await db
      .selectFrom('audit_log')
      .select('id')
      .where('workspace_id', '=', ws)
      .where('seq', '=', 2)
      .executeTakeFirstOrThrow();
    await asTamperer(() =>
      sql`UPDATE audit_log SET subject = 'token:999' WHERE id = ${victim.id}`.execute(db),
    );
    const broken = (await app.inject({ method: 'POST', url: '/api/v1/audit/verify' })).json() as {
      ok: boolean;
      firstBroken: unknown;
    };
    expect(broken).toMatchObject({
      ok: false,
      firstBroken: { seq: 2, id: victim.id, reason: 'hash_mismatch' },
    });
    expect(
      (await app.inject({ url: '/api/v1/audit', headers: { 'x-test-role': 'editor' } })).statusCode,
    ).toBe(403);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/audit/verify',
          headers: { 'x-test-role': 'editor' },
        })
      ).statusCode,
    ).toBe(403);
  });
});
